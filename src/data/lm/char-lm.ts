import { bmpClasses, C } from "../text/chars.js";
import { lowerTable } from "../text/hash.js";
import { NumMap, type NumMapData } from "./num-map.js";

/**
 * A character trigram language model with interpolated absolute discounting (Ney, Essen & Kneser 1994),
 * trained in seconds on a reference sample and small enough to copy into every worker — plateau's stand-in
 * for CCNet's KenLM perplexity (Wenzek et al. 2020), with no download.
 *
 *   p1(c)    = max(n(c) − D1, 0) / N + D1·T1 / N · 1/V
 *   p2(c|b)  = max(n(bc) − D2, 0) / n(b·) + D2·T(b·) / n(b·) · p1(c)        (p1 when b was never a context)
 *   p3(c|ab) = max(n(abc) − D3, 0) / n(ab·) + D3·T(ab·) / n(ab·) · p2(c|b)  (p2 when ab was never a context)
 *
 * n(·) are counts, T(h·) the number of distinct characters seen after history h, V the vocabulary size
 * (UNK included), D_k = n1/(n1 + 2·n2) from the count-of-counts of order k (clamped to [0.05, 0.95]).
 * Each distribution sums to one over the vocabulary (test/data/char-lm.test.ts checks it).
 *
 * Text is normalised first, as CCNet does before its LM: lower case, every digit → "0", whitespace runs → one
 * space. Characters seen fewer than twice in training map to UNK. Documents start with two BOS symbols.
 */
const BOS = 0;
const UNK = 1;
/** Lookups return this for "absent" (log-probabilities are ≤ 0). */
const ABSENT = 1;

export interface CharLmData {
  /** Code points of the vocabulary, in id order from 2. */
  vocab: Int32Array;
  logP1: Float32Array;
  t3: NumMapData;
  t2: NumMapData;
  ctx2: NumMapData;
  ctx1: NumMapData;
  discounts: [number, number, number];
  trainedChars: number;
}

export interface DocPerplexity {
  /** exp(−mean ln p3) per character. */
  ppl: number;
  /** exp(−mean ln p1): the same text under the unigram part of the model. */
  unigramPpl: number;
  chars: number;
  /** Share of characters outside the model's vocabulary. */
  oov: number;
}

export class CharLm {
  private readonly ids = new Map<number, number>();
  private readonly bmpIds: Int32Array;
  private readonly t3: NumMap;
  private readonly t2: NumMap;
  private readonly ctx2: NumMap;
  private readonly ctx1: NumMap;

  constructor(readonly data: CharLmData) {
    this.bmpIds = new Int32Array(65536).fill(UNK);
    for (let i = 0; i < data.vocab.length; i++) {
      const cp = data.vocab[i];
      if (cp < 65536) this.bmpIds[cp] = i + 2;
      else this.ids.set(cp, i + 2);
    }
    this.t3 = new NumMap(data.t3);
    this.t2 = new NumMap(data.t2);
    this.ctx2 = new NumMap(data.ctx2);
    this.ctx1 = new NumMap(data.ctx1);
  }

  get vocabSize(): number {
    return this.data.vocab.length + 2;
  }

  /** ln p3(c | a b) for ids. */
  logProb(a: number, b: number, c: number): number {
    // Keys: trigram (a·65536 + b, c), bigram (b, c), histories (a, b) and (0, b) — see key2/key3.
    const ab = a * 65536 + b;
    const l3 = this.t3.get(ab, c, ABSENT);
    if (l3 !== ABSENT) return l3;
    let l2 = this.t2.get(b, c, ABSENT);
    if (l2 === ABSENT) l2 = this.ctx1.get(0, b, 0) + this.data.logP1[c];
    return this.ctx2.get(a, b, 0) + l2;
  }

