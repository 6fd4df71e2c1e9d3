/**
 * Streams the elements of a top-level JSON array (`[{...}, {...}]`) out of byte chunks without parsing the
 * whole file: a small state machine tracks nesting and strings, cuts each element's bytes out, and hands them
 * over with the line the element starts on. Memory stays at one chunk plus one element; an element larger
 * than `maxElementBytes` is skipped as it streams by and reported as too long.
 */
export interface ElementSink {
  element(buf: Buffer, start: number, end: number, line: number): void;
  tooLong(line: number, bytes: number): void;
  /** The file is not a JSON array (or breaks its structure); reading stops. */
  broken(line: number, detail: string): void;
}

enum Phase {
  Start,
  BeforeElement,
  InElement,
  AfterElement,
  Done,
  Broken,
}

enum Kind {
  Container,
  String,
  Scalar,
}

export class JsonArraySplitter {
  private phase = Phase.Start;
  private line = 1;
  private elemLine = 0;
  private kind = Kind.Container;
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Bytes of the element collected from earlier chunks. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;

  constructor(
    private readonly sink: ElementSink,
    private readonly maxElementBytes: number,
  ) {}

  get failed(): boolean {
    return this.phase === Phase.Broken;
  }

  push(chunk: Buffer): void {
    let elemStart = this.phase === Phase.InElement ? 0 : -1;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i];
      if (b === 0x0a) this.line++;
      switch (this.phase) {
        case Phase.Start:
          if (isSpace(b)) continue;
          if (b !== 0x5b) {
            this.fail(`expected a JSON array ("[") but found ${show(b)}`);
            return;
          }
          this.phase = Phase.BeforeElement;
          continue;
        case Phase.BeforeElement:
        case Phase.AfterElement:
          if (isSpace(b)) continue;
          if (b === 0x5d) {
            this.phase = Phase.Done;
            continue;
          }
          if (this.phase === Phase.AfterElement) {
            if (b !== 0x2c) {
              this.fail(`expected "," or "]" after an array element, found ${show(b)}`);
              return;
            }
            this.phase = Phase.BeforeElement;
            continue;
          }
          // An element starts here.
          this.phase = Phase.InElement;
          this.elemLine = this.line;
          elemStart = i;
          this.depth = 0;
          this.escape = false;
          if (b === 0x7b || b === 0x5b) {
            this.kind = Kind.Container;
            this.depth = 1;
            this.inString = false;
          } else if (b === 0x22) {
            this.kind = Kind.String;
            this.inString = true;
          } else {
            this.kind = Kind.Scalar;
            this.inString = false;
          }
          continue;
        case Phase.InElement: {
          if (this.inString && !this.escape && b !== 0x22 && b !== 0x5c && b !== 0x0a) {
            // Inside a string most bytes are plain text: skip to the next quote, backslash or newline in a
            // tight loop rather than one trip through the state machine per byte.
            let j = i + 1;
            while (j < n) {
              const c = chunk[j];
              if (c === 0x22 || c === 0x5c || c === 0x0a) break;
              j++;
            }
            i = j - 1;
            continue;
          }
          if (this.inString) {
            if (this.escape) this.escape = false;
            else if (b === 0x5c) this.escape = true;
            else if (b === 0x22) {
              this.inString = false;
              if (this.kind === Kind.String) this.finish(chunk, elemStart, i + 1);
            }
            continue;
          }
          if (this.kind === Kind.Scalar) {
            if (b === 0x2c || b === 0x5d || isSpace(b)) {
              this.finish(chunk, elemStart, i);
              // Re-examine the delimiter in the after-element state.
              if (b === 0x0a) this.line--;
              i--;
            }
            continue;
          }
          if (b === 0x22) this.inString = true;
          else if (b === 0x7b || b === 0x5b) this.depth++;
          else if (b === 0x7d || b === 0x5d) {
            if (--this.depth === 0) this.finish(chunk, elemStart, i + 1);
          }
          continue;
        }
        case Phase.Done:
          if (!isSpace(b)) {
            this.fail(`unexpected ${show(b)} after the end of the JSON array`);
            return;
          }
          continue;
        case Phase.Broken:
          return;
      }
    }
    if (this.phase === Phase.InElement && elemStart >= 0) this.keep(chunk, elemStart, n);
  }

  end(): void {
    if (this.phase === Phase.InElement && this.kind === Kind.Scalar) {
      this.finish(Buffer.alloc(0), 0, 0);
    }
    if (this.phase === Phase.Start) this.fail("empty file, expected a JSON array");
    else if (this.phase !== Phase.Done && this.phase !== Phase.Broken)
      this.fail("the JSON array is not closed (file truncated?)");
  }

  private keep(chunk: Buffer, start: number, end: number): void {
    if (this.skipping) {
      this.pendingBytes += end - start;
      return;
    }
    this.pendingBytes += end - start;
    if (this.pendingBytes > this.maxElementBytes) {
      this.skipping = true;
      this.pending = [];
      return;
    }
    this.pending.push(Buffer.from(chunk.subarray(start, end)));
  }

  private finish(chunk: Buffer, start: number, end: number): void {
    this.phase = Phase.AfterElement;
    const total = this.pendingBytes + (end - start);
    if (this.skipping || total > this.maxElementBytes) {
      this.sink.tooLong(this.elemLine, total);
    } else if (this.pending.length === 0) {
      this.sink.element(chunk, start, end, this.elemLine);
    } else {
      const joined = Buffer.concat([...this.pending, chunk.subarray(start, end)]);
      this.sink.element(joined, 0, joined.length, this.elemLine);
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
  }

  private fail(detail: string): void {
    this.phase = Phase.Broken;
    this.sink.broken(this.line, detail);
  }
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function show(b: number): string {
  return b >= 0x20 && b < 0x7f ? `"${String.fromCharCode(b)}"` : `byte 0x${b.toString(16).padStart(2, "0")}`;
}
