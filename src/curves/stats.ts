/**
 * Small numeric building blocks for the curve statistics: order statistics, ranks, autocorrelation and the
 * normal distribution. Inputs are plain finite numbers; callers drop NaN first (each statistic says how).
 */

export type Numbers = ArrayLike<number>;

/** Scale factor that makes the median absolute deviation a consistent estimator of σ for normal data. */
export const MAD_TO_SIGMA = 1.482602218505602;

export function mean(a: Numbers, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return s / (to - from);
}

/** Sample variance (n − 1 in the denominator). */
export function variance(a: Numbers): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) ** 2;
  return s / (a.length - 1);
}

/** k-th smallest (0-based) of `a`, rearranging `a` in place (Hoare's quickselect with median-of-three). */
export function selectInPlace(a: Float64Array | number[], k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot keeps sorted inputs (common: loss curves) linear
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array | number[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** Median (mean of the two middle values for even n); NaN for an empty input. Does not modify `a`. */
export function median(a: Numbers): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const c = Float64Array.from(a);
  const hi = selectInPlace(c, n >>> 1);
  if (n % 2 === 1) return hi;
  // the lower middle is the largest of the lower half, which quickselect left in c[0 .. n/2)
  let lo = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n >>> 1; i++) if (c[i] > lo) lo = c[i];
  return (lo + hi) / 2;
}

/** Median absolute deviation from the median, unscaled (multiply by MAD_TO_SIGMA for a σ estimate). */
export function mad(a: Numbers, center = median(a)): number {
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = Math.abs(a[i] - center);
  return median(d);
}

/** Quantile with linear interpolation between order statistics (Hyndman–Fan type 7, numpy's default). */
export function quantile(a: Numbers, p: number): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const c = Float64Array.from(a);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const vlo = selectInPlace(c, lo);
  if (lo + 1 >= n || h === lo) return vlo;
  // the next order statistic is the smallest value above index lo, which quickselect left to its right
  let vhi = Number.POSITIVE_INFINITY;
  for (let i = lo + 1; i < n; i++) if (c[i] < vhi) vhi = c[i];
  return vlo + (h - lo) * (vhi - vlo);
}

/** Ranks 1..n with ties given the average of the ranks they span (scipy.stats.rankdata's "average"). */
export function rankAverage(a: Numbers): Float64Array {
  const n = a.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i] - a[j]);
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && a[idx[j + 1]] === a[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

/**
 * Sample autocorrelation at lags 0..maxLag: demeaned, autocovariances divided by n (the biased estimator used
 * by statsmodels' acf and by Hamed & Rao), normalised by the lag-0 value.
 */
export function acf(a: Numbers, maxLag: number): Float64Array {
  const n = a.length;
  const m = mean(a);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = a[i] - m;
  const out = new Float64Array(maxLag + 1);
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += y[i] * y[i];
  for (let k = 0; k <= maxLag; k++) {
    let c = 0;
    for (let i = k; i < n; i++) c += y[i] * y[i - k];
    out[k] = c0 === 0 ? (k === 0 ? 1 : 0) : c / c0;
  }
  return out;
}

const LN_SQRT_2PI = 0.9189385332046728;

/** Standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x - LN_SQRT_2PI);
}

/**
 * Upper tail Q(x) = 1 − Φ(x), accurate in relative terms in both tails: Marsaglia's Taylor series (2004) near
 * the centre, a Lentz continued fraction (Laplace's) beyond |x| = 3.
 */
export function normalSf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 1 - normalSf(-x);
  if (x < 3) {
    // Φ(x) − 1/2 = φ(x)·(x + x³/3 + x⁵/(3·5) + …)
    let s = x;
    let t = 0;
    let b = x;
    const q = x * x;
    let i = 1;
    while (s !== t) {
      t = s;
      i += 2;
      b *= q / i;
      s = t + b;
    }
    return 0.5 - s * normalPdf(x);
  }
  if (x > 40) return 0;
  // Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))), modified Lentz
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    d = x + k * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + k / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return normalPdf(x) / f;
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return x < 0 ? normalSf(-x) : 1 - normalSf(x);
}

/**
 * Standard normal quantile Φ⁻¹(p): Acklam's rational approximation (relative error < 1.2e-9), polished by one
 * Halley step against normalCdf/normalSf, which brings it to double precision.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // Halley refinement; the error term uses the tail that keeps relative precision.
  const e = p < 0.5 ? normalCdf(x) - p : 1 - p - normalSf(x);
  const u = e / normalPdf(x);
  return x - u / (1 + (x * u) / 2);
}

/** z such that a two-sided interval ±z covers `level` of a standard normal (1.96 for 0.95). */
export function zForLevel(level: number): number {
  return normalQuantile(0.5 + level / 2);
}
