import { describe, expect, it } from "vitest";
import { andrewsLag, neweyWestLag, neweyWestSlope } from "../../src/curves/regression.js";
import { slopePerDoubling, trailingSlopes } from "../../src/curves/trend.js";
import { Rng } from "../../src/util/rng.js";

describe("Newey–West slope", () => {
  it("a five-point example worked by hand", () => {
    // fit 1.4 + 0.8x; e = [−0.4, 0.8, −1, 1.2, −0.6]; u = x − 2; Σe²u² = 4.16;
    // lag 1 (w = 1/2): Σ e_t e_{t−1} u_t u_{t−1} = −0.64 − 1.44 = −2.08 → S = 4.16 − 2.08 = 2.08; se = √2.08 / 10
    const f = neweyWestSlope([0, 1, 2, 3, 4], [1, 3, 2, 5, 4], { lag: 1 });
    expect(f.slope).toBeCloseTo(0.8, 14);
    expect(f.intercept).toBeCloseTo(1.4, 14);
    expect(f.se).toBeCloseTo(Math.sqrt(2.08) / 10, 14);
    // the same figure from an uncentred sandwich in numpy: 0.14422205101855962
    expect(f.se).toBeCloseTo(0.14422205101855962, 14);
    expect(f.ciLow).toBeCloseTo(0.8 - 1.959963984540054 * f.se, 12);
  });
  it("lag 0 is White's heteroskedasticity-robust error", () => {
    const f = neweyWestSlope([0, 1, 2, 3, 4], [1, 3, 2, 5, 4], { lag: 0 });
    expect(f.se).toBeCloseTo(Math.sqrt(4.16) / 10, 14);
  });
  it("Andrews' lag: 1.1447 (α n)^(1/3) with α = 4ρ²/(1−ρ²)²", () => {
    // [1..6]: ρ = 8.75/17.5 = 0.5, α = 1/0.5625, 1.1447·(6α)^(1/3) = 2.52 → 2
    expect(andrewsLag([1, 2, 3, 4, 5, 6])).toBe(2);
    // alternating: ρ = −5/6, the bandwidth 6.45 is capped at n − 1
    expect(andrewsLag([1, -1, 1, -1, 1, -1])).toBe(5);
    expect(andrewsLag([3, 3, 3])).toBe(0);
  });
  it("the robust rule takes at least ⌊√n⌋ lags", () => {
    const x = Array.from({ length: 100 }, (_, i) => i);
    const y = x.map((v) => 2 - 0.01 * v + 0.1 * Math.sin(v * 2.1));
    const f = neweyWestSlope(x, y, { lag: "robust" });
    expect(f.lag).toBeGreaterThanOrEqual(10);
    expect(f.slope).toBeCloseTo(neweyWestSlope(x, y).slope, 14);
  });
  it("automatic lag: floor(4 (n/100)^(2/9))", () => {
    expect(neweyWestLag(100)).toBe(4);
    expect(neweyWestLag(1000)).toBe(6);
    expect(neweyWestLag(10)).toBe(2);
  });
  // HAC intervals undercover in small samples with strong autocorrelation (a known property of the Bartlett
  // kernel); the point is the ordering and that the data-dependent lag gets close to the nominal level.
  it("on AR(1) noise (ρ = 0.7) Andrews' lag covers the true slope best; the fixed rule less; OLS far less", () => {
    const rng = new Rng(11);
    let hac = 0;
    let fixed = 0;
    let ols = 0;
    const reps = 300;
    for (let r = 0; r < reps; r++) {
      const n = 200;
      const x: number[] = [];
      const y: number[] = [];
      let e = 0;
      for (let i = 0; i < n; i++) {
        e = 0.7 * e + rng.normal();
        x.push(i);
        y.push(2 - 0.01 * i + e);
      }
      const f = neweyWestSlope(x, y, { lag: "andrews" });
      if (f.ciLow <= -0.01 && -0.01 <= f.ciHigh) hac++;
      const g = neweyWestSlope(x, y);
      if (g.ciLow <= -0.01 && -0.01 <= g.ciHigh) fixed++;
      const z = 1.959963984540054;
      if (f.slope - z * f.seOls <= -0.01 && -0.01 <= f.slope + z * f.seOls) ols++;
    }
    expect(hac / reps).toBeGreaterThan(0.8);
    expect(fixed / reps).toBeLessThan(hac / reps);
    expect(ols / reps).toBeLessThan(fixed / reps - 0.1);
  });
});

describe("slope per doubling", () => {
  it("regresses on log2 x (numpy reference, lag 2)", () => {
    const xs = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89];
    const ys = [10.0, 9.1, 8.7, 8.9, 8.0, 7.6, 7.9, 7.1, 7.0, 6.6];
    const f = slopePerDoubling(xs, ys, { lag: 2 });
    expect(f.slope).toBeCloseTo(-0.48958983, 7);
    expect(f.se).toBeCloseTo(0.02034261385580369, 12);
  });
  it("an exact log curve has slope −a·ln 2 per doubling", () => {
    const x = Array.from({ length: 100 }, (_, i) => i + 1);
    const f = slopePerDoubling(
      x,
      x.map((v) => 5 - 0.3 * Math.log(v)),
    );
    expect(f.slope).toBeCloseTo(-0.3 * Math.LN2, 12);
  });
  it("trailing windows measured back from the end", () => {
    const x = Array.from({ length: 1000 }, (_, i) => i + 1);
    const y = x.map((v) => 3 + 10 / Math.sqrt(v));
    const w = trailingSlopes(x, y, { fractions: [0.1, 0.5] });
    expect(w.map((s) => s.xFrom)).toEqual([901, 501]);
    expect(w[0].fit.slope).toBeGreaterThan(w[1].fit.slope); // flatter at the end
  });
});
