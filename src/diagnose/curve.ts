import { selectInPlace } from "../curves/stats.js";
import type { Run } from "../runs/run.js";
import type { Series } from "../runs/series.js";
import { SERIES } from "../runs/types.js";

/**
 * A series as the rules read it: ascending steps, finite values only (each column a flat array), with the
 * non-finite points kept aside for the nan rule. Tokens and epochs are NaN where the log did not carry them.
 */
export interface Curve {
  name: string;
  step: Float64Array;
  value: Float64Array;
  tokens: Float64Array;
  epoch: Float64Array;
  nonFinite: { step: number; value: number }[];
  /** Median distance between consecutive logged steps. */
  interval: number;
}

export function curveFromSeries(s: Series, scale = 1): Curve {
  const n = s.length;
  let sorted = true;
  for (let i = 1; i < n; i++) if (s.step[i] < s.step[i - 1]) sorted = false;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!sorted) order.sort((a, b) => s.step[a] - s.step[b] || a - b);
  const step = new Float64Array(n);
  const value = new Float64Array(n);
  const tokens = new Float64Array(n);
  const epoch = new Float64Array(n);
  const nonFinite: { step: number; value: number }[] = [];
  let m = 0;
  for (const i of order) {
    const v = s.value[i];
    if (!Number.isFinite(v)) {
      nonFinite.push({ step: s.step[i], value: v });
      continue;
    }
    // a repeated step (restarted job): the later write wins, as Series.normalize does
    const k = m > 0 && step[m - 1] === s.step[i] ? m - 1 : m++;
    step[k] = s.step[i];
    value[k] = v / scale;
    tokens[k] = s.tokens[i];
    epoch[k] = s.epoch[i];
  }
  const gaps = new Float64Array(Math.max(0, m - 1));
  for (let i = 1; i < m; i++) gaps[i - 1] = step[i] - step[i - 1];
  return {
    name: s.name,
    step: step.subarray(0, m),
    value: value.subarray(0, m),
    tokens: tokens.subarray(0, m),
    epoch: epoch.subarray(0, m),
    nonFinite,
    interval: gaps.length ? selectInPlace(gaps, gaps.length >> 1) : 1,
  };
}

/** The same curve with every value divided by `k` (a GA-inflated logged loss brought back to per-token scale). */
export function scaleCurve(c: Curve, k: number): Curve {
  return { ...c, value: c.value.map((v) => v / k) };
}

/** The run's training loss, evaluation loss, learning rate and gradient norm, by the names plateau uses. */
export function standardCurves(run: Run): {
  train?: Curve;
  eval?: Curve;
  evalName?: string;
  lr?: Curve;
  grad?: Curve;
} {
  const get = (name: string) => {
    const s = run.get(name);
    return s ? curveFromSeries(s) : undefined;
  };
  let evalName: string | undefined = run.get(SERIES.evalLoss) ? SERIES.evalLoss : undefined;
  if (!evalName) evalName = run.seriesNames().find((n) => /^eval\/.+\/loss$/.test(n));
  return {
    train: get(SERIES.trainLoss),
    eval: evalName ? get(evalName) : undefined,
    evalName,
    lr: get(SERIES.lr),
    grad: get(SERIES.gradNorm),
  };
}

/** Index range [from, to) of the points with from ≤ step ≤ to. */
export function stepRange(c: Curve, from: number, to: number): [number, number] {
  let lo = 0;
  let hi = c.step.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (c.step[m] < from) lo = m + 1;
    else hi = m;
  }
  let end = lo;
  while (end < c.step.length && c.step[end] <= to) end++;
  return [lo, end];
}
