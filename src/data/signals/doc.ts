import { astralClass, bmpClasses, C, N_CLASSES } from "../text/chars.js";
import { combine, fmix32, H1_INIT, H2_INIT, lowerTable, step1, step2 } from "../text/hash.js";
import { datatrovePunctTable } from "../text/punct.js";

/**
 * One pass over a document's UTF-16 code units that everything else builds on: character-class counts (in
 * code points, as Python's len() counts), the lines (split on "\n"), and the words.
 *
 * Words follow the published filters' tokenisers as closely as a fast scanner can: a run of letters, digits
 * and marks is one word; each CJK ideograph or kana is one word (Chinese has no spaces, and FineWeb-2's
 * Chinese thresholds apply to short jieba words, so characters are the honest unit); a run of one repeated
 * punctuation or symbol character ("...", "——") is one word; whitespace separates. Known differences from
 * nltk/spaCy: no contraction splitting ("don't" → don ' t) and no number joining ("3.5" → 3 . 5).
 *
 * Hashes: each token and each line gets two polynomial lanes (mod 2^32, bases B1/B2), which compose under
 * concatenation (poly(a+b) = poly(a)·B^|b| + poly(b)), so n-grams joined without separators can be compared
 * exactly as datatrove's find_all_duplicate does. Each word also gets a normalised hash (lower-case, digit runs
 * → "0", as datatrove's simplify_text) for MinHash shingles and exact dedup.
 *
 * The arrays are reused between documents: a DocSignals describes the last text given to reset().
 */
export const TOK_CJK = 0;
export const TOK_WORD = 1;
export const TOK_PUNCT = 2;

/** Token flags. */
export const F_ALPHA = 1; // contains a letter (Python str.isalpha on some char)
export const F_SYMBOL = 2; // every character is in datatrove's PUNCTUATION set

export const B1 = 0x01000193;
export const B2 = 0x5bd1e995;

let pow1 = new Int32Array(1);
let pow2 = new Int32Array(1);
pow1[0] = 1;
pow2[0] = 1;

/** B^k mod 2^32 for k ≤ n, grown on demand. */
export function powTables(n: number): [Int32Array, Int32Array] {
  if (pow1.length <= n) {
    let cap = pow1.length;
    while (cap <= n) cap *= 2;
    const a = new Int32Array(cap);
    const b = new Int32Array(cap);
    a[0] = 1;
    b[0] = 1;
    for (let i = 1; i < cap; i++) {
      a[i] = Math.imul(a[i - 1], B1);
      b[i] = Math.imul(b[i - 1], B2);
    }
    pow1 = a;
    pow2 = b;
  }
  return [pow1, pow2];
}

export class DocSignals {
  text = "";
  /** Length in code points (Python len). */
  nChars = 0;
  readonly classCounts = new Int32Array(N_CLASSES);
  /** Code points in U+00C0–U+00FF: a cheap trigger for the mojibake scan. */
  latin1Leads = 0;
  newlines = 0;
  hashes = 0;
  /** The text has line breaks other than "\n" that Python's splitlines() also splits on. */
  otherBreaks = false;

  nTok = 0;
  tokStart = new Int32Array(64);
  tokEnd = new Int32Array(64);
  /** Length in code points. */
  tokLen = new Int32Array(64);
  tokKind = new Uint8Array(64);
  tokFlags = new Uint8Array(64);
  tokP1 = new Int32Array(64);
  tokP2 = new Int32Array(64);
  tokN1 = new Int32Array(64);
  tokN2 = new Int32Array(64);

  nLines = 0;
  lineStart = new Int32Array(16);
  lineEnd = new Int32Array(16);
  lineLen = new Int32Array(16);
  /** Polynomial hash lanes of each line (filled only when the document has more than one line). */
  lineP1 = new Int32Array(16);
  lineP2 = new Int32Array(16);
  /** 1 when the line has a non-whitespace character. */
  lineContent = new Uint8Array(16);

  /** Normalised hash of the whole word sequence (exact dedup); words with a letter or digit only. */
  norm1 = 0;
  norm2 = 0;
  /** Number of normalised words (CJK characters and letter/digit runs). */
  nWords = 0;

  constructor(text?: string) {
    if (text !== undefined) this.reset(text);
  }

