import { isUtf8 } from "node:buffer";
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { asUserError } from "../../util/errors.js";
import { BadInputLog } from "./bad-input.js";
import { type CorpusFile, type CorpusFormat, resolveCorpus } from "./files.js";
import { JsonArraySplitter } from "./json-array.js";
import { LineSplitter } from "./line-splitter.js";
import { readParquetColumn } from "./parquet.js";

/** One document of a corpus. `line` is 1-based: the line in a .txt/.jsonl, the element's first line in a
 * .json array, the row number in a .parquet. `id` is `file:line`, unique within a corpus. */
export interface CorpusDoc {
  file: string;
  line: number;
  text: string;
  readonly id: string;
}

export interface ReadOptions {
  /** Field holding the text in .jsonl / .json / .parquet records (default "text"); "a.b" reaches into objects. */
  field?: string;
  /** Read every file as this format instead of going by its extension. */
  format?: CorpusFormat;
  /** Documents (lines, records) longer than this many bytes are skipped as `too_long` (default 4 MiB). */
  maxDocBytes?: number;
  /** Throw a UserError at the first bad input instead of skipping it. */
  strict?: boolean;
  /** Read chunk size in bytes (default 1 MiB). */
  chunkBytes?: number;
}

class Doc implements CorpusDoc {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly text: string,
  ) {}
  get id(): string {
    return `${this.file}:${this.line}`;
  }
}

export function docId(file: string, line: number): string {
  return `${file}:${line}`;
}

/**
 * A corpus opened for streaming: files resolved up front (so progress has a total), documents read lazily in
 * batches (one read chunk's worth), bad input skipped into `bad`. Iterate it for single documents, or call
 * batches() for arrays, which is what the audit feeds its workers. Can be iterated more than once (each pass
 * re-reads the files; `bad` then reflects the last pass).
 */
export class Corpus implements AsyncIterable<CorpusDoc> {
  readonly files: CorpusFile[];
  readonly skippedFiles: string[];
  readonly totalBytes: number;
  bad: BadInputLog;
  /** Bytes consumed from disk so far in the current pass (compressed bytes for .gz). */
  bytesRead = 0;
  docsRead = 0;
  private readonly field: string;
  private readonly fieldPath: string[];
  private readonly maxDocBytes: number;
  private readonly chunkBytes: number;

