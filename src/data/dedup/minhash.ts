import { Rng } from "../../util/rng.js";
import { type DocSignals, TOK_PUNCT } from "../signals/doc.js";
import { combine, fmix32 } from "../text/hash.js";

/**
 * MinHash signatures and LSH band keys (Broder 1997; Leskovec, Rajaraman & Ullman, "Mining of Massive
 * Datasets" ch. 3), configured as FineWeb's dedup (datatrove MinhashConfig: 5-grams, 14 buckets × 8 hashes,
 * 64-bit hashes). Shingles are 5-grams of normalised words, and CJK characters are words (DocSignals), so a
 * Chinese text is shingled by character 5-grams and English by word 5-grams — mixed text by both.
 *
 * Each of the 112 hash functions maps a shingle's 64-bit hash (two 32-bit lanes) to a 64-bit value: the high
 * lane is x1 ⊕ a_k times an odd m_k with an xor-shift (a bijection of 32 bits), the low lane the same on x2.
 * The low lane is computed only when the high lane ties or beats the current minimum, so the cost is close to
 * one 32-bit hash per function per shingle. Two documents fall in the same bucket of a band when all 8 of its
 * 64-bit minima agree; the band key is a 64-bit hash of them. P(candidate) = 1 − (1 − J^8)^14 for Jaccard J:
 * 0.57 at J = 0.7, 0.92 at 0.8, ≈1 at 0.9 (threshold ≈ (1/14)^(1/8) ≈ 0.72).
 */
export interface MinHashConfig {
  bands: number;
  rows: number;
  ngram: number;
  seed: number;
}

export const MINHASH_DEFAULTS: MinHashConfig = { bands: 14, rows: 8, ngram: 5, seed: 1 };

const SHINGLE_B1 = 0x01000193;
const SHINGLE_B2 = 0x5bd1e995;

function pow32(b: number, e: number): number {
  let r = 1;
  for (let i = 0; i < e; i++) r = Math.imul(r, b);
  return r;
}

export class MinHasher {
  readonly perms: number;
  private readonly a: Int32Array;
  private readonly m: Int32Array;
  private readonly c: Int32Array;
  private readonly m2: Int32Array;
  private readonly minHi: Uint32Array;
  private readonly minLo: Uint32Array;

  constructor(readonly cfg: MinHashConfig = MINHASH_DEFAULTS) {
    this.perms = cfg.bands * cfg.rows;
    const r = new Rng(`minhash:${cfg.seed}`);
    const P = this.perms;
    this.a = new Int32Array(P);
    this.m = new Int32Array(P);
    this.c = new Int32Array(P);
    this.m2 = new Int32Array(P);
    for (let k = 0; k < P; k++) {
      this.a[k] = r.nextU32() | 0;
      this.m[k] = r.nextU32() | 1 | 0;
      this.c[k] = r.nextU32() | 0;
      this.m2[k] = r.nextU32() | 1 | 0;
    }
    this.minHi = new Uint32Array(P);
    this.minLo = new Uint32Array(P);
  }

  private sx1 = new Int32Array(1024);
  private sx2 = new Int32Array(1024);

  /**
   * Signature of the shingles in sx1/sx2[0, count). Permutations in the outer loop: the inner loop keeps
   * a, m and the running minimum in registers and touches the low lane only on a tie or a new minimum.
   */
  private signScratch(count: number): void {
    const P = this.perms;
    const { a, m, c, m2, minHi, minLo, sx1, sx2 } = this;
    for (let k = 0; k < P; k++) {
      const ak = a[k];
      const mk = m[k];
      let best = 0xffffffff;
      let bestLo = 0xffffffff;
      for (let s = 0; s < count; s++) {
        let h = Math.imul(sx1[s] ^ ak, mk);
        h = (h ^ (h >>> 16)) >>> 0;
        if (h <= best) {
          let l = Math.imul(sx2[s] ^ c[k], m2[k]);
          l = (l ^ (l >>> 16)) >>> 0;
          if (h < best || l < bestLo) {
            best = h;
            bestLo = l;
          }
        }
      }
      minHi[k] = best;
      minLo[k] = bestLo;
    }
  }

  private pre1 = new Int32Array(1025);
  private pre2 = new Int32Array(1025);

