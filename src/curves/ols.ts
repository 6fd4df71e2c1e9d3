import { acf, type Numbers } from "./stats.js";

/** Inverse of a small square matrix (k ≤ ~10) by Gauss–Jordan elimination with partial pivoting; NaN if singular. */
export function invertSmall(m: number[][]): number[][] {
  const k = m.length;
  const a = m.map((r, i) => [...r, ...Array.from({ length: k }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < k; col++) {
    let piv = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
    [a[col], a[piv]] = [a[piv], a[col]];
    const p = a[col][col];
    if (p === 0 || !Number.isFinite(p)) return m.map((r) => r.map(() => Number.NaN));
    for (let j = 0; j < 2 * k; j++) a[col][j] /= p;
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = a[r][col];
      if (f !== 0) for (let j = 0; j < 2 * k; j++) a[r][j] -= f * a[col][j];
    }
  }
  return a.map((r) => r.slice(k));
}

export interface OlsFit {
  beta: number[];
  /** Standard errors, inflated by the AR(1) factor (1+ρ₁)/(1−ρ₁) of the residuals when ρ₁ > 0. */
  se: number[];
  sigma: number;
  rho1: number;
  n: number;
}

/**
 * Least squares of y on the columns of X (rows of X are observations), with standard errors s²(XᵀX)⁻¹ inflated
 * for positively autocorrelated residuals by (1+ρ₁)/(1−ρ₁) (the AR(1) long-run variance factor): loss noise is
 * autocorrelated, and iid errors would overstate what a short window shows.
 */
export function ols(X: number[][], y: Numbers): OlsFit {
  const n = X.length;
  const k = X[0]?.length ?? 0;
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const r = X[i];
    for (let p = 0; p < k; p++) {
      xty[p] += r[p] * y[i];
      for (let q = 0; q < k; q++) xtx[p][q] += r[p] * r[q];
    }
  }
  const inv = invertSmall(xtx);
  const beta = inv.map((row) => row.reduce((s, v, q) => s + v * xty[q], 0));
  const resid = new Float64Array(n);
  let rss = 0;
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let p = 0; p < k; p++) f += X[i][p] * beta[p];
    resid[i] = y[i] - f;
    rss += resid[i] ** 2;
  }
  const s2 = rss / Math.max(1, n - k);
  const rho1 = n > 2 ? acf(resid, 1)[1] : 0;
  const r = Math.min(Math.max(rho1, 0), 0.95);
  const infl = (1 + r) / (1 - r);
  return {
    beta,
    se: inv.map((row, p) => Math.sqrt(Math.max(0, row[p] * s2 * infl))),
    sigma: Math.sqrt(s2),
    rho1,
    n,
  };
}