  constructor(
    paths: string[],
    private readonly opts: ReadOptions = {},
  ) {
    const r = resolveCorpus(paths, opts.format);
    this.files = r.files;
    this.skippedFiles = r.skipped;
    this.totalBytes = r.totalBytes;
    this.field = opts.field ?? "text";
    this.fieldPath = this.field.split(".");
    this.maxDocBytes = opts.maxDocBytes ?? 4 << 20;
    this.chunkBytes = opts.chunkBytes ?? 1 << 20;
    this.bad = new BadInputLog(opts.strict);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CorpusDoc> {
    for await (const batch of this.batches()) yield* batch;
  }

  /** Documents in corpus order, in arrays of one read chunk each (never empty). */
  async *batches(): AsyncGenerator<CorpusDoc[]> {
    this.bad = new BadInputLog(this.opts.strict);
    this.bytesRead = 0;
    this.docsRead = 0;
    for (const f of this.files) {
      if (f.format === "parquet") yield* this.readParquet(f);
      else yield* this.readStream(f);
    }
  }

  private async *readStream(f: CorpusFile): AsyncGenerator<CorpusDoc[]> {
    let out: CorpusDoc[] = [];
    let format = f.format;
    let first = true;
    const bad = this.bad;
    const onText = (buf: Buffer, start: number, end: number, line: number, validUtf8 = false) => {
      if (first) {
        first = false;
        if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf)
          start += 3; // UTF-8 byte order mark
      }
      if (!validUtf8 && !isUtf8(buf.subarray(start, end))) {
        bad.add(
          "invalid_utf8",
          f.path,
          line,
          `invalid UTF-8 at byte ${firstBadByte(buf, start, end)} of the line`,
        );
        return;
      }
      if (format === "txt") {
        if (end > start && buf[end - 1] === 0x0d) end--;
        const text = buf.toString("utf8", start, end);
        if (isBlank(text)) bad.add("empty", f.path, line, "empty line");
        else out.push(new Doc(f.path, line, text));
        return;
      }
      this.record(buf.toString("utf8", start, end), f.path, line, out, format === "jsonl");
    };
    const tooLong = (line: number, bytes: number) =>
      bad.add("too_long", f.path, line, `${bytes} bytes (limit ${this.maxDocBytes}, see --max-doc-bytes)`);

    let lines: LineSplitter | undefined;
    let elements: JsonArraySplitter | undefined;
    let broken = false;
    const makeSplitter = (firstChunk: Buffer) => {
      if (format === "json") {
        // A ".json" file that starts with "{" is JSON Lines under another name.
        const c = firstNonSpace(firstChunk);
        if (c === 0x7b) format = "jsonl";
      }
      if (format === "json") {
        elements = new JsonArraySplitter(
          {
            element: onText,
            tooLong,
            broken: (line, detail) => {
              broken = true;
              bad.add("unreadable", f.path, line, detail);
            },
          },
          this.maxDocBytes,
        );
      } else {
        lines = new LineSplitter({ line: onText, tooLong }, this.maxDocBytes);
      }
    };

    const raw = createReadStream(f.path, { highWaterMark: this.chunkBytes });
    const stream = f.gzip ? raw.pipe(createGunzip({ chunkSize: 256 << 10 })) : raw;
    if (f.gzip) raw.on("error", (e) => stream.destroy(e));
    let lastRead = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (!lines && !elements) makeSplitter(chunk);
        if (lines) lines.push(chunk);
        else elements?.push(chunk);
        this.bytesRead += raw.bytesRead - lastRead;
        lastRead = raw.bytesRead;
        if (out.length > 0) {
          this.docsRead += out.length;
          yield out;
          out = [];
        }
        if (broken) break;
      }
      if (!broken) {
        lines?.end();
        elements?.end();
      }
    } catch (err) {
      const u = asUserError(err, f.path);
      if (u) throw u;
      const where = lines ? lines.linesDone + 1 : 0;
      bad.add("unreadable", f.path, where, (err as Error).message);
    } finally {
      stream.destroy();
      raw.destroy();
    }
    this.bytesRead += raw.bytesRead - lastRead;
    if (out.length > 0) {
      this.docsRead += out.length;
      yield out;
    }
  }

  /** A JSON record (a .jsonl line or a .json array element) → its text field, or a counted bad input. */
  private record(json: string, file: string, line: number, out: CorpusDoc[], isLine: boolean): void {
    if (isLine && isBlank(json)) {
      this.bad.add("empty", file, line, "empty line");
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      this.bad.add("invalid_json", file, line, (err as Error).message);
      return;
    }
    let text: unknown;
    if (typeof value === "string" && !isLine) text = value;
    else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      text = this.getField(value as Record<string, unknown>);
      if (text === undefined) {
        const keys = Object.keys(value as object).slice(0, 6);
        this.bad.add(
          "missing_field",
          file,
          line,
          `no field "${this.field}" (fields: ${keys.join(", ") || "none"}; see --field)`,
        );
        return;
      }
    } else {
      this.bad.add("not_a_string", file, line, `record is ${describe(value)}, expected an object`);
      return;
    }
    if (typeof text !== "string") {
      this.bad.add("not_a_string", file, line, `field "${this.field}" is ${describe(text)}`);
      return;
    }
    if (isBlank(text)) {
      this.bad.add("empty", file, line, `field "${this.field}" is empty`);
      return;
    }
    out.push(new Doc(file, line, text));
  }

  private getField(obj: Record<string, unknown>): unknown {
    if (this.field in obj) return obj[this.field];
    if (this.fieldPath.length === 1) return undefined;
    let v: unknown = obj;
    for (const k of this.fieldPath) {
      if (v === null || typeof v !== "object") return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  }

  private async *readParquet(f: CorpusFile): AsyncGenerator<CorpusDoc[]> {
    let path = f.path;
    let tmp: string | undefined;
    if (f.gzip) {
      // Parquet needs random access: inflate to a temporary file (disk, not memory).
      tmp = mkdtempSync(join(tmpdir(), "plateau-parquet-"));
      path = join(tmp, "data.parquet");
      try {
        await pipeline(createReadStream(f.path), createGunzip(), createWriteStream(path));
      } catch (err) {
        rmSync(tmp, { recursive: true, force: true });
        const u = asUserError(err, f.path);
        if (u) throw u;
        this.bad.add("unreadable", f.path, 0, `gzip: ${(err as Error).message}`);
        this.bytesRead += f.size;
        return;
      }
    }
    let rowsDone = 0;
    let bytesDone = 0;
    try {
      for await (const part of readParquetColumn(path, this.fieldPath[0])) {
        if ("missing" in part) {
          const detail = `no column "${this.fieldPath[0]}" (columns: ${part.missing.slice(0, 6).join(", ")}; see --field)`;
          for (let r = 1; r <= part.rows; r++) this.bad.add("missing_field", f.path, r, detail);
          break;
        }
        const out: CorpusDoc[] = [];
        for (let i = 0; i < part.values.length; i++) {
          const line = part.rowStart + i + 1;
          let v = part.values[i];
          if (this.fieldPath.length > 1) v = pluck(v, this.fieldPath.slice(1));
          if (v instanceof Uint8Array) {
            if (v.length > this.maxDocBytes) {
              this.bad.add("too_long", f.path, line, `${v.length} bytes (limit ${this.maxDocBytes})`);
              continue;
            }
            if (!isUtf8(v)) {
              this.bad.add("invalid_utf8", f.path, line, "invalid UTF-8 in the value");
              continue;
            }
            v = Buffer.from(v.buffer, v.byteOffset, v.length).toString("utf8");
          }
          if (typeof v !== "string") {
            if (v === null || v === undefined) this.bad.add("missing_field", f.path, line, "null value");
            else this.bad.add("not_a_string", f.path, line, `column "${this.field}" holds ${describe(v)}`);
            continue;
          }
          if (isBlank(v)) {
            this.bad.add("empty", f.path, line, "empty value");
            continue;
          }
          out.push(new Doc(f.path, line, v));
        }
        rowsDone += part.values.length;
        const upTo = part.totalRows > 0 ? Math.round((f.size * rowsDone) / part.totalRows) : f.size;
        this.bytesRead += upTo - bytesDone;
        bytesDone = upTo;
        if (out.length) {
          this.docsRead += out.length;
          yield out;
        }
      }
    } catch (err) {
      const u = asUserError(err, f.path);
      if (u) throw u;
      this.bad.add("unreadable", f.path, rowsDone + 1, `parquet: ${(err as Error).message}`);
    } finally {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
    this.bytesRead += f.size - bytesDone;
  }
}

/** Open a corpus (files and folders, recursively) for streaming. See Corpus. */
export function openCorpus(paths: string[], opts: ReadOptions = {}): Corpus {
  return new Corpus(paths, opts);
}

/**
 * The documents of a corpus in order, as an async iterator of {file, line, text, id}; bad input is skipped
 * and counted in the returned object's `bad` log (or thrown with `strict`). Same object as openCorpus().
 */
export function readCorpus(paths: string | string[], opts: ReadOptions = {}): Corpus {
  return new Corpus(Array.isArray(paths) ? paths : [paths], opts);
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x3000 || c === 0xfeff)) return false;
  }
  return true;
}

function firstNonSpace(b: Buffer): number {
  let i = 0;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  for (; i < b.length; i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
  }
  return -1;
}

/** Offset (1-based) of the first byte where the UTF-8 sequence breaks, for the error message. */
function firstBadByte(buf: Buffer, start: number, end: number): number {
  let lo = start;
  let hi = end;
  // Binary search on prefix validity; a prefix may end mid-character, so allow up to 3 trailing bytes.
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (validPrefix(buf, start, mid)) lo = mid;
    else hi = mid;
  }
  return lo - start + 1;
}

function validPrefix(buf: Buffer, start: number, end: number): boolean {
  for (let cut = 0; cut <= 3 && end - cut >= start; cut++)
    if (isUtf8(buf.subarray(start, end - cut))) return true;
  return false;
}

function pluck(v: unknown, path: string[]): unknown {
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Uint8Array) return "binary";
  return `a ${typeof v}`;
}
