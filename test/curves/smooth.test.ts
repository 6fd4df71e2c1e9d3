import { describe, expect, it } from "vitest";
import { blockRunningMedian, movingAverage, robustSmooth, runningMedian } from "../../src/curves/smooth.js";
import { median } from "../../src/curves/stats.js";
import { Rng } from "../../src/util/rng.js";

describe("running median", () => {
  it("centred, truncated at the ends (pandas rolling(center=True, min_periods=1))", () => {
    // windows: [1,5] [1,5,2] [5,2,8] [2,8,3] [8,3]
    expect(Array.from(runningMedian([1, 5, 2, 8, 3], 3))).toEqual([3, 2, 5, 3, 5.5]);
  });
  it("skips non-finite values", () => {
    expect(Array.from(runningMedian([1, Number.NaN, 3], 3))).toEqual([1, 2, 3]);
    expect(runningMedian([Number.NaN, Number.NaN], 1)[0]).toBeNaN();
  });
  it("equals a brute-force median on random data", () => {
    const rng = new Rng(7);
    const y = Array.from({ length: 300 }, () => Math.round(rng.normal() * 5)); // ties included
    for (const w of [1, 5, 21, 51]) {
      const got = runningMedian(y, w);
      const h = Math.floor(w / 2);
      for (let i = 0; i < y.length; i++) {
        const ref = median(y.slice(Math.max(0, i - h), Math.min(y.length, i + h + 1)));
        expect(Math.abs(got[i] - ref)).toBe(0);
      }
    }
  });
});

describe("moving average and robust smoother", () => {
  it("moving average, truncated at the ends", () => {
    expect(Array.from(movingAverage([1, 2, 3, 4], 3))).toEqual([1.5, 2, 3, 3.5]);
  });
  it("a single spike moves the robust smoother by at most one order statistic", () => {
    const y = Array.from({ length: 50 }, (_, i) => 3 - i * 0.01);
    const spiked = [...y];
    spiked[25] = 30;
    const s = robustSmooth(spiked, 9);
    // the median of a window holding the spike moves to the next value of the line: ≤ one step of 0.01
    for (let i = 5; i < 45; i++) expect(Math.abs(s[i] - y[i])).toBeLessThanOrEqual(0.01 + 1e-12);
    expect(Math.max(...s)).toBeLessThan(3.01);
  });
});

describe("block running median (long windows)", () => {
  it("equals the exact running median for windows up to 101 points", () => {
    const rng = new Rng(2);
    const y = Array.from({ length: 500 }, () => rng.normal());
    expect(Array.from(blockRunningMedian(y, 51))).toEqual(Array.from(runningMedian(y, 51)));
  });
  it("ignores an excursion shorter than half the window and tracks a line", () => {
    const y = Array.from({ length: 20_000 }, (_, i) => 5 - i * 1e-4);
    for (let i = 10_000; i < 10_300; i++) y[i] += 3;
    const b = blockRunningMedian(y, 2001);
    // on a line every block median is exact; the 300-point bump moves the median by a few blocks' worth of slope
    for (const i of [3000, 15_000]) expect(Math.abs(b[i] - (5 - i * 1e-4))).toBeLessThan(1e-9);
    for (const i of [10_100, 10_250]) expect(Math.abs(b[i] - (5 - i * 1e-4))).toBeLessThan(0.05);
  });
});
