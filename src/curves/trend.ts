import { type LagRule, neweyWestSlope, type SlopeFit } from "./regression.js";
import type { Numbers } from "./stats.js";

/**
 * Slope of y against log₂(x) — the change of the loss per doubling of steps (or tokens) — with a Newey–West
 * interval. Loss curves are close to straight lines in log x over long stretches, so "nats per doubling" is the
 * natural unit for "is it still going down?". Points with x ≤ 0 or non-finite values are dropped.
 */
export function slopePerDoubling(
  x: Numbers,
  y: Numbers,
  opts: { lag?: LagRule; level?: number } = {},
): SlopeFit {
  const lx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) lx[i] = x[i] > 0 ? Math.log2(x[i]) : Number.NaN;
  return neweyWestSlope(lx, y, opts);
}

export interface WindowSlope {
  /** Index range [from, to) of the window. */
  from: number;
  to: number;
  /** First and last x of the window. */
  xFrom: number;
  xTo: number;
  fit: SlopeFit;
}

/**
 * Slopes per doubling over trailing windows ending at the last point: one window for each `fraction` (of the
 * x span, measured back from the end), keeping windows with at least `minPoints` points. Ordered from the
 * shortest window to the longest.
 */
export function trailingSlopes(
  x: Numbers,
  y: Numbers,
  opts: { fractions?: number[]; minPoints?: number; lag?: LagRule; level?: number } = {},
): WindowSlope[] {
  const n = x.length;
  const out: WindowSlope[] = [];
  if (n === 0) return out;
  const fractions = opts.fractions ?? [0.1, 0.2, 0.3, 0.5];
  const minPoints = opts.minPoints ?? 10;
  const x0 = x[0];
  const x1 = x[n - 1];
  for (const f of fractions) {
    const start = x1 - f * (x1 - x0);
    let from = lowerBound(x, start);
    if (n - from < minPoints) from = Math.max(0, n - minPoints);
    if (n - from < minPoints) continue;
    const xs = Array.prototype.slice.call(x, from) as number[];
    const ys = Array.prototype.slice.call(y, from) as number[];
    out.push({
      from,
      to: n,
      xFrom: x[from],
      xTo: x1,
      fit: slopePerDoubling(xs, ys, { lag: opts.lag, level: opts.level }),
    });
  }
  return out;
}

/** First index i with x[i] ≥ v in an ascending array (x.length when none). */
export function lowerBound(x: Numbers, v: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
