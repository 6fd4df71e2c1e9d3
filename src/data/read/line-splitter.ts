import { isUtf8 } from "node:buffer";

/**
 * Splits a stream of byte chunks into lines without ever holding more than one chunk plus one line: the
 * pending tail of a chunk is kept only up to `maxLineBytes`; past that the line is dropped as it streams by and
 * reported as too long once its end arrives. Lines are handed out as (buffer, start, end) views, so the common
 * case (a line inside one chunk) copies nothing.
 */
export interface LineSink {
  /**
   * A complete line, without its "\n" (a trailing "\r" is left for the caller). `line` is 1-based.
   * `validUtf8` is true when the splitter already checked these bytes as part of a whole valid chunk.
   */
  line(buf: Buffer, start: number, end: number, line: number, validUtf8: boolean): void;
  /** A line longer than the limit, skipped; `bytes` is its full length. */
  tooLong(line: number, bytes: number): void;
}

export class LineSplitter {
  private pending: Buffer | null = null;
  private lineNo = 0;
  /** Bytes of the current over-long line seen so far; -1 when not inside one. */
  private skipping = -1;

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes: number,
  ) {}

  /** Number of the last line handed out (complete lines only). */
  get linesDone(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const n = chunk.length;
    if (this.skipping >= 0) {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        this.skipping += n;
        return;
      }
      this.sink.tooLong(++this.lineNo, this.skipping + nl);
      this.skipping = -1;
      pos = nl + 1;
    } else if (this.pending) {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        if (this.pending.length + n > this.maxLineBytes) {
          this.skipping = this.pending.length + n;
          this.pending = null;
        } else {
          this.pending = Buffer.concat([this.pending, chunk]);
        }
        return;
      }
      const total = this.pending.length + nl;
      if (total > this.maxLineBytes) {
        this.sink.tooLong(++this.lineNo, total);
      } else {
        const joined = Buffer.concat([this.pending, chunk.subarray(0, nl)]);
        this.sink.line(joined, 0, joined.length, ++this.lineNo, false);
      }
      this.pending = null;
      pos = nl + 1;
    }
    // One UTF-8 check for all the complete lines of this chunk (the common case: valid), instead of per line.
    const last = chunk.lastIndexOf(0x0a);
    const valid = last > pos && isUtf8(chunk.subarray(pos, last));
    for (;;) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) break;
      if (nl - pos > this.maxLineBytes) this.sink.tooLong(++this.lineNo, nl - pos);
      else this.sink.line(chunk, pos, nl, ++this.lineNo, valid);
      pos = nl + 1;
    }
    if (pos < n) {
      if (n - pos > this.maxLineBytes) this.skipping = n - pos;
      // Copy: the caller may reuse or release the chunk.
      else this.pending = Buffer.from(chunk.subarray(pos));
    }
  }

  /** End of input: a last line without "\n" is still a line. */
  end(): void {
    if (this.skipping >= 0) {
      this.sink.tooLong(++this.lineNo, this.skipping);
      this.skipping = -1;
    } else if (this.pending) {
      const p = this.pending;
      this.pending = null;
      this.sink.line(p, 0, p.length, ++this.lineNo, false);
    }
  }
}
