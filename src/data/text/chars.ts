/**
 * Character classes for quality signals, looked up in a 64 KiB table for the Basic Multilingual Plane (built
 * once per thread from Unicode property escapes, ~100 ms) and computed on demand for astral code points.
 * CJK ideographs and kana are their own classes because Chinese and Japanese have no spaces: the tokenizer
 * makes each of them a one-character word.
 */
export const C = {
  other: 0,
  han: 1,
  kana: 2,
  hangul: 3,
  latin: 4,
  otherLetter: 5,
  digit: 6,
  punct: 7,
  symbol: 8,
  space: 9,
  control: 10,
  replacement: 11,
  mark: 12,
  /** A UTF-16 surrogate: the caller decodes the pair and asks classifyCodePoint. */
  surrogate: 13,
} as const;
export const N_CLASSES = 14;

export const CLASS_NAMES = [
  "other",
  "han",
  "kana",
  "hangul",
  "latin",
  "other_letter",
  "digit",
  "punct",
  "symbol",
  "space",
  "control",
  "replacement",
  "mark",
  "surrogate",
] as const;

const RE = {
  han: /^\p{Script=Han}$/u,
  kana: /^[\p{Script=Hiragana}\p{Script=Katakana}]$/u,
  hangul: /^\p{Script=Hangul}$/u,
  latin: /^\p{Script=Latin}$/u,
  letter: /^\p{L}$/u,
  number: /^\p{N}$/u,
  numberLetter: /^\p{Nl}$/u,
  punct: /^\p{P}$/u,
  symbol: /^\p{S}$/u,
  space: /^\p{White_Space}$/u,
  mark: /^\p{M}$/u,
  invisible: /^[\p{Cc}\p{Cf}\p{Co}\p{Cn}]$/u,
};

export function classifyCodePoint(cp: number): number {
  if (cp === 0xfffd) return C.replacement;
  const s = String.fromCodePoint(cp);
  if (RE.space.test(s)) return C.space;
  if (RE.letter.test(s) || RE.numberLetter.test(s)) {
    if (RE.han.test(s)) return C.han;
    if (RE.letter.test(s)) {
      if (RE.kana.test(s)) return C.kana;
      if (RE.hangul.test(s)) return C.hangul;
      if (RE.latin.test(s)) return C.latin;
      return C.otherLetter;
    }
  }
  if (RE.number.test(s)) return C.digit;
  if (RE.punct.test(s)) return C.punct;
  if (RE.symbol.test(s)) return C.symbol;
  if (RE.mark.test(s)) return C.mark;
  if (RE.invisible.test(s)) return C.control;
  return C.other;
}

let bmp: Uint8Array | undefined;

/** The class of every BMP code unit (surrogates get C.surrogate). */
export function bmpClasses(): Uint8Array {
  if (bmp) return bmp;
  const t = new Uint8Array(65536);
  for (let cp = 0; cp < 65536; cp++) {
    t[cp] = cp >= 0xd800 && cp <= 0xdfff ? C.surrogate : classifyCodePoint(cp);
  }
  bmp = t;
  return t;
}

const astral = new Map<number, number>();

export function astralClass(cp: number): number {
  // CJK Unified Ideographs Extensions B–H and the compatibility supplement: the bulk of astral text here.
  if (cp >= 0x20000 && cp <= 0x323af) return C.han;
  let c = astral.get(cp);
  if (c === undefined) {
    c = classifyCodePoint(cp);
    if (astral.size < 1 << 16) astral.set(cp, c);
  }
  return c;
}

/** Letters in the sense of Python's str.isalpha (Unicode L*), which Gopher's "alphabetic word" rule uses. */
export function isLetterClass(c: number): boolean {
  return c >= C.han && c <= C.otherLetter;
}

/** CJK characters that form one-character words (no spaces between words in these scripts). */
export function isCjkWordClass(c: number): boolean {
  return c === C.han || c === C.kana;
}