  private ensure(n: number): void {
    if (this.sx1.length < n) {
      let cap = this.sx1.length;
      while (cap < n) cap *= 2;
      this.sx1 = new Int32Array(cap);
      this.sx2 = new Int32Array(cap);
      this.pre1 = new Int32Array(cap + 1);
      this.pre2 = new Int32Array(cap + 1);
    }
  }

  /** Signature of a document's word n-gram shingles; false when it has no words. */
  signDoc(s: DocSignals): boolean {
    const n = this.cfg.ngram;
    this.ensure(s.nTok + 1);
    // The word (non-punctuation) tokens' normalised hashes, in order, then combined n at a time in place.
    const sx1 = this.sx1;
    const sx2 = this.sx2;
    let words = 0;
    for (let t = 0; t < s.nTok; t++) {
      if (s.tokKind[t] === TOK_PUNCT) continue;
      sx1[words] = s.tokN1[t];
      sx2[words] = s.tokN2[t];
      words++;
    }
    if (words === 0) return false;
    const shingles = Math.max(1, words - n + 1);
    const len = Math.min(n, words);
    // Shingle hash = polynomial hash of its words' hashes, from prefix sums (O(1) per shingle), then mixed.
    // Shingle i only reads prefixes i and i+len, so it can overwrite word i going left to right once the
    // prefixes are built.
    const pre1 = this.pre1;
    const pre2 = this.pre2;
    pre1[0] = 0;
    pre2[0] = 0;
    for (let j = 0; j < words; j++) {
      pre1[j + 1] = (Math.imul(pre1[j], SHINGLE_B1) + sx1[j]) | 0;
      pre2[j + 1] = (Math.imul(pre2[j], SHINGLE_B2) + sx2[j]) | 0;
    }
    const q1 = pow32(SHINGLE_B1, len);
    const q2 = pow32(SHINGLE_B2, len);
    for (let i = 0; i < shingles; i++) {
      sx1[i] = fmix32((pre1[i + len] - Math.imul(pre1[i], q1)) ^ len);
      sx2[i] = fmix32(pre2[i + len] - Math.imul(pre2[i], q2) + len);
    }
    this.signScratch(shingles);
    return true;
  }

  /** Signature of explicit shingle hashes (tests, and any caller with its own shingling). */
  signHashes(x1: ArrayLike<number>, x2: ArrayLike<number>): boolean {
    this.ensure(x1.length);
    for (let i = 0; i < x1.length; i++) {
      this.sx1[i] = x1[i] | 0;
      this.sx2[i] = x2[i] | 0;
    }
    if (x1.length === 0) {
      this.minHi.fill(0xffffffff);
      this.minLo.fill(0xffffffff);
      return false;
    }
    this.signScratch(x1.length);
    return true;
  }

  /** Copy of the current signature as [hi0, lo0, hi1, lo1, ...]. */
  signature(): Uint32Array {
    const out = new Uint32Array(this.perms * 2);
    for (let k = 0; k < this.perms; k++) {
      out[2 * k] = this.minHi[k];
      out[2 * k + 1] = this.minLo[k];
    }
    return out;
  }

  /** The band keys of the current signature, two 32-bit lanes per band, into out[2b], out[2b+1]. */
  bandKeys(out: Int32Array, offset = 0): void {
    const { bands, rows } = this.cfg;
    for (let b = 0; b < bands; b++) {
      let k1 = fmix32(0x9e3779b9 ^ b);
      let k2 = fmix32(0x85ebca6b + b);
      for (let r = 0; r < rows; r++) {
        const k = b * rows + r;
        k1 = combine(k1, this.minHi[k]);
        k1 = combine(k1, this.minLo[k]);
        k2 = combine(k2 ^ 0x27d4eb2d, this.minLo[k]);
        k2 = combine(k2, this.minHi[k]);
      }
      out[offset + 2 * b] = k1 | 0;
      out[offset + 2 * b + 1] = k2 | 0;
    }
  }
}

/** Fraction of equal 64-bit minima: the MinHash estimate of Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let eq = 0;
  const P = a.length / 2;
  for (let k = 0; k < P; k++) if (a[2 * k] === b[2 * k] && a[2 * k + 1] === b[2 * k + 1]) eq++;
  return eq / P;
}
