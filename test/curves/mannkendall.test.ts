import { describe, expect, it } from "vitest";
import { mannKendall, senSlope } from "../../src/curves/mannkendall.js";
import { normalSf } from "../../src/curves/stats.js";

// Reference values: by hand for the small cases; for the 40-point series, a NumPy transliteration of
// pymannkendall.hamed_rao_modification_test (statsmodels-style biased acf, average ranks).
const seq = Array.from(
  { length: 40 },
  (_, i) => 3.0 + 0.5 * Math.sin(i * 0.7) - 0.02 * i + 0.3 * Math.sin(i * 0.13),
);

describe("Sen's slope", () => {
  it("median of pairwise slopes", () => {
    // slopes 2, 0.5, 4/3, −1, 1, 3 → median (1 + 4/3)/2; intercept median(y) − median(i)·β = 2.5 − 1.5β
    const s = senSlope([1, 3, 2, 5]);
    expect(s.slope).toBeCloseTo(7 / 6, 14);
    expect(s.intercept).toBeCloseTo(2.5 - 1.5 * (7 / 6), 14);
  });
  it("with x values, and NaN skipped", () => {
    expect(senSlope([1, 2, 3], [0, 10, 20]).slope).toBeCloseTo(0.1, 15);
    expect(senSlope([1, Number.NaN, 2, 3]).slope).toBe(1);
  });
});

describe("Mann–Kendall", () => {
  it("original test on a monotone series, by hand", () => {
    const r = mannKendall([1, 2, 3, 4, 5], { hamedRao: false });
    expect(r.s).toBe(10);
    expect(r.varS).toBeCloseTo((5 * 4 * 15) / 18, 12);
    expect(r.z).toBeCloseTo(9 / Math.sqrt(50 / 3), 12);
    expect(r.p).toBeCloseTo(2 * normalSf(9 / Math.sqrt(50 / 3)), 14);
    expect(r.tau).toBe(1);
    expect(r.trend).toBe("increasing");
  });
  it("tie correction", () => {
    // S = 5; one tie of size 2: (4·3·13 − 2·1·9)/18 = 138/18
    const r = mannKendall([1, 2, 2, 3]);
    expect(r.s).toBe(5);
    expect(r.varS).toBeCloseTo(138 / 18, 12);
    expect(r.correction).toBeCloseTo(1, 12);
    expect(r.z).toBeCloseTo(1.4446302370292303, 12);
    expect(r.p).toBeCloseTo(0.14856177489186884, 12);
    expect(r.sen.slope).toBeCloseTo(0.5833333333333333, 12);
    expect(r.sen.intercept).toBeCloseTo(1.125, 12);
    expect(r.trend).toBe("no trend");
  });
  it("Hamed–Rao with the first 3 lags (pymannkendall reference)", () => {
    const r = mannKendall(seq, { lag: 3 });
    expect(r.s).toBe(-426);
    expect(r.varS).toBeCloseTo(7366.666666666667, 9);
    expect(r.correction).toBeCloseTo(1.7877788907794092, 10);
    expect(r.z).toBeCloseTo(-3.70336500218091, 10);
    expect(r.p).toBeCloseTo(0.00021275842218515528, 12);
    expect(r.sen.slope).toBeCloseTo(-0.0350206707754511, 12);
    expect(r.sen.intercept).toBeCloseTo(3.329287867994693, 11);
    expect(r.trend).toBe("decreasing");
  });
  it("Hamed–Rao over all lags can make n/n* negative, as in pymannkendall (z is then NaN)", () => {
    const r = mannKendall(seq);
    expect(r.correction).toBeCloseTo(-0.04308876309333032, 10);
    expect(r.z).toBeNaN();
    expect(r.trend).toBe("no trend");
  });
  it("autocorrelation widens the variance: fewer false trends on AR noise", () => {
    // a slowly wandering series without trend: original test is overconfident
    const y = Array.from({ length: 120 }, (_, i) => Math.sin(i / 9) + 0.3 * Math.sin(i * 1.7));
    const orig = mannKendall(y, { hamedRao: false });
    const hr = mannKendall(y, { lag: 10 });
    expect(hr.varSCorrected).toBeGreaterThan(orig.varS);
    expect(hr.p).toBeGreaterThan(orig.p);
  });
});
