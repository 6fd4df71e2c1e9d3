import { describe, expect, it } from "vitest";
import { bucketMeans, chartIndices, m4Indices, take } from "../../src/curves/downsample.js";
import { Rng } from "../../src/util/rng.js";

describe("M4 downsampling", () => {
  it("keeps everything when the series is short", () => {
    expect(m4Indices([1, 2, 3], [1, 2, 3], 10)).toEqual([0, 1, 2]);
  });
  it("keeps first, last, min and max of every pixel bucket: a one-point spike survives", () => {
    const rng = new Rng(1);
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map(() => 3 + 0.01 * rng.normal());
    y[77_777] = 9;
    const width = 500;
    const idx = m4Indices(x, y, width);
    expect(idx.length).toBeLessThanOrEqual(4 * width);
    expect(idx).toContain(77_777);
    // per bucket, the kept points have the same min and max as all points (brute force)
    const bucket = (v: number) => Math.min(width - 1, Math.floor((v / (n - 1)) * width));
    const full = new Map<number, [number, number]>();
    for (let i = 0; i < n; i++) {
      const b = bucket(x[i]);
      const m = full.get(b) ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      full.set(b, [Math.min(m[0], y[i]), Math.max(m[1], y[i])]);
    }
    const kept = new Map<number, [number, number]>();
    for (const i of idx) {
      const b = bucket(x[i]);
      const m = kept.get(b) ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      kept.set(b, [Math.min(m[0], y[i]), Math.max(m[1], y[i])]);
    }
    expect(kept).toEqual(full);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(n - 1);
  });
  it("keeps a NaN so the chart shows where the run broke", () => {
    const x = Array.from({ length: 1000 }, (_, i) => i);
    const y = x.map((v) => (v === 500 ? Number.NaN : 1));
    expect(m4Indices(x, y, 10)).toContain(500);
  });
  it("log buckets resolve the early steps a linear axis squeezes", () => {
    const x = Array.from({ length: 100_000 }, (_, i) => i + 1);
    const y = x.map((v) => 1 / v);
    const lin = m4Indices(x, y, 100, "linear").filter((i) => x[i] <= 100).length;
    const log = m4Indices(x, y, 100, "log").filter((i) => x[i] <= 100).length;
    expect(lin).toBeLessThanOrEqual(4);
    // x ≤ 100 spans 40% of the log range: 40 buckets, the earliest holding a single point each
    expect(log).toBeGreaterThan(40);
    const both = chartIndices(x, [y], 100);
    for (const i of [...m4Indices(x, y, 100, "linear"), ...m4Indices(x, y, 100, "log")])
      expect(both).toContain(i);
    expect(new Set(both).size).toBe(both.length);
    expect(both).toEqual([...both].sort((a, b) => a - b));
  });
  it("take gathers a column", () => {
    expect(take([10, 20, 30], [2, 0])).toEqual([30, 10]);
  });
});

describe("bucket means", () => {
  it("consecutive buckets of equal count, skipping NaN", () => {
    const b = bucketMeans([0, 1, 2, 3, 4, 5], [1, 3, Number.NaN, 5, 7, 9], 3);
    expect(Array.from(b.x)).toEqual([0.5, 3, 4.5]);
    expect(Array.from(b.y)).toEqual([2, 5, 8]);
    expect(Array.from(b.from)).toEqual([0, 2, 4]);
    expect(Array.from(b.to)).toEqual([1, 3, 5]);
  });
});
