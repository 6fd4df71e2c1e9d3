import { describe, expect, it } from "vitest";
import {
  acf,
  MAD_TO_SIGMA,
  mad,
  median,
  normalCdf,
  normalQuantile,
  normalSf,
  quantile,
  rankAverage,
  zForLevel,
} from "../../src/curves/stats.js";

describe("order statistics", () => {
  it("median of odd and even lengths, unsorted input untouched", () => {
    const a = [5, 1, 4, 2, 3];
    expect(median(a)).toBe(3);
    expect(a).toEqual([5, 1, 4, 2, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
  it("median on sorted and constant inputs", () => {
    expect(median(Array.from({ length: 1001 }, (_, i) => i))).toBe(500);
    expect(median(new Array(10).fill(2))).toBe(2);
  });
  it("MAD: median |x − median|; scaled by 1.4826 it estimates σ", () => {
    // median 3, deviations 2,1,0,1,2,6 → median 1.5
    expect(mad([1, 2, 3, 4, 5, 9])).toBe(1.5);
    expect(MAD_TO_SIGMA).toBeCloseTo(1 / normalQuantile(0.75), 12);
  });
  it("quantile type 7 matches numpy.quantile", () => {
    // numpy.quantile([1, 2, 3, 4, 10], 0.9) = 7.6 ; 0.25 → 2.0
    expect(quantile([10, 1, 2, 3, 4], 0.9)).toBeCloseTo(7.6, 12);
    expect(quantile([10, 1, 2, 3, 4], 0.25)).toBe(2);
  });
  it("average ranks for ties (scipy.stats.rankdata)", () => {
    expect(Array.from(rankAverage([3, 1, 4, 1, 5]))).toEqual([3, 1.5, 4, 1.5, 5]);
    expect(Array.from(rankAverage([2, 2, 2]))).toEqual([2, 2, 2]);
  });
});

describe("autocorrelation", () => {
  it("biased acf of a short series, by hand", () => {
    // y = [1,2,3,4] demeaned [-1.5,-0.5,0.5,1.5]; c0 = 5; c1 = 0.75 − 0.25 + 0.75 = 1.25; c2 = −0.75 − 0.75 = −1.5
    const r = acf([1, 2, 3, 4], 2);
    expect(r[0]).toBe(1);
    expect(r[1]).toBeCloseTo(0.25, 15);
    expect(r[2]).toBeCloseTo(-0.3, 15);
  });
});

describe("normal distribution (reference: Python statistics.NormalDist)", () => {
  it("cdf and survival", () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517796, 15);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalSf(5) / 2.866515718125129e-7).toBeCloseTo(1, 9);
    expect(normalCdf(-1.96) + normalCdf(1.96)).toBeCloseTo(1, 15);
    // far tail keeps relative precision: Q(10) = 7.619853024160527e-24
    expect(normalSf(10) / 7.619853024160527e-24).toBeCloseTo(1, 9);
  });
  it("quantile", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.9599639845400536, 13);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 10);
    expect(normalQuantile(0.5)).toBe(0);
    expect(zForLevel(0.95)).toBeCloseTo(1.959963984540054, 13);
    for (const p of [1e-6, 0.01, 0.2, 0.5, 0.77, 0.99, 1 - 1e-6])
      expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 13);
  });
});
