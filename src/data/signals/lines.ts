import type { DocSignals } from "./doc.js";

/** Line views of a document in the three ways the published filters split text into lines. */
export interface LineRange {
  start: number;
  end: number;
}

// Python str.splitlines() boundaries: \n \r \r\n \v \f \x1c \x1d \x1e \x85 \u2028 \u2029.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are line breaks in Python
const SPLITLINES = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/g;

/** Python's text.splitlines(): no trailing empty line, [] for "". */
export function splitlines(s: DocSignals): LineRange[] {
  const out: LineRange[] = [];
  if (!s.otherBreaks) {
    for (let i = 0; i < s.nLines; i++) out.push({ start: s.lineStart[i], end: s.lineEnd[i] });
    const last = out[out.length - 1];
    if (last && last.start === last.end) out.pop(); // "a\n" → ["a"]; "" → []
    return out;
  }
  const text = s.text;
  let start = 0;
  SPLITLINES.lastIndex = 0;
  for (let m = SPLITLINES.exec(text); m; m = SPLITLINES.exec(text)) {
    out.push({ start, end: m.index });
    start = m.index + m[0].length;
  }
  if (start < text.length) out.push({ start, end: text.length });
  return out;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: Python's str.strip() removes \x1c–\x1f
const PY_SPACE = /[\s\x1c-\x1f\x85]/;

/** Python str.strip() bounds of text[start, end). */
export function stripRange(text: string, start: number, end: number): LineRange {
  while (start < end && PY_SPACE.test(text[start])) start++;
  while (end > start && PY_SPACE.test(text[end - 1])) end--;
  return { start, end };
}
