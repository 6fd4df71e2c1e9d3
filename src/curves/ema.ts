import type { Numbers } from "./stats.js";

/** TensorBoard's default smoothing weight (metrics_types.ts METRICS_SETTINGS_DEFAULT.scalarSmoothing). */
export const TENSORBOARD_DEFAULT_WEIGHT = 0.6;

/**
 * TensorBoard's debiased exponential moving average, exactly as its line chart computes it
 * (tensorboard/webapp/widgets/line_chart_v2/data_transformer.ts, classicSmoothing):
 *
 *   w clamped to [0, 1] (a non-finite w counts as 0)
 *   a series whose values all equal the first one (by ==, so NaN breaks it) is returned unchanged ("See #786")
 *   last = 0, n = 0; for each y:
 *     non-finite y → output y, and neither last nor n moves
 *     else last = last·w + (1 − w)·y; n += 1; output last / (w == 1 ? 1 : 1 − wⁿ)
 *
 * Smoothing is per point, not per x distance: its effective window depends on how densely the run logged.
 */
export function tensorboardEma(values: Numbers, weight = TENSORBOARD_DEFAULT_WEIGHT): Float64Array {
  let w = Number.isFinite(weight) ? weight : 0;
  w = Math.max(0, Math.min(w, 1));
  const n = values.length;
  const out = new Float64Array(n);
  let constant = true;
  // TensorBoard's points.every(p => p.y == points[0].y): the first point is compared with itself, so a
  // leading NaN makes the series non-constant.
  for (let i = 0; i < n; i++) {
    if (!(values[i] === values[0])) {
      constant = false;
      break;
    }
  }
  if (constant) {
    for (let i = 0; i < n; i++) out[i] = values[i];
    return out;
  }
  let last = 0;
  let count = 0;
  // once wⁿ < 1e-17, 1 − wⁿ rounds to exactly 1 in double precision: skip the pow from there on (same values)
  let settled = w === 1;
  for (let i = 0; i < n; i++) {
    const y = values[i];
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    last = last * w + (1 - w) * y;
    count++;
    let debias = 1;
    if (!settled) {
      const p = w ** count;
      if (p < 1e-17) settled = true;
      else debias = 1 - p;
    }
    out[i] = last / debias;
  }
  return out;
}

/**
 * Density-aware debiased EMA (the "time-weighted EMA" W&B uses by default): the decay between two points depends
 * on their x distance, not on how many points lie between them, so a run logged every step and one logged every
 * 100 steps smooth alike. `halfLife` is in x units: a point's weight halves every `halfLife` of x.
 * Non-finite values pass through without moving the average, as in tensorboardEma.
 */
export function densityEma(x: Numbers, values: Numbers, halfLife: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let num = 0;
  let den = 0;
  let lastX = Number.NaN;
  for (let i = 0; i < n; i++) {
    const y = values[i];
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    if (!Number.isNaN(lastX) && halfLife > 0) {
      const decay = Math.exp((-Math.LN2 * Math.max(0, x[i] - lastX)) / halfLife);
      num *= decay;
      den *= decay;
    } else if (!(halfLife > 0)) {
      num = 0;
      den = 0;
    }
    num += y;
    den += 1;
    lastX = x[i];
    out[i] = num / den;
  }
  return out;
}
