import { closeSync, openSync, readSync } from "node:fs";

/**
 * The documents of a .txt file exactly as MedicalGPT's `load_dataset("text", keep_linebreaks=True)` yields
 * them (HF datasets' text builder: `open(file, "r", encoding="utf-8")` — universal newlines, so "\r\n" and a
 * lone "\r" read as "\n" — then `batch.splitlines(keepends=True)`):
 *  - each document keeps its line terminator, so MedicalGPT tokenizes "line\n", not "line";
 *  - Python's splitlines also ends a line at \v, \f, \x1c, \x1d, \x1e, U+0085, U+2028 and U+2029;
 *  - an empty line is a document "\n"; a last line without a newline has none;
 *  - a UTF-8 BOM is kept (the "utf-8" codec does not strip it).
 * Invalid UTF-8 (which makes Python raise) is decoded to U+FFFD here. Reads in chunks: memory is one chunk.
 */
export function* medicalGptTxtDocuments(file: string, chunkBytes = 1 << 20): Generator<string> {
  const fd = openSync(file, "r");
  try {
    const dec = new TextDecoder("utf-8", { ignoreBOM: true });
    const buf = Buffer.allocUnsafe(chunkBytes);
    let carry = "";
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      let text = carry + (n > 0 ? dec.decode(buf.subarray(0, n), { stream: true }) : dec.decode());
      carry = "";
      if (n > 0 && text.endsWith("\r")) {
        // a "\r\n" may be cut by the chunk boundary: decide with the next chunk
        carry = "\r";
        text = text.slice(0, -1);
      }
      const lines = splitLinesKeepEnds(universalNewlines(text));
      if (n > 0 && lines.length > 0 && !endsWithLineBreak(lines[lines.length - 1]))
        carry = (lines.pop() as string) + carry;
      yield* lines;
      if (n === 0) {
        if (carry) yield* splitLinesKeepEnds(universalNewlines(carry));
        return;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Python's universal newlines on reading: "\r\n" and "\r" become "\n". */
export function universalNewlines(s: string): string {
  return s.indexOf("\r") < 0 ? s : s.replace(/\r\n?/g, "\n");
}

/** The characters Python's str.splitlines breaks at. */
export function isPythonLineBreak(c: number): boolean {
  return (
    (c >= 0x0a && c <= 0x0d) ||
    c === 0x1c ||
    c === 0x1d ||
    c === 0x1e ||
    c === 0x85 ||
    c === 0x2028 ||
    c === 0x2029
  );
}

function endsWithLineBreak(s: string): boolean {
  return s.length > 0 && isPythonLineBreak(s.charCodeAt(s.length - 1));
}

/** Python's str.splitlines(keepends=True): "\r\n" is one break; no empty string after a final break. */
export function splitLinesKeepEnds(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isPythonLineBreak(c)) continue;
    if (c === 0x0d && s.charCodeAt(i + 1) === 0x0a) i++;
    out.push(s.slice(start, i + 1));
    start = i + 1;
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}