  /** Perplexity of a text (normalised as in training; the loop inlines forEachNormalised for speed). */
  score(text: string, maxChars = Number.POSITIVE_INFINITY): DocPerplexity {
    const cls = bmpClasses();
    const low = lowerTable();
    const bmpIds = this.bmpIds;
    const logP1 = this.data.logP1;
    let a = BOS;
    let b = BOS;
    let sum3 = 0;
    let sum1 = 0;
    let n = 0;
    let oov = 0;
    let prevSpace = true;
    for (let i = 0; i < text.length && n < maxChars; i++) {
      let cp = text.charCodeAt(i);
      const k = cls[cp];
      let c: number;
      if (k === C.surrogate) {
        const d = text.charCodeAt(i + 1);
        if (cp < 0xdc00 && d >= 0xdc00 && d <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          i++;
          c = this.ids.get(cp) ?? UNK;
        } else c = bmpIds[cp];
      } else if (k === C.space) {
        if (prevSpace) continue;
        prevSpace = true;
        c = bmpIds[0x20];
        sum3 += this.logProb(a, b, c);
        sum1 += logP1[c];
        n++;
        a = b;
        b = c;
        continue;
      } else c = k === C.digit ? bmpIds[0x30] : bmpIds[low[cp]];
      prevSpace = false;
      if (c === UNK) oov++;
      sum3 += this.logProb(a, b, c);
      sum1 += logP1[c];
      n++;
      a = b;
      b = c;
    }
    if (n === 0) return { ppl: Number.NaN, unigramPpl: Number.NaN, chars: 0, oov: 0 };
    return { ppl: Math.exp(-sum3 / n), unigramPpl: Math.exp(-sum1 / n), chars: n, oov: oov / n };
  }

  /** Train on documents (each starts a fresh history). */
  static train(docs: Iterable<string>): CharLm {
    // Pass 1: character frequencies → vocabulary.
    const texts = Array.isArray(docs) ? (docs as string[]) : [...docs];
    const freq = new Map<number, number>();
    for (const t of texts) forEachNormalised(t, (cp) => freq.set(cp, (freq.get(cp) ?? 0) + 1));
    const vocabList = [...freq]
      .filter(([, n]) => n >= 2)
      .sort((x, y) => y[1] - x[1] || x[0] - y[0])
      .slice(0, 65534)
      .map(([cp]) => cp);
    const id = new Map<number, number>();
    for (let i = 0; i < vocabList.length; i++) id.set(vocabList[i], i + 2);
    const V = vocabList.length + 2; // + BOS (never predicted, but kept for simple ids) + UNK

    // Pass 2: n-gram counts.
    const n1 = new Float64Array(V);
    const n2 = new Map<number, number>(); // (b, c)
    const n3 = new Map<number, number>(); // (a, b, c)
    let total = 0;
    for (const t of texts) {
      let a = BOS;
      let b = BOS;
      forEachNormalised(t, (cp) => {
        const c = id.get(cp) ?? UNK;
        n1[c]++;
        const k2 = key2(b, c);
        n2.set(k2, (n2.get(k2) ?? 0) + 1);
        const k3 = key3(a, b, c);
        n3.set(k3, (n3.get(k3) ?? 0) + 1);
        total++;
        a = b;
        b = c;
      });
    }
    const d1 = discount(n1.values());
    const d2 = discount(n2.values());
    const d3 = discount(n3.values());

    // Unigram: BOS is never predicted; the floor spreads D1·T/N over the V−1 predictable symbols.
    const logP1 = new Float32Array(V);
    let types1 = 0;
    for (let c = 1; c < V; c++) if (n1[c] > 0) types1++;
    const floor1 = total > 0 ? (d1 * types1) / total / (V - 1) : 1 / (V - 1);
    const p1 = new Float64Array(V);
    for (let c = 1; c < V; c++) {
      p1[c] = (total > 0 ? Math.max(n1[c] - d1, 0) / total : 0) + floor1;
      logP1[c] = Math.log(p1[c]);
    }
    logP1[BOS] = Math.log(floor1);

    // History totals and distinct followers.
    const hist1 = new Map<number, [number, number]>(); // b → [n(b·), T(b·)]
    for (const [k, n] of n2) {
      const b = Math.floor(k / 65536);
      const h = hist1.get(b) ?? [0, 0];
      h[0] += n;
      h[1]++;
      hist1.set(b, h);
    }
    const hist2 = new Map<number, [number, number]>(); // ab → [n(ab·), T(ab·)]
    for (const [k, n] of n3) {
      const ab = Math.floor(k / 65536);
      const h = hist2.get(ab) ?? [0, 0];
      h[0] += n;
      h[1]++;
      hist2.set(ab, h);
    }

    const ctx1 = new Map<number, number>();
    for (const [b, [n, t]] of hist1) ctx1.set(b, Math.log((d2 * t) / n));
    const p2Full = (b: number, c: number, nbc: number) => {
      const [n, t] = hist1.get(b)!;
      return Math.max(nbc - d2, 0) / n + ((d2 * t) / n) * p1[c];
    };
    const t2 = new Map<number, number>();
    for (const [k, n] of n2) {
      const b = Math.floor(k / 65536);
      const c = k % 65536;
      t2.set(k, Math.log(p2Full(b, c, n)));
    }
    const ctx2 = new Map<number, number>();
    for (const [ab, [n, t]] of hist2) ctx2.set(ab, Math.log((d3 * t) / n));
    const t3 = new Map<number, number>();
    for (const [k, n] of n3) {
      const ab = Math.floor(k / 65536);
      const c = k % 65536;
      const b = ab % 65536;
      const [nab, tab] = hist2.get(ab)!;
      const lower = Math.exp(t2.get(key2(b, c)) ?? (ctx1.get(b) ?? 0) + logP1[c]);
      t3.set(k, Math.log(Math.max(n - d3, 0) / nab + ((d3 * tab) / nab) * lower));
    }

    return new CharLm({
      vocab: Int32Array.from(vocabList),
      logP1,
      t3: NumMap.from(t3, split16).data,
      t2: NumMap.from(t2, split16).data,
      ctx2: NumMap.from(ctx2, split16).data,
      ctx1: NumMap.from(ctx1, lowOnly).data,
      discounts: [d1, d2, d3],
      trainedChars: total,
    });
  }
}

