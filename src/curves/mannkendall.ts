import { acf, median, type Numbers, normalQuantile, normalSf, rankAverage, selectInPlace } from "./stats.js";

export interface SenSlope {
  /** Median of the pairwise slopes (y_j − y_i)/(x_j − x_i), i < j. */
  slope: number;
  /** median(y) − median(x)·slope (pymannkendall's convention). */
  intercept: number;
}

/**
 * Sen's (1968) slope estimator. With no x, x is the index 0..n−1 (slope per point, as in pymannkendall).
 * Non-finite y are dropped (with their x). O(n²) memory and time: keep n to a few thousand.
 */
export function senSlope(yIn: Numbers, xIn?: Numbers): SenSlope {
  const { x, y } = finitePairs(yIn, xIn);
  const n = y.length;
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN };
  const d = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = x[j] - x[i];
      if (dx !== 0) d[k++] = (y[j] - y[i]) / dx;
    }
  }
  const slopes = d.subarray(0, k);
  const slope = medianInPlace(slopes);
  return { slope, intercept: median(y) - median(x) * slope };
}

function medianInPlace(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const hi = selectInPlace(a, n >>> 1);
  if (n % 2 === 1) return hi;
  let lo = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n >>> 1; i++) if (a[i] > lo) lo = a[i];
  return (lo + hi) / 2;
}

function finitePairs(yIn: Numbers, xIn?: Numbers): { x: Float64Array; y: Float64Array } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < yIn.length; i++) {
    const xv = xIn ? xIn[i] : i;
    if (Number.isFinite(yIn[i]) && Number.isFinite(xv)) {
      ys.push(yIn[i]);
      xs.push(xv);
    }
  }
  if (!xIn) for (let i = 0; i < xs.length; i++) xs[i] = i; // index of the kept points, as numpy does after dropping NaN
  return { x: Float64Array.from(xs), y: Float64Array.from(ys) };
}

export interface MannKendall {
  n: number;
  /** Kendall's S = Σ_{i<j} sign(y_j − y_i). */
  s: number;
  /** Var(S) under independence, with the tie correction. */
  varS: number;
  /** Var(S) after the Hamed–Rao correction (equal to varS in the original test). */
  varSCorrected: number;
  /** n/n*: the variance inflation factor from the significant autocorrelations of the detrended ranks. */
  correction: number;
  z: number;
  /** Two-sided p-value. */
  p: number;
  tau: number;
  trend: "increasing" | "decreasing" | "no trend";
  sen: SenSlope;
}

/**
 * Mann–Kendall trend test with Hamed & Rao's (1998) variance correction for autocorrelation, as
 * pymannkendall.hamed_rao_modification_test defines it:
 *
 *   S, Var(S) with ties: (n(n−1)(2n+5) − Σ t(t−1)(2t+5)) / 18
 *   detrend with Sen's slope: y_i − (i+1)·β, rank (average ties), autocorrelation ρ_k of the ranks
 *   n/n* = 1 + 2/(n(n−1)(n−2)) · Σ_{k=1}^{lag−1} (n−k)(n−k−1)(n−k−2)·ρ_k over the ρ_k outside ±z_{1−α/2}/√n
 *   Z = (S − sign(S))/√(Var(S)·n/n*), p = 2·(1 − Φ(|Z|))
 *
 * `lag` (default: all) counts the first lags considered, as pymannkendall's `lag` argument (lag = L uses
 * ρ_1..ρ_L). `hamedRao: false` gives the original test. Non-finite values are skipped. O(n²): bucket long
 * curves first.
 */
export function mannKendall(
  yIn: Numbers,
  opts: { alpha?: number; lag?: number; hamedRao?: boolean } = {},
): MannKendall {
  const alpha = opts.alpha ?? 0.05;
  const { y } = finitePairs(yIn);
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    const yi = y[i];
    for (let j = i + 1; j < n; j++) {
      const d = y[j] - yi;
      s += d > 0 ? 1 : d < 0 ? -1 : 0;
    }
  }
  // tie groups
  const sorted = Float64Array.from(y).sort();
  let tieSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && sorted[j + 1] === sorted[i]) j++;
    const t = j - i + 1;
    tieSum += t * (t - 1) * (2 * t + 5);
    i = j + 1;
  }
  const varS = (n * (n - 1) * (2 * n + 5) - tieSum) / 18;
  const sen = senSlope(y);
  let correction = 1;
  if ((opts.hamedRao ?? true) && n >= 3) {
    const lagCount = opts.lag === undefined ? n : opts.lag + 1;
    const detrended = new Float64Array(n);
    for (let i = 0; i < n; i++) detrended[i] = y[i] - (i + 1) * sen.slope;
    const ranks = rankAverage(detrended);
    const rho = acf(ranks, Math.max(0, Math.min(lagCount - 1, n - 1)));
    const bound = normalQuantile(1 - alpha / 2) / Math.sqrt(n);
    let sum = 0;
    for (let k = 1; k < Math.min(lagCount, rho.length); k++) {
      if (rho[k] > bound || rho[k] < -bound) sum += (n - k) * (n - k - 1) * (n - k - 2) * rho[k];
    }
    correction = 1 + (2 / (n * (n - 1) * (n - 2))) * sum;
  }
  const varSCorrected = varS * correction;
  const z = s > 0 ? (s - 1) / Math.sqrt(varSCorrected) : s < 0 ? (s + 1) / Math.sqrt(varSCorrected) : 0;
  const p = 2 * normalSf(Math.abs(z));
  const h = Math.abs(z) > normalQuantile(1 - alpha / 2);
  return {
    n,
    s,
    varS,
    varSCorrected,
    correction,
    z,
    p,
    tau: n > 1 ? s / (0.5 * n * (n - 1)) : Number.NaN,
    trend: h ? (z < 0 ? "decreasing" : "increasing") : "no trend",
    sen,
  };
}