  private grow(nTok: number, nLines: number): void {
    if (this.tokStart.length < nTok) {
      const cap = Math.max(nTok, this.tokStart.length * 2);
      this.tokStart = new Int32Array(cap);
      this.tokEnd = new Int32Array(cap);
      this.tokLen = new Int32Array(cap);
      this.tokKind = new Uint8Array(cap);
      this.tokFlags = new Uint8Array(cap);
      this.tokP1 = new Int32Array(cap);
      this.tokP2 = new Int32Array(cap);
      this.tokN1 = new Int32Array(cap);
      this.tokN2 = new Int32Array(cap);
    }
    if (this.lineStart.length < nLines) {
      // Lines grow during the pass: keep what is there.
      const cap = Math.max(nLines, this.lineStart.length * 2);
      const copy = <T extends Int32Array | Uint8Array>(a: T, b: T) => {
        b.set(a);
        return b;
      };
      this.lineStart = copy(this.lineStart, new Int32Array(cap));
      this.lineEnd = copy(this.lineEnd, new Int32Array(cap));
      this.lineLen = copy(this.lineLen, new Int32Array(cap));
      this.lineP1 = copy(this.lineP1, new Int32Array(cap));
      this.lineP2 = copy(this.lineP2, new Int32Array(cap));
      this.lineContent = copy(this.lineContent, new Uint8Array(cap));
    }
  }

  private emitToken(
    i: number,
    start: number,
    end: number,
    len: number,
    kind: number,
    flags: number,
    p1: number,
    p2: number,
    n1: number,
    n2: number,
  ): void {
    this.tokStart[i] = start;
    this.tokEnd[i] = end;
    this.tokLen[i] = len;
    this.tokKind[i] = kind;
    this.tokFlags[i] = flags;
    this.tokP1[i] = p1;
    this.tokP2[i] = p2;
    this.tokN1[i] = fmix32(n1 ^ len);
    this.tokN2[i] = fmix32(n2 + len);
  }

  private emitLine(i: number, start: number, end: number, len: number, content: number): void {
    if (i >= this.lineStart.length) this.grow(0, i * 2 + 16);
    this.lineStart[i] = start;
    this.lineEnd[i] = end;
    this.lineLen[i] = len;
    this.lineContent[i] = content;
  }

