import { describe, expect, it } from "vitest";
import { invertSmall, ols } from "../../src/curves/ols.js";

describe("small least squares", () => {
  it("inverts a 3×3 matrix", () => {
    const m = [
      [4, 7, 2],
      [3, 6, 1],
      [2, 5, 3],
    ];
    const inv = invertSmall(m);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        const v = m[i].reduce((s, x, k) => s + x * inv[k][j], 0);
        expect(v).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    expect(
      invertSmall([
        [1, 2],
        [2, 4],
      ])[0][0],
    ).toBeNaN();
  });
  it("fits a line exactly and gives iid standard errors when residuals are uncorrelated", () => {
    // y = 1 + 2x + e, e = [1, −1, −1, 1]: β̂ = (1, 2) since e ⟂ [1, x] for x = 0..3 … not quite: check by hand
    // x̄ = 1.5, Σ(x − x̄)e = −1.5 + 0.5 − 0.5 + 1.5 = 0, Σe = 0 → β̂ = (1, 2); RSS = 4, s² = 2;
    // Var(slope) = s²/Σ(x − x̄)² = 2/5; ρ₁ of e = (−1 + 1 − 1)/4 < 0 → no inflation
    const f = ols(
      [0, 1, 2, 3].map((x) => [1, x]),
      [2, 2, 4, 8],
    );
    expect(f.beta[0]).toBeCloseTo(1, 12);
    expect(f.beta[1]).toBeCloseTo(2, 12);
    expect(f.se[1]).toBeCloseTo(Math.sqrt(2 / 5), 12);
  });
});
