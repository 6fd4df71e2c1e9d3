import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";

/**
 * Append-only JSON Lines, written so that a crash loses at most the line being written, and read so that a
 * torn last line (a writer killed mid-line, or still writing) is tolerated rather than fatal.
 */

/** Appends one JSON document per line with a synchronous write, so each record reaches the OS before return. */
export class JsonlAppender {
  private fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, "a");
    // A previous writer may have died mid-line: start on a fresh line so our first record stays parseable.
    const size = fstatSync(this.fd).size;
    if (size > 0 && !endsWithNewline(path, size)) writeSync(this.fd, "\n");
  }

  append(record: unknown): void {
    writeAll(this.fd, `${JSON.stringify(record)}\n`);
  }

  /** Force the data to stable storage (used at checkpoints; every append already reached the OS). */
  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

function writeAll(fd: number, s: string): void {
  const buf = Buffer.from(s, "utf8");
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

function endsWithNewline(path: string, size: number): boolean {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

export interface JsonlLine<T = unknown> {
  /** 1-based line number in the file. */
  line: number;
  value: T;
}

export interface JsonlProblem {
  line: number;
  message: string;
}

/**
 * Incremental reader: each poll() returns the complete lines appended since the last poll. A final line without
 * its newline is left for the next poll (the writer may be in the middle of it), so a concurrent reader never
 * sees half a record. Lines that are complete but not valid JSON are reported as problems and skipped.
 */
export class JsonlTail<T = unknown> {
  private offset = 0;
  private lineNo = 0;
  private pending: Buffer = Buffer.alloc(0);
  readonly problems: JsonlProblem[] = [];

  constructor(
    readonly path: string,
    private readonly chunkSize = 1 << 20,
    /**
     * Where to begin: a byte offset at a line start (the `consumed` of an earlier reader of the same file) and
     * the number of lines before it, so line numbers in problems stay those of the file.
     */
    start: { offset: number; line: number } = { offset: 0, line: 0 },
  ) {
    this.offset = start.offset;
    this.lineNo = start.line;
  }

  /** Byte offset up to which complete lines have been consumed. */
  get consumed(): number {
    return this.offset - this.pending.length;
  }

  /** Complete lines consumed so far (blank ones included): the line number of the last one. */
  get lines(): number {
    return this.lineNo;
  }

  poll(onLine?: (l: JsonlLine<T>) => void): JsonlLine<T>[] {
    const out: JsonlLine<T>[] = [];
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return out;
      throw err;
    }
    try {
      const chunk = Buffer.allocUnsafe(this.chunkSize);
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        let buf = this.pending.length
          ? Buffer.concat([this.pending, chunk.subarray(0, n)])
          : chunk.subarray(0, n);
        let start = 0;
        for (;;) {
          const nl = buf.indexOf(0x0a, start);
          if (nl < 0) break;
          this.lineNo++;
          const text = buf.toString("utf8", start, nl).trim();
          start = nl + 1;
          if (text === "") continue;
          try {
            const l = { line: this.lineNo, value: JSON.parse(text) as T };
            if (onLine) onLine(l);
            else out.push(l);
          } catch (err) {
            this.problems.push({ line: this.lineNo, message: (err as Error).message });
          }
        }
        buf = buf.subarray(start);
        this.pending = Buffer.from(buf); // copy: `chunk` is reused on the next read
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  /**
   * The unterminated last line, if any, parsed if it happens to be complete JSON. Used by one-shot readers once
   * the writer is known to be gone; a live tail never calls it.
   */
  finish(): { line?: JsonlLine<T>; torn?: JsonlProblem } {
    const text = this.pending.toString("utf8").trim();
    if (text === "") return {};
    const line = this.lineNo + 1;
    try {
      return { line: { line, value: JSON.parse(text) as T } };
    } catch {
      return { torn: { line, message: "torn last line (incomplete record) ignored" } };
    }
  }
}

export interface JsonlReadResult<T> {
  lines: JsonlLine<T>[];
  /** Complete lines that were not valid JSON. */
  problems: JsonlProblem[];
  /** Set when the last line was cut short and ignored. */
  torn?: JsonlProblem;
}

/** Read a whole JSONL file once, tolerating a torn last line. Missing file → empty result. */
export function readJsonl<T = unknown>(path: string): JsonlReadResult<T> {
  const tail = new JsonlTail<T>(path);
  const lines = tail.poll();
  const end = tail.finish();
  if (end.line) lines.push(end.line);
  return { lines, problems: tail.problems, torn: end.torn };
}
