import { describe, expect, it } from "vitest";
import { bicPenalty, pelt } from "../../src/curves/pelt.js";
import { Rng } from "../../src/util/rng.js";

/** Segment costs computed directly from their definitions (no prefix sums): the independent reference. */
function directCost(y: number[], a: number, b: number, model: "mean" | "linear"): number {
  const seg = y.slice(a, b);
  const m = seg.length;
  const my = seg.reduce((s, v) => s + v, 0) / m;
  if (model === "mean") return seg.reduce((s, v) => s + (v - my) ** 2, 0);
  if (m <= 2) return 0;
  const mt = (m - 1) / 2;
  let stt = 0;
  let sty = 0;
  for (let i = 0; i < m; i++) {
    stt += (i - mt) ** 2;
    sty += (i - mt) * (seg[i] - my);
  }
  const slope = sty / stt;
  return seg.reduce((s, v, i) => s + (v - my - slope * (i - mt)) ** 2, 0);
}

/** Optimal partitioning (Jackson et al. 2005): the O(n²) exact dynamic programme PELT must agree with. */
function optimalPartitioning(y: number[], beta: number, model: "mean" | "linear", minSize: number) {
  const n = y.length;
  const F = new Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const last = new Array(n + 1).fill(-1);
  F[0] = -beta;
  for (let t = minSize; t <= n; t++) {
    for (let tau = 0; tau <= t - minSize; tau++) {
      if (tau !== 0 && tau < minSize) continue;
      if (!Number.isFinite(F[tau])) continue;
      const v = F[tau] + directCost(y, tau, t, model) + beta;
      if (v < F[t] - 1e-12) {
        F[t] = v;
        last[t] = tau;
      }
    }
  }
  const cps: number[] = [];
  for (let t = last[n]; t > 0; t = last[t]) cps.push(t);
  return { changePoints: cps.reverse(), objective: F[n] };
}

describe("PELT", () => {
  it("a level shift, by hand", () => {
    const y = [0, 0, 0, 0, 10, 10, 10, 10];
    expect(pelt(y, { penalty: 1, minSize: 2 }).changePoints).toEqual([4]);
    // a penalty larger than the gain (Σ(y−ȳ)² = 200) keeps one segment
    expect(pelt(y, { penalty: 250, minSize: 2 }).changePoints).toEqual([]);
  });
  it("a slope change with the linear cost", () => {
    const y = Array.from({ length: 40 }, (_, i) => (i < 25 ? 10 - 0.5 * i : 0.2 * (i - 25)));
    expect(pelt(y, { penalty: 0.5, model: "linear", minSize: 3 }).changePoints).toEqual([25]);
  });
  it("agrees with optimal partitioning on random data (both costs, several minimum sizes)", () => {
    const rng = new Rng(3);
    for (let rep = 0; rep < 40; rep++) {
      const n = 20 + rng.int(25);
      const y: number[] = [];
      let level = 0;
      for (let i = 0; i < n; i++) {
        if (rng.float() < 0.1) level += rng.normal() * 3;
        y.push(level + rng.normal());
      }
      for (const model of ["mean", "linear"] as const) {
        for (const minSize of [1, 2, 4]) {
          const beta = 1 + rng.float() * 6;
          const got = pelt(y, { penalty: beta, model, minSize });
          const ref = optimalPartitioning(y, beta, model, minSize);
          expect(got.objective).toBeCloseTo(ref.objective, 8);
          expect(got.changePoints).toEqual(ref.changePoints);
        }
      }
    }
  });
  it("BIC penalty from the MAD of first differences", () => {
    // differences ±1: median 0, MAD 1 → σ = 1.4826/√2; penalty = 2σ² ln 5
    const p = bicPenalty([0, 1, 0, 1, 0], 2);
    expect(p).toBeCloseTo(2 * (1.482602218505602 ** 2 / 2) * Math.log(5), 12);
  });
});
