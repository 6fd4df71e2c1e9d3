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
  /** a ^ 0x80000000: see signScratch. */
  private readonly aSign: Int32Array;
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
    this.aSign = this.a.map((x) => x ^ -0x80000000);
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
    const { a, aSign, m, sx1, sx2 } = this;
    // Four permutations per pass over the shingles: four independent minima keep the CPU's pipelines full.
    // Values stay int32 (V8 keeps them in registers): an unsigned comparison is a signed one after flipping
    // the sign bit, so each hash h ^ (h >>> 16) is compared as hs = h ^ (h >>> 16) ^ 0x80000000. Each minimum
    // keeps the index of its shingle; a tie between different shingles (same high lane: a 2^-32 event per
    // pair, unless two shingles collide on x1) is settled exactly afterwards by the low lane.
    //
    // Most shingles lose at the top 16 bits, which the xor-shift leaves as the product's: so the loop first
    // computes only g = h ^ 0x80000000 (= imul(x ^ a ^ 0x80000000, m), as m is odd) and finishes the hash
    // only when g's top 16 bits do not exceed the minimum's (g ≤ best | 0xffff); then
    // hs = g ^ (g >>> 16) ^ 0x8000. Same minima, about half the work per shingle.
    const SIGN = -0x80000000;
    let k = 0;
    for (; k + 4 <= P; k += 4) {
      const a0 = aSign[k];
      const a1 = aSign[k + 1];
      const a2 = aSign[k + 2];
      const a3 = aSign[k + 3];
      const m0 = m[k];
      const m1 = m[k + 1];
      const m2 = m[k + 2];
      const m3 = m[k + 3];
      let b0 = 0x7fffffff;
      let b1 = 0x7fffffff;
      let b2 = 0x7fffffff;
      let b3 = 0x7fffffff;
      let i0 = 0;
      let i1 = 0;
      let i2 = 0;
      let i3 = 0;
      let tie = 0;
      for (let s = 0; s < count; s++) {
        const x = sx1[s];
        const g0 = Math.imul(x ^ a0, m0);
        const g1 = Math.imul(x ^ a1, m1);
        const g2 = Math.imul(x ^ a2, m2);
        const g3 = Math.imul(x ^ a3, m3);
        if (g0 <= (b0 | 0xffff)) {
          const h0 = g0 ^ (g0 >>> 16) ^ 0x8000;
          if (h0 < b0) {
            b0 = h0;
            i0 = s;
          } else if (h0 === b0 && (x !== sx1[i0] || sx2[s] !== sx2[i0])) tie |= 1;
        }
        if (g1 <= (b1 | 0xffff)) {
          const h1 = g1 ^ (g1 >>> 16) ^ 0x8000;
          if (h1 < b1) {
            b1 = h1;
            i1 = s;
          } else if (h1 === b1 && (x !== sx1[i1] || sx2[s] !== sx2[i1])) tie |= 2;
        }
        if (g2 <= (b2 | 0xffff)) {
          const h2 = g2 ^ (g2 >>> 16) ^ 0x8000;
          if (h2 < b2) {
            b2 = h2;
            i2 = s;
          } else if (h2 === b2 && (x !== sx1[i2] || sx2[s] !== sx2[i2])) tie |= 4;
        }
        if (g3 <= (b3 | 0xffff)) {
          const h3 = g3 ^ (g3 >>> 16) ^ 0x8000;
          if (h3 < b3) {
            b3 = h3;
            i3 = s;
          } else if (h3 === b3 && (x !== sx1[i3] || sx2[s] !== sx2[i3])) tie |= 8;
        }
      }
      this.finish(k, (b0 ^ SIGN) >>> 0, i0, (tie & 1) !== 0, count);
      this.finish(k + 1, (b1 ^ SIGN) >>> 0, i1, (tie & 2) !== 0, count);
      this.finish(k + 2, (b2 ^ SIGN) >>> 0, i2, (tie & 4) !== 0, count);
      this.finish(k + 3, (b3 ^ SIGN) >>> 0, i3, (tie & 8) !== 0, count);
    }
    for (; k < P; k++) {
      let best = 0x7fffffff;
      let bi = 0;
      let tie = false;
      for (let s = 0; s < count; s++) {
        let h = Math.imul(sx1[s] ^ a[k], m[k]);
        h = h ^ (h >>> 16) ^ SIGN;
        if (h < best) {
          best = h;
          bi = s;
        } else if (h === best && (sx1[s] !== sx1[bi] || sx2[s] !== sx2[bi])) tie = true;
      }
      this.finish(k, (best ^ SIGN) >>> 0, bi, tie, count);
    }
  }

  /** Record permutation k's minimum: the low lane of the arg-min shingle, or on a tie the least low lane. */
  private finish(k: number, hi: number, at: number, tie: boolean, count: number): void {
    this.minHi[k] = hi;
    // (No closure for the low lane: this runs 112 times per document, and allocations here showed in GC.)
    const { sx1, sx2 } = this;
    const c = this.c[k];
    const m2 = this.m2[k];
    let l = Math.imul(sx2[at] ^ c, m2);
    let lo = (l ^ (l >>> 16)) >>> 0;
    if (tie) {
      const a = this.a[k];
      const m = this.m[k];
      for (let s = 0; s < count; s++) {
        let h = Math.imul(sx1[s] ^ a, m);
        h = (h ^ (h >>> 16)) >>> 0;
        if (h !== hi) continue;
        l = Math.imul(sx2[s] ^ c, m2);
        lo = Math.min(lo, (l ^ (l >>> 16)) >>> 0);
      }
    }
    this.minLo[k] = lo;
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

  /** The permutations' constants (for tests that recompute signatures naively). */
  params(): { a: Int32Array; m: Int32Array; c: Int32Array; m2: Int32Array } {
    return { a: this.a, m: this.m, c: this.c, m2: this.m2 };
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
