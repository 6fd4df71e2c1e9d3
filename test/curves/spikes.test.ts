import { describe, expect, it } from "vitest";
import { coupleSpikes, detectSpikes, robustZ } from "../../src/curves/spikes.js";
import { Rng } from "../../src/util/rng.js";

describe("robust z", () => {
  it("one block, by hand", () => {
    // median 0.5; |r − 0.5| = 0.5,0.5,1.5,1.5,2.5,9.5 → MAD 1.5 → σ = 1.5·1.4826
    const z = robustZ([0, 1, -1, 2, -2, 10], 100);
    expect(z[5]).toBeCloseTo(9.5 / (1.5 * 1.482602218505602), 12);
    expect(z[0]).toBeCloseTo(-0.5 / (1.5 * 1.482602218505602), 12);
  });
  it("falls back to the mean absolute deviation when the MAD is zero", () => {
    const z = robustZ([0, 0, 0, 0, 0, 1], 100);
    // median 0, MAD 0; mean |r| = 1/6 → σ = 1.2533/6
    expect(z[5]).toBeCloseTo(6 / 1.2533141373155001, 10);
  });
});

describe("spike detection", () => {
  it("finds inserted spikes on a decaying curve with noise, and nothing else", () => {
    const rng = new Rng(5);
    const n = 5000;
    const y = Array.from({ length: n }, (_, i) => 2.5 + 6 / Math.sqrt(i + 10) + 0.02 * rng.normal());
    for (const at of [1200, 3000, 4500]) {
      y[at] += 0.4;
      y[at + 1] += 0.2;
    }
    const s = detectSpikes(y);
    expect(s.map((v) => v.index)).toEqual([1200, 3000, 4500]);
    expect(s[0].to).toBeGreaterThanOrEqual(1201);
    expect(s[0].z).toBeGreaterThan(10);
  });
  it("no spikes in 50,000 points of Gaussian noise (threshold 6)", () => {
    const rng = new Rng(9);
    const y = Array.from({ length: 50_000 }, () => 3 + 0.05 * rng.normal());
    expect(detectSpikes(y)).toEqual([]);
  });
  it("couples a loss spike with a grad-norm spike within the tolerance", () => {
    const x = Array.from({ length: 200 }, (_, i) => i * 10);
    const loss = x.map((_, i) => 3 + 0.001 * Math.sin(i) + (i === 100 ? 1 : 0) + (i === 150 ? 1 : 0));
    const grad = x.map((_, i) => 1 + 0.001 * Math.cos(i) + (i === 101 ? 5 : 0));
    const ls = detectSpikes(loss);
    const gs = detectSpikes(grad);
    const c = coupleSpikes(ls, x, gs, x, 20);
    expect(c.map((s) => s.index)).toEqual([100, 150]);
    expect(c[0].coupled?.index).toBe(101);
    expect(c[0].coupled?.distance).toBe(10);
    expect(c[1].coupled).toBeUndefined();
  });
});
