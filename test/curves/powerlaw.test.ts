import { describe, expect, it } from "vitest";
import { fitPowerLaw, projectPowerLaw } from "../../src/curves/powerlaw.js";
import { Rng } from "../../src/util/rng.js";

describe("power-law learning curve L(t) = L∞ + a·t^−b", () => {
  it("recovers exact parameters from noise-free data", () => {
    const t = Array.from({ length: 500 }, (_, i) => 10 * (i + 1));
    const y = t.map((v) => 2.5 + 8 * v ** -0.4);
    const f = fitPowerLaw(t, y);
    expect(f.ok).toBe(true);
    expect(f.lInf).toBeCloseTo(2.5, 7);
    expect(f.a).toBeCloseTo(8, 5);
    expect(f.b).toBeCloseTo(0.4, 7);
    const p = projectPowerLaw(f, 10_000);
    expect(p.value).toBeCloseTo(2.5 + 8 * 10_000 ** -0.4, 7);
  });
  it("the interval on L∞ covers the truth at about its level (iid noise)", () => {
    const rng = new Rng(21);
    let cover = 0;
    let coverProj = 0;
    const reps = 200;
    const truth = (v: number) => 2 + 5 * v ** -0.5;
    for (let r = 0; r < reps; r++) {
      const t = Array.from({ length: 100 }, (_, i) => 10 * (i + 1));
      const y = t.map((v) => truth(v) + 0.01 * rng.normal());
      const f = fitPowerLaw(t, y);
      if (f.lInfCi[0] <= 2 && 2 <= f.lInfCi[1]) cover++;
      const p = projectPowerLaw(f, 2000);
      if (p.ci[0] <= truth(2000) && truth(2000) <= p.ci[1]) coverProj++;
    }
    expect(cover / reps).toBeGreaterThan(0.85);
    expect(cover / reps).toBeLessThan(0.995);
    expect(coverProj / reps).toBeGreaterThan(0.85);
  });
  it("refuses a stretch that is not decreasing, or too short", () => {
    const t = Array.from({ length: 50 }, (_, i) => i + 1);
    expect(
      fitPowerLaw(
        t,
        t.map((v) => 1 + 0.01 * v),
      ).ok,
    ).toBe(false);
    expect(fitPowerLaw([1, 2, 3], [3, 2, 1]).reason).toMatch(/fewer than 8/);
  });
});