/** Training keys pack 16-bit ids: (b, c) → b·65536 + c; (a, b, c) → a·2^32 + b·65536 + c (48 bits, exact). */
function key2(b: number, c: number): number {
  return b * 65536 + c;
}

function key3(a: number, b: number, c: number): number {
  return a * 4294967296 + b * 65536 + c;
}

/** Lookup lanes: the packed key's high part and its low 16 bits. */
const split16 = (k: number): [number, number] => [Math.floor(k / 65536), k % 65536];
const lowOnly = (k: number): [number, number] => [0, k];

/** D = n1 / (n1 + 2·n2) from the counts of n-grams seen once and twice (Ney et al. 1994). */
function discount(counts: Iterable<number>): number {
  let once = 0;
  let twice = 0;
  for (const n of counts) {
    if (n === 1) once++;
    else if (n === 2) twice++;
  }
  const d = once + 2 * twice > 0 ? once / (once + 2 * twice) : 0.5;
  return Math.min(0.95, Math.max(0.05, d));
}

/** The normalised code points of a text: lower case, digits → "0", whitespace runs → one space. */
export function forEachNormalised(
  text: string,
  fn: (cp: number) => void,
  maxChars = Number.POSITIVE_INFINITY,
): void {
  const cls = bmpClasses();
  const low = lowerTable();
  let prevSpace = true; // also drops leading whitespace
  let n = 0;
  for (let i = 0; i < text.length && n < maxChars; i++) {
    let cp = text.charCodeAt(i);
    let k = cls[cp];
    if (k === C.surrogate) {
      const d = text.charCodeAt(i + 1);
      if (cp < 0xdc00 && d >= 0xdc00 && d <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        k = C.other;
        i++;
      }
    } else if (k === C.space) {
      if (prevSpace) continue;
      prevSpace = true;
      fn(0x20);
      n++;
      continue;
    } else if (k === C.digit) cp = 0x30;
    else cp = low[cp];
    prevSpace = false;
    fn(cp);
    n++;
  }
}
