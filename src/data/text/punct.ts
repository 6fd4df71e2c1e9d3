/**
 * Character sets the published filters define, kept verbatim so each rule matches its source.
 */

/**
 * datatrove `utils/text.py` PUNCTUATION (huggingface/datatrove): a word made only of these characters is a
 * "symbol word" for GopherQualityFilter. Includes CJK punctuation, the full-width digit one (sic) and the C0/C1
 * control characters except \t \n and \r... (ranges 0–8, 11–12, 13–31, 127–159, as in the source).
 */
export const DATATROVE_PUNCTUATION =
  "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»" +
  String.fromCharCode(
    ...[
      [0, 9],
      [11, 13],
      [13, 32],
      [127, 160],
    ].flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i)),
  );

let punctTable: Uint8Array | undefined;

/** 1 for code units in DATATROVE_PUNCTUATION (all of its characters are in the BMP). */
export function datatrovePunctTable(): Uint8Array {
  if (punctTable) return punctTable;
  const t = new Uint8Array(65536);
  for (const ch of DATATROVE_PUNCTUATION) t[ch.charCodeAt(0)] = 1;
  punctTable = t;
  return t;
}

/** FineWebQualityFilter's stop_chars as used for FineWeb (datatrove `fineweb_quality_filter.py`). */
export const FINEWEB_STOP_CHARS = [".", "'", '"', "!", "?"];

/**
 * Line-final punctuation for Chinese and mixed text: FineWeb's stop chars plus the CJK sentence terminators
 * that datatrove's later TERMINAL_PUNCTUATION set includes (。！？．｡) and the ellipsis. Closing quotes and
 * brackets after a terminator (“……。” 」) are looked through by lineEndsTerminal().
 */
export const CJK_TERMINAL = [".", "'", '"', "!", "?", "。", "！", "？", "．", "｡", "…"];

/** C4's END_PUNCTUATION (datatrove `c4_filters.py`, after tensorflow_datasets c4_utils). */
export const C4_END_PUNCTUATION = [".", "?", "!", '"', "'"];

/** Closers that may follow a sentence terminator. */
const CLOSERS = new Set([..."”’」』）)]】》〉\"'"]);
const TERMINAL_CHARS = new Set(CJK_TERMINAL);

/** Whether a line ends a sentence: a terminator, possibly followed by closing quotes/brackets and spaces. */
export function endsTerminal(s: string, start = 0, end = s.length): boolean {
  let i = end - 1;
  while (i >= start && isSpaceCode(s.charCodeAt(i))) i--;
  let closers = 0;
  while (i >= start && CLOSERS.has(s[i]) && closers < 3) {
    // A quote can itself be the terminator (FineWeb counts ' and " as stop chars).
    if (TERMINAL_CHARS.has(s[i]) && (i === start || !TERMINAL_CHARS.has(s[i - 1]))) return true;
    i--;
    closers++;
  }
  return i >= start && TERMINAL_CHARS.has(s[i]);
}

export function isSpaceCode(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x3000 || c === 0x2028 || c === 0x2029;
}

/** Python's str.endswith(tuple) on s[start:end]. */
export function endsWithAny(s: string, suffixes: readonly string[], start = 0, end = s.length): boolean {
  for (const suf of suffixes) {
    if (end - start >= suf.length && s.startsWith(suf, end - suf.length)) return true;
  }
  return false;
}
