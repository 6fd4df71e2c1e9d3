import { describe, expect, it } from "vitest";
import { Deduper } from "../../src/data/dedup/deduper.js";
import { KeyTable } from "../../src/data/dedup/key-table.js";
import { estimateJaccard, MINHASH_DEFAULTS, MinHasher } from "../../src/data/dedup/minhash.js";
import { calibrate, pplPercentile, quantile } from "../../src/data/lm/calibration.js";
import { CharLm } from "../../src/data/lm/char-lm.js";
import { DocSignals } from "../../src/data/signals/doc.js";
import { Rng } from "../../src/util/rng.js";
import { cleanDoc } from "./helpers/noisy-corpus.js";

describe("character trigram LM (interpolated absolute discounting)", () => {
  const r = new Rng(2);
  const train = Array.from({ length: 300 }, () => cleanDoc(r, r.float() < 0.5 ? "zh" : "en"));
  const lm = CharLm.train(train);

  it("every conditional distribution sums to one over the vocabulary", () => {
    const V = lm.vocabSize;
    // Contexts: seen trigram history, seen bigram only, unseen history, BOS.
    const contexts: [number, number][] = [
      [0, 0],
      [2, 3],
      [5, 2],
      [V - 1, V - 2],
      [1, 1],
    ];
    for (const [a, b] of contexts) {
      let sum = 0;
      for (let c = 1; c < V; c++) sum += Math.exp(lm.logProb(a, b, c));
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it("matches a hand computation on a tiny corpus", () => {
    // Corpus "abab": vocab (count ≥ 2) = a, b → ids 2, 3 (ties by code point); V = 4 (BOS, UNK, a, b).
    const tiny = CharLm.train(["abab"]);
    expect(Array.from(tiny.data.vocab)).toEqual([0x61, 0x62]);
    // Unigram: n(a) = n(b) = 2, N = 4, one-count types: none → D1 from counts {2,2}: n1 = 0, n2 = 2 → 0 → clamp 0.05.
    const d1 = 0.05;
    const floor = (d1 * 2) / 4 / 3; // D1·T/N spread over the V−1 = 3 predictable symbols
    // Tables hold float32 log-probabilities: 6 digits.
    expect(Math.exp(tiny.data.logP1[2])).toBeCloseTo((2 - d1) / 4 + floor, 6);
    expect(Math.exp(tiny.data.logP1[1])).toBeCloseTo(floor, 6); // UNK
    // p3(a | BOS BOS): trigram (BOS,BOS,a) seen once, history n = 1, T = 1.
    const [, d2, d3] = tiny.data.discounts;
    const p2aGivenBos = (1 - d2) / 1 + d2 * ((2 - d1) / 4 + floor);
    const expected = (1 - d3) / 1 + d3 * p2aGivenBos;
    expect(Math.exp(tiny.logProb(0, 0, 2))).toBeCloseTo(expected, 6);
  });

  it("scores in-domain text far below shuffled or random text, and reports unknown characters", () => {
    const held = cleanDoc(new Rng(99), "zh", 4);
    const shuffled = [...held]
      .sort(() => 0)
      .reverse()
      .join("");
    const inDomain = lm.score(held);
    expect(inDomain.ppl).toBeLessThan(lm.score(shuffled).ppl);
    expect(inDomain.oov).toBe(0);
    const random = lm.score("㐀㐁㐂㐃㐄㐅㐆㐇");
    expect(random.oov).toBe(1);
    // The unigram part saves nothing on characters it has never seen in sequence.
    expect(Math.log(inDomain.unigramPpl) - Math.log(inDomain.ppl)).toBeGreaterThan(1);
  });

  it("normalises like CCNet: case, digits, whitespace runs", () => {
    expect(lm.score("Fever  of 39 degrees").ppl).toBeCloseTo(lm.score("fever of 12 degrees").ppl, 10);
  });

  it("calibration: CCNet cut-offs at the 30th/60th percentiles, fluency percentile", () => {
    const samples = Array.from({ length: 101 }, (_, i) => ({
      lang: "zh" as const,
      ppl: 100 + i,
      gain: i / 100,
    }));
    const cal = calibrate(samples, { zh: 50_000 }).zh!;
    expect(cal.head).toBeCloseTo(130, 10);
    expect(cal.middle).toBeCloseTo(160, 10);
    expect(cal.gainP05).toBeCloseTo(0.05, 10);
    expect(pplPercentile(cal, 150)).toBeCloseTo(0.5, 10);
    expect(pplPercentile(cal, 50)).toBe(0);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(calibrate(samples.slice(0, 5), { zh: 50_000 }).zh).toBeUndefined(); // too few held-out docs
  });
});

describe("MinHash LSH", () => {
  it("estimates Jaccard similarity without bias on sets of known overlap", () => {
    const h = new MinHasher();
    const r = new Rng(4);
    for (const target of [0.2, 0.5, 0.8]) {
      const errors: number[] = [];
      for (let t = 0; t < 30; t++) {
        // |A ∩ B| = k, |A ∪ B| = 400 → J = k / 400.
        const k = Math.round(target * 400);
        const common = Array.from({ length: k }, () => r.nextU32() | 0);
        const onlyA = Array.from({ length: (400 - k) / 2 }, () => r.nextU32() | 0);
        const onlyB = Array.from({ length: 400 - k - onlyA.length }, () => r.nextU32() | 0);
        const a = [...common, ...onlyA];
        const b = [...common, ...onlyB];
        h.signHashes(
          a,
          a.map((x) => x ^ 0x5bd1e995),
        );
        const sa = h.signature();
        h.signHashes(
          b,
          b.map((x) => x ^ 0x5bd1e995),
        );
        errors.push(estimateJaccard(sa, h.signature()) - k / 400);
      }
      const mean = errors.reduce((x, y) => x + y, 0) / errors.length;
      // Standard error of the mean: sqrt(J(1−J)/112/30) ≤ 0.009.
      expect(Math.abs(mean)).toBeLessThan(0.03);
    }
  });

  it("equals a naive 64-bit minimum per permutation, ties and repeated shingles included", () => {
    const h = new MinHasher();
    const { a, m, c, m2 } = h.params();
    const mix = (x: number, s: number, mul: number) => {
      const v = Math.imul(x ^ s, mul);
      return (v ^ (v >>> 16)) >>> 0;
    };
    const r = new Rng(31);
    for (let t = 0; t < 40; t++) {
      const n = 1 + r.int(60);
      const x1 = Array.from({ length: n }, () => r.nextU32() | 0);
      const x2 = Array.from({ length: n }, () => r.nextU32() | 0);
      // Repeated shingles, and shingles that share x1 but not x2 (high-lane ties).
      for (let k = 0; k < n / 4; k++) {
        const i = r.int(n);
        const j = r.int(n);
        x1[i] = x1[j];
        if (r.float() < 0.5) x2[i] = x2[j];
      }
      h.signHashes(x1, x2);
      const sig = h.signature();
      for (let k = 0; k < h.perms; k++) {
        let best: [number, number] = [0xffffffff, 0xffffffff];
        for (let s = 0; s < n; s++) {
          const v: [number, number] = [mix(x1[s], a[k], m[k]), mix(x2[s], c[k], m2[k])];
          if (v[0] < best[0] || (v[0] === best[0] && v[1] < best[1])) best = v;
        }
        expect([sig[2 * k], sig[2 * k + 1]]).toEqual(best);
      }
    }
  });

  it("band keys: identical documents collide in every band, unrelated ones in none", () => {
    const h = new MinHasher();
    const s = new DocSignals();
    const keys = (t: string) => {
      h.signDoc(s.reset(t));
      const out = new Int32Array(2 * MINHASH_DEFAULTS.bands);
      h.bandKeys(out);
      return out;
    };
    const r = new Rng(8);
    const a = cleanDoc(r, "zh", 5);
    const b = cleanDoc(r, "zh", 5);
    expect(Array.from(keys(a))).toEqual(Array.from(keys(a)));
    const ka = keys(a);
    const kb = keys(b);
    let same = 0;
    for (let i = 0; i < ka.length; i += 2) if (ka[i] === kb[i] && ka[i + 1] === kb[i + 1]) same++;
    expect(same).toBe(0);
  });

  it("shingles CJK by characters and Latin text by words (5-grams)", () => {
    const h = new MinHasher();
    const s = new DocSignals();
    const sig = (t: string) => {
      h.signDoc(s.reset(t));
      return h.signature();
    };
    // One changed character in 40 Chinese characters changes ≤ 5 of 36 character 5-grams: J ≥ 31/41.
    const zh = "传染病是指由病原微生物感染人体后产生的有传染性在一定条件下可造成流行的疾病感染性疾病";
    const zh2 = `${zh.slice(0, 20)}和${zh.slice(21)}`;
    expect(estimateJaccard(sig(zh), sig(zh2))).toBeGreaterThan(0.6);
    // Word 5-grams: one changed word in 30 changes ≤ 5 of 26 shingles (J ≥ 21/31). Letters only: digits
    // normalise to "0", so "word1" and "word2" would be the same word.
    const r = new Rng(12);
    const words = Array.from({ length: 30 }, () =>
      Array.from({ length: 6 }, () => String.fromCharCode(97 + r.int(26))).join(""),
    );
    const en = words.join(" ");
    const en2 = words.map((w, i) => (i === 15 ? "changed" : w)).join(" ");
    expect(estimateJaccard(sig(en), sig(en2))).toBeGreaterThan(0.55);
    expect(estimateJaccard(sig(en), sig(words.reverse().join(" ")))).toBeLessThan(0.1);
  });
});

describe("Deduper: keep the first, point later copies at it", () => {
  it("exact and near duplicates, with chains resolved to the first document", () => {
    const d = new Deduper(2);
    const band = (x: number, y: number) => Int32Array.from([x, 1, y, 2]);
    expect(d.check(0, [1, 1], band(10, 20))).toEqual({ kind: null, of: -1 });
    expect(d.check(1, [1, 1], band(10, 20))).toEqual({ kind: "exact", of: 0 });
    expect(d.check(2, [2, 2], band(10, 99))).toEqual({ kind: "near", of: 0 }); // shares band 0 with doc 0
    expect(d.check(3, [3, 3], band(55, 99))).toEqual({ kind: "near", of: 0 }); // shares band 1 with doc 2 → cluster of 0
    expect(d.check(4, [2, 2], null)).toEqual({ kind: "exact", of: 0 }); // same text as the near copy → its cluster
    expect(d.check(5, [4, 4], band(7, 8))).toEqual({ kind: null, of: -1 });
  });

  it("a capped index stops indexing new documents but still answers lookups", () => {
    const t = new KeyTable(1000, 16);
    let inserted = 0;
    for (let i = 0; i < 100; i++) if (t.set(i * 7919, i, i)) inserted++;
    expect(t.full).toBe(true);
    expect(inserted).toBeLessThan(100);
    expect(t.get(0, 0)).toBe(0);
    expect(t.get(99 * 7919, 99)).toBe(-1);
    const d = new Deduper(0, 8000);
    for (let i = 0; i < 2000; i++) d.check(i, [i, i * 3], null);
    expect(d.fullAt).toBeGreaterThan(0);
  });
});
