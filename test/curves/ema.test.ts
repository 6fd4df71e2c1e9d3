import { describe, expect, it } from "vitest";
import { densityEma, TENSORBOARD_DEFAULT_WEIGHT, tensorboardEma } from "../../src/curves/ema.js";

// Expected values worked by hand from TensorBoard's classicSmoothing (data_transformer.ts).
describe("TensorBoard debiased EMA", () => {
  it("default weight 0.6 on [1, 2, 3]", () => {
    expect(TENSORBOARD_DEFAULT_WEIGHT).toBe(0.6);
    // last: 0.4 → 1.04 → 1.824; debias: 0.4, 0.64, 0.784
    const s = tensorboardEma([1, 2, 3]);
    expect(s[0]).toBeCloseTo(1, 15);
    expect(s[1]).toBeCloseTo(1.625, 15);
    expect(s[2]).toBeCloseTo(1.824 / 0.784, 14);
  });
  it("non-finite values pass through and do not advance the debias count", () => {
    // [1, NaN, 3]: 1; NaN; last = 0.4·0.6 + 0.4·3 = 1.44 over 1 − 0.6² = 0.64 → 2.25
    const s = tensorboardEma([1, Number.NaN, 3]);
    expect(s[0]).toBeCloseTo(1, 15);
    expect(s[1]).toBeNaN();
    expect(s[2]).toBeCloseTo(2.25, 14);
    const t = tensorboardEma([Number.POSITIVE_INFINITY, 2, Number.NEGATIVE_INFINITY]);
    expect(t[0]).toBe(Number.POSITIVE_INFINITY);
    expect(t[1]).toBeCloseTo(2, 15);
    expect(t[2]).toBe(Number.NEGATIVE_INFINITY);
  });
  it("a constant series comes back unchanged (TensorBoard #786); a leading NaN breaks constancy", () => {
    expect(Array.from(tensorboardEma([5, 5, 5]))).toEqual([5, 5, 5]);
    expect(Array.from(tensorboardEma([]))).toEqual([]);
    expect(tensorboardEma([Number.NaN])[0]).toBeNaN();
    const s = tensorboardEma([Number.NaN, Number.NaN]);
    expect(s[0]).toBeNaN();
    expect(s[1]).toBeNaN();
  });
  it("weight clamping: 0 is identity, 1 (or more) gives 0, NaN counts as 0", () => {
    expect(Array.from(tensorboardEma([1, 2, 4], 0))).toEqual([1, 2, 4]);
    expect(Array.from(tensorboardEma([1, 2, 4], Number.NaN))).toEqual([1, 2, 4]);
    expect(Array.from(tensorboardEma([1, 2, 4], 1))).toEqual([0, 0, 0]);
    expect(Array.from(tensorboardEma([1, 2, 4], 7))).toEqual([0, 0, 0]);
    expect(Array.from(tensorboardEma([1, 2, 4], -3))).toEqual([1, 2, 4]);
  });
});

describe("density-aware EMA", () => {
  it("decays by x distance: two points one half-life apart weigh 1/2 and 1", () => {
    const s = densityEma([0, 10], [1, 4], 10);
    expect(s[0]).toBe(1);
    expect(s[1]).toBeCloseTo((0.5 * 1 + 4) / 1.5, 15);
  });
  it("the same curve logged densely or sparsely smooths alike", () => {
    const f = (x: number) => 3 + Math.sin(x / 50);
    const xd = Array.from({ length: 1001 }, (_, i) => i);
    const xs = xd.filter((x) => x % 10 === 0);
    const dense = densityEma(xd, xd.map(f), 0.001);
    const sparse = densityEma(xs, xs.map(f), 0.001);
    expect(sparse[sparse.length - 1]).toBeCloseTo(dense[dense.length - 1], 10);
  });
});
