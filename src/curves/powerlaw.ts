import { invertSmall } from "./ols.js";
import { acf, type Numbers, zForLevel } from "./stats.js";

/**
 * L(t) = L∞ + a·t^(−b), the within-run learning curve at constant learning rate. Under a decaying LR the curve
 * depends on the schedule and this form does not apply: fit it on constant-LR stretches only.
 */
export interface PowerLawFit {
  ok: boolean;
  /** Why the fit was not possible (too few points, curve not decreasing, …) when ok is false. */
  reason?: string;
  lInf: number;
  a: number;
  b: number;
  n: number;
  /** Residual standard deviation. */
  sigma: number;
  /** Lag-1 autocorrelation of the residuals and the variance inflation (1+ρ)/(1−ρ) applied to the covariance. */
  rho1: number;
  inflation: number;
  /**
   * The fit runs in t/tScale (tScale = the largest t) for conditioning: `aScaled` = a·tScale^(−b), and `cov` is
   * the covariance of (L∞, aScaled, b), inflated for autocorrelated residuals.
   */
  tScale: number;
  aScaled: number;
  cov: number[][];
  level: number;
  lInfCi: [number, number];
  /** Whether b hit the edge of the search range (then L∞ is poorly determined). */
  atBound: boolean;
}

export interface Projection {
  t: number;
  value: number;
  ci: [number, number];
}

const B_MIN = 0.01;
const B_MAX = 4;

/**
 * Least-squares fit by variable projection: for a fixed b the model is linear in (L∞, a), so the residual sum of
 * squares RSS(b) is exact in closed form; b is found by a log-spaced grid and golden-section refinement. The
 * covariance is the Gauss–Newton one, s²(JᵀJ)⁻¹ with J = [1, t^−b, −a·t^−b·ln t], multiplied by the AR(1)
 * inflation (1+ρ₁)/(1−ρ₁) when the residuals are positively autocorrelated (loss noise is). The interval on L∞
 * is L∞ ± z·√Var(L∞) — asymptotic, and honest about how little a short stretch says about the asymptote.
 */
export function fitPowerLaw(tIn: Numbers, yIn: Numbers, opts: { level?: number } = {}): PowerLawFit {
  const level = opts.level ?? 0.95;
  const ts: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < yIn.length; i++) {
    if (tIn[i] > 0 && Number.isFinite(tIn[i]) && Number.isFinite(yIn[i])) {
      ts.push(tIn[i]);
      ys.push(yIn[i]);
    }
  }
  const n = ts.length;
  const fail = (reason: string): PowerLawFit => ({
    ok: false,
    reason,
    lInf: Number.NaN,
    a: Number.NaN,
    b: Number.NaN,
    tScale: Number.NaN,
    aScaled: Number.NaN,
    n,
    sigma: Number.NaN,
    rho1: Number.NaN,
    inflation: Number.NaN,
    cov: [],
    level,
    lInfCi: [Number.NaN, Number.NaN],
    atBound: false,
  });
  if (n < 8) return fail("fewer than 8 points");
  const t = Float64Array.from(ts);
  const y = Float64Array.from(ys);
  const tScale = t.reduce((m, v) => Math.max(m, v), 0);
  const lnT = t.map((v) => Math.log(v / tScale));
  if (lnT.reduce((m, v) => Math.min(m, v), 0) > -1e-9) return fail("the stretch has no extent in t");

  const solve = (b: number) => {
    let su = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      su += Math.exp(-b * lnT[i]);
      sy += y[i];
    }
    const mu = su / n;
    const my = sy / n;
    let suu = 0;
    let suy = 0;
    for (let i = 0; i < n; i++) {
      const u = Math.exp(-b * lnT[i]) - mu;
      suu += u * u;
      suy += u * (y[i] - my);
    }
    const a = suu > 0 ? suy / suu : 0;
    const lInf = my - a * mu;
    let rss = 0;
    for (let i = 0; i < n; i++) rss += (y[i] - lInf - a * Math.exp(-b * lnT[i])) ** 2;
    return { a, lInf, rss };
  };

  // grid over log b, then golden section around the best grid point
  const G = 48;
  const lo = Math.log(B_MIN);
  const hi = Math.log(B_MAX);
  let bestK = 0;
  let bestRss = Number.POSITIVE_INFINITY;
  for (let k = 0; k <= G; k++) {
    const r = solve(Math.exp(lo + ((hi - lo) * k) / G)).rss;
    if (r < bestRss) {
      bestRss = r;
      bestK = k;
    }
  }
  let a0 = lo + ((hi - lo) * Math.max(0, bestK - 1)) / G;
  let b0 = lo + ((hi - lo) * Math.min(G, bestK + 1)) / G;
  const gr = (Math.sqrt(5) - 1) / 2;
  let c = b0 - gr * (b0 - a0);
  let d = a0 + gr * (b0 - a0);
  let fc = solve(Math.exp(c)).rss;
  let fd = solve(Math.exp(d)).rss;
  for (let it = 0; it < 80 && b0 - a0 > 1e-10; it++) {
    if (fc < fd) {
      b0 = d;
      d = c;
      fd = fc;
      c = b0 - gr * (b0 - a0);
      fc = solve(Math.exp(c)).rss;
    } else {
      a0 = c;
      c = d;
      fc = fd;
      d = a0 + gr * (b0 - a0);
      fd = solve(Math.exp(d)).rss;
    }
  }
  const b = Math.exp((a0 + b0) / 2);
  const { a: aScaled, lInf, rss } = solve(b);
  const a = aScaled * tScale ** b;
  if (!(a > 0)) return fail("the stretch is not decreasing (a ≤ 0)");
  const atBound = bestK === 0 || bestK === G;

  const sigma2 = rss / Math.max(1, n - 3);
  const resid = new Float64Array(n);
  const J = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const u = Math.exp(-b * lnT[i]);
    resid[i] = y[i] - lInf - aScaled * u;
    J[i * 3] = 1;
    J[i * 3 + 1] = u;
    J[i * 3 + 2] = -aScaled * u * lnT[i];
  }
  const rho1 = acf(resid, 1)[1];
  const inflation = rho1 > 0 ? (1 + Math.min(rho1, 0.95)) / (1 - Math.min(rho1, 0.95)) : 1;
  const jtj = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) jtj[p][q] += J[i * 3 + p] * J[i * 3 + q];
  }
  const inv = invertSmall(jtj);
  const cov = inv.map((row) => row.map((v) => v * sigma2 * inflation));
  const z = zForLevel(level);
  const se = Math.sqrt(Math.max(0, cov[0][0]));
  return {
    ok: true,
    lInf,
    a,
    b,
    tScale,
    aScaled,
    n,
    sigma: Math.sqrt(sigma2),
    rho1,
    inflation,
    cov,
    level,
    lInfCi: [lInf - z * se, lInf + z * se],
    atBound,
  };
}

/** The fitted curve at t, with a delta-method interval from the fit's covariance. */
export function projectPowerLaw(fit: PowerLawFit, t: number): Projection {
  if (!fit.ok || !(t > 0)) return { t, value: Number.NaN, ci: [Number.NaN, Number.NaN] };
  const u = (t / fit.tScale) ** -fit.b;
  const value = fit.lInf + fit.aScaled * u;
  const g = [1, u, -fit.aScaled * u * Math.log(t / fit.tScale)];
  let v = 0;
  for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) v += g[p] * fit.cov[p][q] * g[q];
  const half = zForLevel(fit.level) * Math.sqrt(Math.max(0, v));
  return { t, value, ci: [value - half, value + half] };
}
