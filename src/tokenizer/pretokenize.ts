/**
 * The Qwen2 pre-tokenizer (also Llama 3's, which differs only in taking up to three digits at a time), written
 * as a hand-rolled scanner that reproduces the regex exactly as Hugging Face tokenizers runs it (Oniguruma):
 *
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *
 * Why not a JS RegExp: JS's \s is not Oniguruma's (JS counts U+FEFF and not U+0085, Oniguruma the reverse), JS
 * has no (?i:…) groups before Node 23, and a scanner over a class table is several times faster. The scanner
 * takes the alternatives in order, with the backtracking each one implies spelled out (see pretokenEnd).
 */

const L = 1; // \p{L}
const N = 2; // \p{N}
const S = 4; // \s as Oniguruma defines it for Unicode: U+0009–U+000D, U+0085, Zs, Zl, Zp
const NL = 8; // \r or \n

let bmp: Uint8Array | undefined;
const astral = new Map<number, number>();
const reL = /^\p{L}$/u;
const reN = /^\p{N}$/u;
const reSpace = /^[\t\n\v\f\r\u0085\p{Zs}\p{Zl}\p{Zp}]$/u;

function classify(cp: number): number {
  const ch = String.fromCodePoint(cp);
  let k = 0;
  if (reL.test(ch)) k |= L;
  if (reN.test(ch)) k |= N;
  if (reSpace.test(ch)) k |= S;
  if (cp === 10 || cp === 13) k |= NL;
  return k;
}

/** Class bits for every BMP code point, built once (about 30 ms). Lone surrogates get 0, like U+FFFD. */
export function classTable(): Uint8Array {
  if (bmp) return bmp;
  const t = new Uint8Array(0x10000);
  for (let cp = 0; cp < 0x10000; cp++) if (cp < 0xd800 || cp > 0xdfff) t[cp] = classify(cp);
  bmp = t;
  return t;
}

function astralClass(cp: number): number {
  let k = astral.get(cp);
  if (k === undefined) {
    k = classify(cp);
    astral.set(cp, k);
  }
  return k;
}

export interface PretokenizerOptions {
  /** Longest run of digits in one pre-token: 1 for Qwen2 (\p{N}), 3 for Llama 3 (\p{N}{1,3}). */
  maxDigits: number;
}

/** The exact pattern strings this scanner implements, as they appear in tokenizer.json files. */
export const QWEN2_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
export const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * Calls `emit(start, end)` for each pre-token of s[from, to) (UTF-16 offsets), in order; the pieces tile the
 * range exactly.
 */
export function pretokenize(
  s: string,
  from: number,
  to: number,
  opts: PretokenizerOptions,
  emit: (start: number, end: number) => void,
): void {
  const t = classTable();
  let i = from;
  while (i < to) {
    const j = pretokenEnd(s, i, to, t, opts.maxDigits);
    emit(i, j);
    i = j;
  }
}

/** Splits into an array of strings (for tests and tools; the encoder uses pretokenize directly). */
export function pretokenizeToStrings(s: string, opts: PretokenizerOptions = { maxDigits: 1 }): string[] {
  const out: string[] = [];
  pretokenize(s, 0, s.length, opts, (a, b) => out.push(s.slice(a, b)));
  return out;
}

/** Class bits of the code point starting at i (a lone surrogate is neither letter, digit nor space). */
function classAt(s: string, i: number, t: Uint8Array): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return t[c];
  const d = s.charCodeAt(i + 1);
  if (d >= 0xdc00 && d <= 0xdfff) return astralClass(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
  return 0;
}

/** UTF-16 width of the code point starting at i. */
function widthAt(s: string, i: number, to: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

function runOf(s: string, i: number, to: number, t: Uint8Array, bit: number): number {
  while (i < to) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) {
      if ((t[c] & bit) === 0) return i;
      i++;
    } else {
      if ((classAt(s, i, t) & bit) === 0) return i;
      i += widthAt(s, i, to);
    }
  }
  return i;
}

/** Case-insensitive ASCII letter test (Oniguruma's (?i) also folds U+017F LONG S to s). */
function isLetter(c: number, lower: number): boolean {
  return c === lower || c === lower - 32 || (lower === 0x73 && c === 0x17f);
}

/**
 * End of the pre-token that starts at i: the first alternative of the pattern that matches, as the regex would.
 * `t` is classTable(); the encoder calls this in its own loop to avoid a callback per pre-token.
 */
export function pretokenEnd(s: string, i: number, to: number, t: Uint8Array, maxDigits: number): number {
  const c0 = s.charCodeAt(i);
  const k0 = classAt(s, i, t);
  const w0 = widthAt(s, i, to);

  // (?i:'s|'t|'re|'ve|'m|'ll|'d)
  if (c0 === 0x27 && i + 1 < to) {
    const c1 = s.charCodeAt(i + 1);
    if (isLetter(c1, 0x73) || isLetter(c1, 0x74) || isLetter(c1, 0x6d) || isLetter(c1, 0x64)) return i + 2;
    if (i + 2 < to) {
      const c2 = s.charCodeAt(i + 2);
      if (
        (isLetter(c1, 0x72) && isLetter(c2, 0x65)) ||
        (isLetter(c1, 0x76) && isLetter(c2, 0x65)) ||
        (isLetter(c1, 0x6c) && isLetter(c2, 0x6c))
      )
        return i + 3;
    }
  }

  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (k0 & L) return runOf(s, i + w0, to, t, L);
  if ((k0 & (N | NL)) === 0 && i + w0 < to && classAt(s, i + w0, t) & L) return runOf(s, i + w0, to, t, L);

  // \p{N}  (Llama 3: \p{N}{1,3})
  if (k0 & N) {
    let j = i + w0;
    for (let d = 1; d < maxDigits && j < to && classAt(s, j, t) & N; d++) j += widthAt(s, j, to);
    return j;
  }

  // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
  const other = L | N | S;
  let p = -1;
  if (c0 === 0x20) {
    if (i + 1 < to && (classAt(s, i + 1, t) & other) === 0) p = i + 1;
  } else if ((k0 & other) === 0) {
    p = i;
  }
  if (p >= 0) {
    let j = p;
    while (j < to && (classAt(s, j, t) & other) === 0) j += widthAt(s, j, to);
    while (j < to && (s.charCodeAt(j) === 10 || s.charCodeAt(j) === 13)) j++;
    return j;
  }

  // Everything left starts with whitespace (every space character is in the BMP, so one unit wide).
  let j = i;
  let lastNl = -1;
  while (j < to && t[s.charCodeAt(j)] & S) {
    if (t[s.charCodeAt(j)] & NL) lastNl = j;
    j++;
  }
  // \s*[\r\n]+ : greedy \s* backs off to the last CR/LF of the run, and [\r\n]+ takes just that one.
  if (lastNl >= 0) return lastNl + 1;
  // \s+(?!\S) : the whole run at the end of input, else the run minus its last character (if that leaves one).
  if (j === to) return j;
  if (j - 1 > i) return j - 1;
  // \s+
  return j;
}
