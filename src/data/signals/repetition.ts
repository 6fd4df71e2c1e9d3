import { fmix32, hashString2 } from "../text/hash.js";
import { ScratchTable } from "../text/scratch-table.js";
import { type DocSignals, powTables, TOK_CJK } from "./doc.js";

/**
 * Gopher's repetition measurements (Rae et al. 2021, Table A1) exactly as datatrove's GopherRepetitionFilter
 * computes them (`gopher_repetition_filter.py`): every fraction's denominator is len(text) in characters.
 *   paragraphs = re.split(r"\n{2,}", text.strip()); lines = re.split(r"\n+", text)
 *   dup_*_frac = duplicate elements / elements; dup_*_char_frac = characters in duplicates / len(text)
 *   top_n_gram (n = 2..4): len(" ".join(most common n-gram)) × its count / len(text)
 *   duplicated_n_grams (n = 5..10): find_all_duplicate — a greedy left-to-right scan over n-grams of words
 *     joined with "", skipping n words after each repeat; repeated characters / len(text)
 * Words are DocSignals' tokens (CJK characters are words). Line and paragraph figures are computed at once;
 * each n-gram figure on first request (rules stop at a family's first hit, as datatrove does).
 * N-grams are compared by 64-bit polynomial hashes over prefix sums, O(1) per n-gram.
 */
export class RepetitionStats {
  dupParaFrac = 0;
  dupParaCharFrac = 0;
  dupLineFrac = 0;
  dupLineCharFrac = 0;
  /** Per n: [chars fraction, span fraction, count]. */
  private readonly top = new Map<number, [number, number, number]>();
  private readonly dup = new Map<number, number>();
  /**
   * Smallest n known to have no repeated n-gram (a top-n-gram count of 1, or a duplicated-n-gram scan with no
   * hit, which then visited every position): no longer n-gram can repeat either.
   */
  private distinctFrom = Number.POSITIVE_INFINITY;

  constructor(private readonly s: DocSignals) {
    if (s.nChars === 0) return;
    paragraphs(s, this);
    lines(s, this);
  }

  /** top_n_gram character fraction (Gopher uses n = 2..4); NaN when the document has fewer than n words. */
  topNgram(n: number): number {
    return this.ensureTop(n)[0];
  }

  /**
   * The same n-gram measured by the span it covers in the text: like " ".join for words, but with no space
   * next to a CJK character (Chinese has none, so " ".join would double a character n-gram's length).
   * Identical to topNgram for text without CJK characters.
   */
  topNgramSpan(n: number): number {
    return this.ensureTop(n)[1];
  }

  /** How often the most common n-gram occurs (0 when there is none). */
  topNgramCount(n: number): number {
    return this.ensureTop(n)[2];
  }

  /** duplicated n-gram character fraction (Gopher uses n = 5..10); NaN when the document has fewer than n words. */
  dupNgram(n: number): number {
    let v = this.dup.get(n);
    if (v === undefined) {
      const s = this.s;
      if (s.nTok < n || s.nChars === 0) v = Number.NaN;
      else if (n >= this.distinctFrom) v = 0;
      else {
        v = duplicatedNgramChars(s, n) / s.nChars;
        if (v === 0 && n < this.distinctFrom) this.distinctFrom = n;
      }
      this.dup.set(n, v);
    }
    return v;
  }

  private ensureTop(n: number): [number, number, number] {
    let r = this.top.get(n);
    if (r) return r;
    const s = this.s;
    // No repeated m-gram (m ≤ n) ⇒ all n-grams distinct: the top one is the first, counted once (Counter ties).
    const t = s.nTok >= n && n >= this.distinctFrom ? { first: 0, count: 1 } : topNgram(s, n);
    if (t.count === 1 && n < this.distinctFrom) this.distinctFrom = n;
    if (t.count === 0 || s.nChars === 0) r = [Number.NaN, Number.NaN, t.count];
    else {
      let chars = 0;
      let gaps = 0;
      for (let j = t.first; j < t.first + n; j++) {
        chars += s.tokLen[j];
        if (j > t.first && s.tokKind[j] !== TOK_CJK && s.tokKind[j - 1] !== TOK_CJK) gaps++;
      }
      r = [((chars + n - 1) * t.count) / s.nChars, ((chars + gaps) * t.count) / s.nChars, t.count];
    }
    this.top.set(n, r);
    return r;
  }
}

const table = new ScratchTable(4096);

function paragraphs(s: DocSignals, out: RepetitionStats): void {
  const text = s.text;
  if (text.indexOf("\n\n") < 0) return; // a single paragraph cannot repeat
  let a = 0;
  let b = text.length;
  while (a < b && /\s/.test(text[a])) a++;
  while (b > a && /\s/.test(text[b - 1])) b--;
  table.clear(s.newlines + 1);
  let count = 0;
  let dups = 0;
  let dupChars = 0;
  let start = a;
  for (let i = a; i <= b; ) {
    if (i === b || (text.charCodeAt(i) === 10 && text.charCodeAt(i + 1) === 10 && i + 1 < b)) {
      const [h1, h2] = hashString2(text, start, i);
      count++;
      if (table.addIfAbsent(h1, h2, 0) >= 0) {
        dups++;
        dupChars += cpLength(text, start, i);
      }
      if (i === b) break;
      while (i < b && text.charCodeAt(i) === 10) i++;
      start = i;
      continue;
    }
    i++;
  }
  out.dupParaFrac = dups / count;
  out.dupParaCharFrac = dupChars / s.nChars;
}

