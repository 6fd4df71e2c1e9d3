import { blockRunningMedian } from "./smooth.js";
import { MAD_TO_SIGMA, median, type Numbers } from "./stats.js";

/**
 * Robust z-scores of residuals with a local scale: the series is cut into blocks of `block` points, and each
 * point is scored as (r − median_block) / σ_block with σ = 1.4826·MAD of its block (the mean absolute deviation
 * ×1.2533 when more than half the residuals are equal, e.g. a loss logged with 4 decimals). A local scale keeps
 * the early, noisier part of a run from hiding spikes in the later, quieter part and vice versa.
 * Non-finite residuals get z = NaN.
 */
export function robustZ(residuals: Numbers, block = 500, floor = 0): Float64Array {
  const n = residuals.length;
  const z = new Float64Array(n);
  const nb = Math.max(1, Math.round(n / block));
  const vals = new Float64Array(Math.ceil(n / nb) + 1);
  for (let b = 0; b < nb; b++) {
    const from = Math.floor((b * n) / nb);
    const to = Math.floor(((b + 1) * n) / nb);
    let m = 0;
    for (let i = from; i < to; i++) if (Number.isFinite(residuals[i])) vals[m++] = residuals[i];
    const v = vals.subarray(0, m);
    const med = median(v);
    let sigma = 0;
    if (m > 0) {
      const dev = new Float64Array(m);
      let sum = 0;
      for (let i = 0; i < m; i++) {
        dev[i] = Math.abs(v[i] - med);
        sum += dev[i];
      }
      sigma = MAD_TO_SIGMA * median(dev);
      if (sigma === 0) sigma = (1.2533141373155001 * sum) / m;
    }
    sigma = Math.max(sigma, floor, 1e-12);
    for (let i = from; i < to; i++)
      z[i] = Number.isFinite(residuals[i]) ? (residuals[i] - med) / sigma : Number.NaN;
  }
  return z;
}

export interface Spike {
  /** Index of the peak (largest z). */
  index: number;
  /** First and last index of the excursion (z above half the threshold around the peak). */
  from: number;
  to: number;
  value: number;
  /** Running-median baseline at the peak. */
  baseline: number;
  z: number;
}

export interface SpikeOptions {
  /**
   * Running-median window for the baseline, in points (default 21). Make it longer than the spikes to find: an
   * excursion longer than half the window becomes part of the baseline. Windows over 101 points use the O(n)
   * block median.
   */
  window?: number;
  /** Robust z above which a point is a spike (default 6). */
  threshold?: number;
  /** Block length for the local scale (default 500 points, and at least twice the window). */
  block?: number;
  /** Upward spikes only (losses, grad norms) or both directions. */
  side?: "up" | "both";
  /** Points at the start to ignore: the running median lags the initial steep descent (default window/2). */
  skipStart?: number;
  /** Lower bound on the noise scale, in value units, so a quantised or nearly constant series is not all spikes. */
  minScale?: number;
}

/**
 * Spikes: points far above a running-median baseline in robust-z units, grouped into excursions. A spike
 * shorter than half the window cannot move the median, so the baseline stays on the underlying curve.
 */
export function detectSpikes(y: Numbers, opts: SpikeOptions = {}): Spike[] {
  const n = y.length;
  const window = opts.window ?? 21;
  const threshold = opts.threshold ?? 6;
  const skip = opts.skipStart ?? Math.floor(window / 2);
  const base = blockRunningMedian(y, window);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = i < skip ? Number.NaN : y[i] - base[i];
  // the scale's blocks must outlast the spikes too, or a long spike becomes its own block's noise
  const z = robustZ(r, Math.max(opts.block ?? 500, 2 * window), opts.minScale ?? 0);
  const score = (i: number) => (opts.side === "both" ? Math.abs(z[i]) : z[i]);
  const spikes: Spike[] = [];
  let i = 0;
  while (i < n) {
    if (!(score(i) > threshold)) {
      i++;
      continue;
    }
    // an excursion: extend while above half the threshold
    let from = i;
    while (from > 0 && score(from - 1) > threshold / 2) from--;
    let to = i;
    while (to + 1 < n && score(to + 1) > threshold / 2) to++;
    let peak = from;
    for (let k = from; k <= to; k++) if (score(k) > score(peak)) peak = k;
    spikes.push({ index: peak, from, to, value: y[peak], baseline: base[peak], z: z[peak] });
    i = to + 1;
  }
  return spikes;
}

export interface CoupledSpike extends Spike {
  /** The grad-norm spike that falls within the tolerance of this one, if any. */
  coupled?: { index: number; z: number; distance: number };
}

/**
 * Pair each loss spike with the nearest grad-norm spike whose x lies within `tolerance` of the loss spike's
 * excursion [x(from) − tol, x(to) + tol]. Loss and grad norm are usually logged at the same steps but need not be.
 */
export function coupleSpikes(
  lossSpikes: Spike[],
  lossX: Numbers,
  gradSpikes: Spike[],
  gradX: Numbers,
  tolerance: number,
): CoupledSpike[] {
  return lossSpikes.map((s) => {
    const lo = lossX[s.from] - tolerance;
    const hi = lossX[s.to] + tolerance;
    let best: CoupledSpike["coupled"];
    for (const g of gradSpikes) {
      const gx0 = gradX[g.from];
      const gx1 = gradX[g.to];
      if (gx1 < lo || gx0 > hi) continue;
      const d = Math.abs(gradX[g.index] - lossX[s.index]);
      if (!best || d < best.distance) best = { index: g.index, z: g.z, distance: d };
    }
    return best ? { ...s, coupled: best } : { ...s };
  });
}
