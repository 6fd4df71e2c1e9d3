import { bmpClasses, C } from "../text/chars.js";
import { lowerTable } from "../text/hash.js";
import { CountTable } from "./count-table.js";
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
  /** ctx1 as a dense array by id (its keys are (0, b) for b < vocabSize; 0 where absent, as get() gives). */
  private readonly ctx1ById: Float32Array;

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
    this.ctx1ById = new Float32Array(data.vocab.length + 2);
    const { hi, lo, vals } = data.ctx1;
    for (let i = 0; i < lo.length; i++) if (lo[i] >= 0 && hi[i] === 0) this.ctx1ById[lo[i]] = vals[i];
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
    if (l2 === ABSENT) l2 = this.ctx1ById[b] + this.data.logP1[c];
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
    // Normalise once into one stream of code points, documents separated by -1.
    const parts: Int32Array[] = [];
    let buf = new Int32Array(1 << 16);
    let len = 0;
    const push = (cp: number) => {
      if (len === buf.length) {
        parts.push(buf);
        buf = new Int32Array(buf.length);
        len = 0;
      }
      buf[len++] = cp;
    };
    for (const t of docs) {
      forEachNormalised(t, push);
      push(-1);
    }
    parts.push(buf.subarray(0, len));

    // Pass 1: character frequencies → vocabulary (characters seen at least twice, most frequent first).
    const bmpFreq = new Float64Array(65536);
    const astralFreq = new Map<number, number>();
    for (const p of parts)
      for (let i = 0; i < p.length; i++) {
        const cp = p[i];
        if (cp < 0) continue;
        if (cp < 65536) bmpFreq[cp]++;
        else astralFreq.set(cp, (astralFreq.get(cp) ?? 0) + 1);
      }
    const freq: [number, number][] = [];
    for (let cp = 0; cp < 65536; cp++) if (bmpFreq[cp] >= 2) freq.push([cp, bmpFreq[cp]]);
    for (const [cp, n] of astralFreq) if (n >= 2) freq.push([cp, n]);
    const vocabList = freq
      .sort((x, y) => y[1] - x[1] || x[0] - y[0])
      .slice(0, 65534)
      .map(([cp]) => cp);
    const bmpId = new Int32Array(65536).fill(UNK);
    const astralId = new Map<number, number>();
    for (let i = 0; i < vocabList.length; i++) {
      const cp = vocabList[i];
      if (cp < 65536) bmpId[cp] = i + 2;
      else astralId.set(cp, i + 2);
    }
    const V = vocabList.length + 2; // + BOS (never predicted, but kept for simple ids) + UNK

    // Pass 2: n-gram counts, keyed (b, c) and (a·65536 + b, c).
    const n1 = new Float64Array(V);
    const n2 = new CountTable(1 << 14);
    const n3 = new CountTable(1 << 16);
    let total = 0;
    let a = BOS;
    let b = BOS;
    for (const p of parts)
      for (let i = 0; i < p.length; i++) {
        const cp = p[i];
        if (cp < 0) {
          a = BOS;
          b = BOS;
          continue;
        }
        const c = cp < 65536 ? bmpId[cp] : (astralId.get(cp) ?? UNK);
        n1[c]++;
        n2.add(b, c);
        n3.add(a * 65536 + b, c);
        total++;
        a = b;
        b = c;
      }
    const d1 = discount(n1);
    const d2 = discount(n2.count);
    const d3 = discount(n3.count);

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

    // History totals n(h·) and distinct followers T(h·).
    const hist1N = new Float64Array(V);
    const hist1T = new Float64Array(V);
    n2.forEach((bb, _c, n) => {
      hist1N[bb] += n;
      hist1T[bb]++;
    });
    const hist2N = new CountTable(1 << 14);
    const hist2T = new CountTable(1 << 14);
    n3.forEach((ab, _c, n) => {
      hist2N.add(ab, 0, n);
      hist2T.add(ab, 0, 1);
    });

    let ctxs1 = 0;
    for (let x = 0; x < V; x++) if (hist1N[x] > 0) ctxs1++;
    const ctx1 = NumMap.build(ctxs1, (put) => {
      for (let x = 0; x < V; x++) if (hist1N[x] > 0) put(0, x, Math.log((d2 * hist1T[x]) / hist1N[x]));
    });
    const p2 = (bb: number, c: number, nbc: number) =>
      Math.max(nbc - d2, 0) / hist1N[bb] + ((d2 * hist1T[bb]) / hist1N[bb]) * p1[c];
    const t2 = NumMap.build(n2.size, (put) =>
      n2.forEach((bb, c, n) => {
        put(bb, c, Math.log(p2(bb, c, n)));
      }),
    );
    const ctx2 = NumMap.build(hist2N.size, (put) =>
      hist2N.forEach((ab, _z, n) => {
        const u = ab >>> 0;
        put(Math.floor(u / 65536), u % 65536, Math.log((d3 * hist2T.get(ab, 0)) / n));
      }),
    );
    const t3 = NumMap.build(n3.size, (put) =>
      n3.forEach((ab, c, n) => {
        const bb = (ab >>> 0) % 65536;
        const nab = hist2N.get(ab, 0);
        const tab = hist2T.get(ab, 0);
        const lower = p2(bb, c, n2.get(bb, c));
        put(ab, c, Math.log(Math.max(n - d3, 0) / nab + ((d3 * tab) / nab) * lower));
      }),
    );

    return new CharLm({
      vocab: Int32Array.from(vocabList),
      logP1,
      t3: t3.data,
      t2: t2.data,
      ctx2: ctx2.data,
      ctx1: ctx1.data,
      discounts: [d1, d2, d3],
      trainedChars: total,
    });
  }
}

/** D = n1 / (n1 + 2·n2) from the counts of n-grams seen once and twice (Ney et al. 1994). */
function discount(counts: ArrayLike<number>): number {
  let once = 0;
  let twice = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
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