/** re.split("\n+", text): the non-empty "\n"-separated segments, plus "" at either end if text starts/ends with "\n". */
function lines(s: DocSignals, out: RepetitionStats): void {
  if (s.nLines <= 1) return;
  table.clear(s.nLines);
  let count = 0;
  let dups = 0;
  let dupChars = 0;
  const last = s.nLines - 1;
  for (let i = 0; i <= last; i++) {
    const empty = s.lineEnd[i] === s.lineStart[i];
    if (empty && i !== 0 && i !== last) continue;
    count++;
    const h1 = fmix32(s.lineP1[i] ^ s.lineLen[i]);
    const h2 = fmix32(s.lineP2[i] + s.lineLen[i]);
    if (table.addIfAbsent(h1, h2, 0) >= 0) {
      dups++;
      dupChars += s.lineLen[i];
    }
  }
  out.dupLineFrac = dups / count;
  out.dupLineCharFrac = dupChars / s.nChars;
}

/** Where the most common n-gram first occurs and its count; Counter.most_common ties → first seen. */
function topNgram(s: DocSignals, n: number): { first: number; count: number } {
  const m = s.nTok - n + 1;
  if (m <= 0) return { first: 0, count: 0 };
  const pre = prefix(s);
  const [pw1, pw2] = powTables(n);
  const q1 = pw1[n];
  const q2 = pw2[n];
  table.clear(m);
  let bestCount = 0;
  let bestFirst = 0;
  for (let i = 0; i < m; i++) {
    const h1 = fmix32((pre.w1[i + n] - Math.imul(pre.w1[i], q1)) | 0);
    const h2 = fmix32((pre.w2[i + n] - Math.imul(pre.w2[i], q2)) ^ n);
    const c = table.increment(h1, h2);
    if (c === 1) table.setAux(i);
    if (c > bestCount) {
      bestCount = c;
      bestFirst = table.getAux();
    } else if (c === bestCount) {
      const first = table.getAux();
      if (first < bestFirst) bestFirst = first;
    }
  }
  return { first: bestFirst, count: bestCount };
}

/** datatrove find_all_duplicate(words, n) with n-grams compared as "".join(words[i:i+n]). */
function duplicatedNgramChars(s: DocSignals, n: number): number {
  const nTok = s.nTok;
  const pre = prefix(s);
  const [pw1, pw2] = powTables(pre.u[nTok]);
  table.clear(nTok);
  let repeated = 0;
  let idx = 0;
  while (idx < nTok - n + 1) {
    const j = idx + n;
    const u = pre.u[j] - pre.u[idx];
    const h1 = (pre.p1[j] - Math.imul(pre.p1[idx], pw1[u])) | 0;
    const h2 = (pre.p2[j] - Math.imul(pre.p2[idx], pw2[u])) | 0;
    if (table.addIfAbsent(fmix32(h1 ^ u), fmix32(h2 + u), 0) >= 0) {
      repeated += pre.c[j] - pre.c[idx];
      idx += n;
    } else {
      idx += 1;
    }
  }
  return repeated;
}

/**
 * Prefix sums over the tokens: p1/p2 = polynomial hash of the concatenated token characters (for "".join
 * n-grams), w1/w2 = polynomial hash of the sequence of token identities (for " ".join n-grams), u = code
 * units, c = code points.
 */
interface Prefix {
  p1: Int32Array;
  p2: Int32Array;
  w1: Int32Array;
  w2: Int32Array;
  u: Int32Array;
  c: Int32Array;
}

let cacheDoc: DocSignals | null = null;
let cacheText = "";
let pre: Prefix = alloc(64);

function alloc(n: number): Prefix {
  return {
    p1: new Int32Array(n),
    p2: new Int32Array(n),
    w1: new Int32Array(n),
    w2: new Int32Array(n),
    u: new Int32Array(n),
    c: new Int32Array(n),
  };
}

function prefix(s: DocSignals): Prefix {
  if (cacheDoc === s && cacheText === s.text) return pre;
  const nTok = s.nTok;
  if (pre.p1.length < nTok + 1) pre = alloc(Math.max(nTok + 1, pre.p1.length * 2));
  const [pw1, pw2] = powTables(s.text.length + 1);
  const B1 = pw1[1];
  const B2 = pw2[1];
  const { p1, p2, w1, w2, u, c } = pre;
  for (let k = 0; k < nTok; k++) {
    const w = s.tokEnd[k] - s.tokStart[k];
    p1[k + 1] = (Math.imul(p1[k], pw1[w]) + s.tokP1[k]) | 0;
    p2[k + 1] = (Math.imul(p2[k], pw2[w]) + s.tokP2[k]) | 0;
    // A token's identity: its characters' hash mixed with its length (so "ab"+"c" ≠ "a"+"bc").
    w1[k + 1] = (Math.imul(w1[k], B1) + fmix32(s.tokP1[k] ^ w)) | 0;
    w2[k + 1] = (Math.imul(w2[k], B2) + fmix32(s.tokP2[k] + (w << 8))) | 0;
    u[k + 1] = u[k] + w;
    c[k + 1] = c[k] + s.tokLen[k];
  }
  cacheDoc = s;
  cacheText = s.text;
  return pre;
}

/** Code points in text[start, end). */
export function cpLength(text: string, start: number, end: number): number {
  let n = end - start;
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) {
      const p = text.charCodeAt(i - 1);
      if (p >= 0xd800 && p < 0xdc00) n--;
    }
  }
  return n;
}