  reset(text: string): this {
    this.text = text;
    const n = text.length;
    this.grow(n + 1, 16);
    const cls = bmpClasses();
    const low = lowerTable();
    const pun = datatrovePunctTable();
    const counts = this.classCounts;
    counts.fill(0);
    let cps = 0;
    let latin1Leads = 0;
    let newlines = 0;
    let hashes = 0;
    let otherBreaks = false;

    // Plain locals only in this loop (no closures over them): V8 keeps them in registers.
    let nTok = 0;
    let tKind = -1; // the open token's kind, -1 when none
    let tStart = 0;
    let tLen = 0;
    let tp1 = 0;
    let tp2 = 0;
    let tn1 = H1_INIT;
    let tn2 = H2_INIT;
    let tFlags = 0;
    let tChar = 0;
    let tPrevDigit = false;

    let nLines = 0;
    let lStart = 0;
    let lLen = 0;
    let lContent = 0;

    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      let k = cls[c];
      let width = 1;
      if (k === C.surrogate) {
        const d = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && d >= 0xdc00 && d <= 0xdfff) {
          k = astralClass(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
          width = 2;
        } else {
          k = C.control; // a lone surrogate
        }
      }
      counts[k]++;
      cps++;
      if (c === 10 || k === C.space) {
        if (tKind >= 0) {
          this.emitToken(nTok++, tStart, i, tLen, tKind, tFlags, tp1, tp2, tn1, tn2);
          tKind = -1;
        }
        if (c === 10) {
          newlines++;
          this.emitLine(nLines++, lStart, i, lLen, lContent);
          lStart = i + 1;
          lLen = 0;
          lContent = 0;
          continue;
        }
        if (c === 0x0d || c === 0x0b || c === 0x0c || c === 0x85 || c === 0x2028 || c === 0x2029)
          otherBreaks = true;
        lLen++;
        continue;
      }
      lLen++;
      lContent = 1;
      if (c >= 0xc0 && c <= 0xff) latin1Leads++;
      else if (c === 0x23) hashes++;
      else if (c >= 0x1c && c <= 0x1e) otherBreaks = true;
      const d = width === 2 ? text.charCodeAt(i + 1) : 0;

      if (k === C.han || k === C.kana) {
        if (tKind >= 0) {
          this.emitToken(nTok++, tStart, i, tLen, tKind, tFlags, tp1, tp2, tn1, tn2);
          tKind = -1;
        }
        let p1 = c;
        let p2 = c;
        let n1 = step1(H1_INIT, c);
        let n2 = step2(H2_INIT, c);
        if (width === 2) {
          p1 = Math.imul(p1, B1) + d;
          p2 = Math.imul(p2, B2) + d;
          n1 = step1(n1, d);
          n2 = step2(n2, d);
        }
        this.emitToken(nTok++, i, i + width, 1, TOK_CJK, F_ALPHA, p1, p2, n1, n2);
        i += width - 1;
        continue;
      }
      if (
        k === C.latin ||
        k === C.otherLetter ||
        k === C.hangul ||
        k === C.digit ||
        k === C.mark ||
        k === C.other
      ) {
        if (tKind !== TOK_WORD) {
          if (tKind >= 0) this.emitToken(nTok++, tStart, i, tLen, tKind, tFlags, tp1, tp2, tn1, tn2);
          tKind = TOK_WORD;
          tStart = i;
          tLen = 0;
          tp1 = 0;
          tp2 = 0;
          tn1 = H1_INIT;
          tn2 = H2_INIT;
          tFlags = F_SYMBOL;
          tPrevDigit = false;
        }
        if (k <= C.otherLetter) tFlags |= F_ALPHA; // han..otherLetter are the letter classes
        if (width === 2 || pun[c] === 0) tFlags &= ~F_SYMBOL;
        if (k === C.digit) {
          if (!tPrevDigit) {
            tn1 = step1(tn1, 0x30);
            tn2 = step2(tn2, 0x30);
          }
          tPrevDigit = true;
        } else {
          tPrevDigit = false;
          const l = low[c];
          tn1 = step1(tn1, l);
          tn2 = step2(tn2, l);
          if (width === 2) {
            tn1 = step1(tn1, d);
            tn2 = step2(tn2, d);
          }
        }
      } else {
        // Punctuation, symbols, control characters, U+FFFD: a run of one repeated character is one token.
        if (tKind !== TOK_PUNCT || tChar !== c) {
          if (tKind >= 0) this.emitToken(nTok++, tStart, i, tLen, tKind, tFlags, tp1, tp2, tn1, tn2);
          tKind = TOK_PUNCT;
          tStart = i;
          tLen = 0;
          tp1 = 0;
          tp2 = 0;
          tFlags = F_SYMBOL;
          tChar = c;
        }
        if (width === 2 || pun[c] === 0) tFlags &= ~F_SYMBOL;
      }
      tLen++;
      tp1 = Math.imul(tp1, B1) + c;
      tp2 = Math.imul(tp2, B2) + c;
      if (width === 2) {
        tp1 = Math.imul(tp1, B1) + d;
        tp2 = Math.imul(tp2, B2) + d;
        i++;
      }
    }
    if (tKind >= 0) this.emitToken(nTok++, tStart, n, tLen, tKind, tFlags, tp1, tp2, tn1, tn2);
    this.emitLine(nLines++, lStart, n, lLen, lContent);
    // Line hashes only matter when there are lines to compare (one-line documents are the common case).
    if (nLines > 1) {
      for (let l = 0; l < nLines; l++) {
        let a = 0;
        let b = 0;
        for (let i = this.lineStart[l]; i < this.lineEnd[l]; i++) {
          const c = text.charCodeAt(i);
          a = Math.imul(a, B1) + c;
          b = Math.imul(b, B2) + c;
        }
        this.lineP1[l] = a;
        this.lineP2[l] = b;
      }
    }

    // The normalised word sequence (punctuation dropped) → the exact-dedup hash.
    let d1 = H1_INIT;
    let d2 = H2_INIT;
    let nWords = 0;
    for (let t = 0; t < nTok; t++) {
      if (this.tokKind[t] === TOK_PUNCT) continue;
      d1 = combine(d1, this.tokN1[t]);
      d2 = combine(d2, this.tokN2[t]);
      nWords++;
    }
    this.nChars = cps;
    this.latin1Leads = latin1Leads;
    this.newlines = newlines;
    this.hashes = hashes;
    this.otherBreaks = otherBreaks;
    this.nTok = nTok;
    this.nLines = nLines;
    this.nWords = nWords;
    this.norm1 = fmix32(d1 ^ nWords);
    this.norm2 = fmix32(d2 + nWords);
    return this;
  }

  tokenText(i: number): string {
    return this.text.slice(this.tokStart[i], this.tokEnd[i]);
  }

  lineText(i: number): string {
    return this.text.slice(this.lineStart[i], this.lineEnd[i]);
  }

  /** Letters, digits: what a reader would call the text's content (not spaces, punctuation, symbols). */
  get letters(): number {
    const c = this.classCounts;
    return c[C.han] + c[C.kana] + c[C.hangul] + c[C.latin] + c[C.otherLetter];
  }

  get nonSpace(): number {
    return this.nChars - this.classCounts[C.space];
  }
}

/** The polynomial lanes of a token's text, as reset() computes them (for stop-word lookups). */
export function polyHash(s: string): [number, number] {
  let a = 0;
  let b = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a, B1) + c;
    b = Math.imul(b, B2) + c;
  }
  return [a | 0, b | 0];
}
