import { type Numbers, zForLevel } from "./stats.js";

/** A straight-line fit y = intercept + slope·x with an autocorrelation-robust interval on the slope. */
export interface SlopeFit {
  n: number;
  slope: number;
  intercept: number;
  /** Newey–West (HAC) standard error of the slope. */
  se: number;
  /** Plain OLS standard error (iid errors), for comparison: autocorrelated noise makes it too small. */
  seOls: number;
  /** Bartlett-kernel truncation lag used. */
  lag: number;
  level: number;
  ciLow: number;
  ciHigh: number;
}

/** Newey & West's (1994) automatic lag rule: floor(4·(n/100)^(2/9)). */
export function neweyWestLag(n: number): number {
  return Math.floor(4 * (n / 100) ** (2 / 9));
}

/** How the Bartlett truncation lag is chosen: a number, or a rule (see neweyWestSlope). */
export type LagRule = number | "andrews" | "robust";

/**
 * Andrews' (1991) data-dependent bandwidth for the Bartlett kernel with an AR(1) plug-in:
 * S = 1.1447·(α·n)^(1/3), α = 4ρ²/(1 − ρ²)², ρ the lag-1 autocorrelation of the residuals (clamped to ±0.97).
 * Loss noise is strongly autocorrelated; the fixed Newey–West rule then truncates too early and the interval
 * undercovers. Returns the lag L = ⌊S⌋.
 */
export function andrewsLag(residuals: Numbers): number {
  const n = residuals.length;
  if (n < 3) return 0;
  let m = 0;
  for (let i = 0; i < n; i++) m += residuals[i];
  m /= n;
  let c0 = 0;
  let c1 = 0;
  for (let i = 0; i < n; i++) {
    const d = residuals[i] - m;
    c0 += d * d;
    if (i > 0) c1 += d * (residuals[i - 1] - m);
  }
  const rho = c0 > 0 ? Math.max(-0.97, Math.min(0.97, c1 / c0)) : 0;
  const alpha = (4 * rho * rho) / (1 - rho * rho) ** 2;
  return Math.min(n - 1, Math.floor(1.1447 * (alpha * n) ** (1 / 3)));
}

/**
 * Ordinary least squares of y on [1, x] with the Newey–West (1987) heteroskedasticity- and
 * autocorrelation-consistent covariance:
 *
 *   V = (XᵀX)⁻¹ S (XᵀX)⁻¹,   S = Σₜ eₜ² xₜxₜᵀ + Σ_{l=1..L} (1 − l/(L+1)) Σ_{t>l} eₜ eₜ₋ₗ (xₜxₜ₋ₗᵀ + xₜ₋ₗxₜᵀ)
 *
 * with no small-sample correction (as in the paper; statsmodels' HAC with use_correction=False). The lag L is
 * given, or Newey & West's (1994) rule by default, "andrews" for Andrews' AR(1) plug-in, or "robust" for the
 * larger of Andrews' lag and ⌊√n⌋ — the AR(1) plug-in reads white noise plus a slow wobble (what loss curves
 * have: batch noise on top of data-order drift) as barely correlated and truncates far too early. The interval is
 * slope ± z·se with the normal quantile z (HAC inference is asymptotic). Points with a non-finite x or y are
 * dropped. x is centred internally for numerical stability; the intercept is reported for the original x.
 */
export function neweyWestSlope(
  xIn: Numbers,
  yIn: Numbers,
  opts: { lag?: LagRule; level?: number } = {},
): SlopeFit {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < yIn.length; i++) {
    if (Number.isFinite(xIn[i]) && Number.isFinite(yIn[i])) {
      xs.push(xIn[i]);
      ys.push(yIn[i]);
    }
  }
  const n = xs.length;
  const level = opts.level ?? 0.95;
  let lag = typeof opts.lag === "number" ? Math.min(opts.lag, Math.max(0, n - 1)) : neweyWestLag(n);
  if (n < 3) {
    return {
      n,
      slope: Number.NaN,
      intercept: Number.NaN,
      se: Number.NaN,
      seOls: Number.NaN,
      lag,
      level,
      ciLow: Number.NaN,
      ciHigh: Number.NaN,
    };
  }
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    sxx += dx * dx;
    sxy += dx * (ys[i] - my);
  }
  const slope = sxx > 0 ? sxy / sxx : Number.NaN;
  const b0c = my; // intercept in centred coordinates: with centred x, XᵀX is diagonal [n, sxx]
  const e = new Float64Array(n);
  const u = new Float64Array(n); // centred x
  let rss = 0;
  for (let i = 0; i < n; i++) {
    u[i] = xs[i] - mx;
    e[i] = ys[i] - b0c - slope * u[i];
    rss += e[i] * e[i];
  }
  if (opts.lag === "andrews") lag = andrewsLag(e);
  if (opts.lag === "robust") lag = Math.min(n - 1, Math.max(andrewsLag(e), Math.floor(Math.sqrt(n))));
  // Only the slope's variance is needed: with centred x, (XᵀX)⁻¹ is diag(1/n, 1/sxx), so
  // Var(slope) = S₁₁ / sxx², where S₁₁ is the (x, x) element of S.
  let s11 = 0;
  for (let t = 0; t < n; t++) s11 += e[t] * e[t] * u[t] * u[t];
  for (let l = 1; l <= lag; l++) {
    const w = 1 - l / (lag + 1);
    let acc = 0;
    for (let t = l; t < n; t++) acc += e[t] * e[t - l] * u[t] * u[t - l];
    s11 += 2 * w * acc;
  }
  const se = Math.sqrt(Math.max(0, s11)) / sxx;
  const seOls = Math.sqrt(rss / (n - 2) / sxx);
  const z = zForLevel(level);
  return {
    n,
    slope,
    intercept: my - slope * mx,
    se,
    seOls,
    lag,
    level,
    ciLow: slope - z * se,
    ciHigh: slope + z * se,
  };
}
