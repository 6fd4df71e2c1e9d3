import { MAD_TO_SIGMA, mad, type Numbers } from "./stats.js";

/**
 * Segment costs for change-point search, each O(1) per segment from prefix sums.
 *  - `mean`: Σ(y − ȳ)² — a change in level (ruptures' "l2").
 *  - `linear`: residual sum of squares of a straight line over the segment — a change in level or slope
 *    (ruptures' "clinear"-like), which suits loss curves that trend inside every segment.
 * Both satisfy C(a,c) ≥ C(a,b) + C(b,c), which PELT's pruning needs.
 */
export type CostModel = "mean" | "linear";

class PrefixCost {
  private readonly sy: Float64Array;
  private readonly syy: Float64Array;
  private readonly st: Float64Array;
  private readonly stt: Float64Array;
  private readonly sty: Float64Array;

  constructor(
    y: Numbers,
    private readonly model: CostModel,
  ) {
    const n = y.length;
    // Centre y so the sums of squares do not cancel catastrophically for a curve far from zero.
    let m = 0;
    for (let i = 0; i < n; i++) m += y[i];
    m /= n || 1;
    this.sy = new Float64Array(n + 1);
    this.syy = new Float64Array(n + 1);
    this.st = new Float64Array(n + 1);
    this.stt = new Float64Array(n + 1);
    this.sty = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const v = y[i] - m;
      const t = i / (n || 1);
      this.sy[i + 1] = this.sy[i] + v;
      this.syy[i + 1] = this.syy[i] + v * v;
      this.st[i + 1] = this.st[i] + t;
      this.stt[i + 1] = this.stt[i] + t * t;
      this.sty[i + 1] = this.sty[i] + t * v;
    }
  }

  /** Cost of y[a..b). */
  cost(a: number, b: number): number {
    const m = b - a;
    const sy = this.sy[b] - this.sy[a];
    const syy = this.syy[b] - this.syy[a];
    const ssy = syy - (sy * sy) / m;
    if (this.model === "mean") return Math.max(0, ssy);
    if (m <= 2) return 0; // a line through one or two points fits exactly
    const st = this.st[b] - this.st[a];
    const stt = this.stt[b] - this.stt[a];
    const sty = this.sty[b] - this.sty[a];
    const sst = stt - (st * st) / m;
    const sxy = sty - (st * sy) / m;
    return Math.max(0, ssy - (sst > 0 ? (sxy * sxy) / sst : 0));
  }
}

export interface PeltResult {
  /** Indices where a new segment starts (each in 1..n−1), ascending. */
  changePoints: number[];
  /** Total cost + penalty·(#segments) of the optimal segmentation. */
  objective: number;
}

/**
 * PELT (Killick, Fearnhead & Eckley 2012): the exact minimiser of Σ C(segment) + β·(number of change points)
 * over all segmentations whose segments have at least `minSize` points, in O(n) expected time.
 *
 * Pruning with a minimum segment length: a candidate τ is dropped at time t only when
 * F(τ) + C(τ, s) > F(s) for s = t − minSize (a legal end) — valid for every later end because the segment
 * s..t' is then long enough; this keeps the result equal to plain optimal partitioning.
 */
export function pelt(y: Numbers, opts: { penalty: number; model?: CostModel; minSize?: number }): PeltResult {
  const n = y.length;
  const minSize = Math.max(1, opts.minSize ?? 2);
  const beta = opts.penalty;
  if (n < 2 * minSize) {
    return { changePoints: [], objective: n > 0 ? new PrefixCost(y, opts.model ?? "mean").cost(0, n) : 0 };
  }
  const c = new PrefixCost(y, opts.model ?? "mean");
  const F = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const last = new Int32Array(n + 1).fill(-1);
  F[0] = -beta;
  let cands: number[] = [0];
  for (let t = minSize; t <= n; t++) {
    let best = Number.POSITIVE_INFINITY;
    let arg = -1;
    for (const tau of cands) {
      if (t - tau < minSize) continue;
      const v = F[tau] + c.cost(tau, t) + beta;
      if (v < best) {
        best = v;
        arg = tau;
      }
    }
    F[t] = best;
    last[t] = arg;
    const s = t - minSize;
    const next: number[] = [];
    for (const tau of cands) {
      if (s >= minSize && s - tau >= minSize && Number.isFinite(F[s]) && F[tau] + c.cost(tau, s) > F[s])
        continue;
      next.push(tau);
    }
    // t becomes a candidate start once a segment ending at t is legal
    if (Number.isFinite(F[t]) && t >= minSize) next.push(t);
    cands = next;
  }
  const cps: number[] = [];
  for (let t = last[n]; t > 0; t = last[t]) cps.push(t);
  cps.reverse();
  return { changePoints: cps, objective: F[n] };
}

/**
 * A BIC-style penalty: `paramsPerChange`·σ̂²·ln n, with σ̂ estimated robustly from first differences
 * (MAD of Δy / √2 — insensitive to the trend and to level shifts). Use 2 for the mean model, 3 for linear.
 */
export function bicPenalty(y: Numbers, paramsPerChange: number): number {
  const n = y.length;
  if (n < 3) return 0;
  const d = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) d[i - 1] = y[i] - y[i - 1];
  const sigma = (MAD_TO_SIGMA * mad(d)) / Math.SQRT2;
  return paramsPerChange * sigma * sigma * Math.log(n);
}
