import type { Numbers } from "./stats.js";

/**
 * Downsampling for charts that never hides a spike: M4 (Jugel et al., VLDB 2014). The x range is cut into one
 * bucket per pixel column and each bucket keeps its first, last, minimum and maximum point, so the polyline drawn
 * through the kept points covers exactly the pixels the full series would. Never random sampling (TensorBoard
 * keeps 1000 random points per tag, Aim 500: both lose spikes).
 *
 * Works on indices, so any number of aligned columns (raw, smoothed, min/max bands) can be gathered with the
 * same selection. x must be ascending. Non-finite y: the first one of each bucket is kept, so a chart shows
 * the gap or the NaN marker where the run broke.
 */
export function m4Indices(
  x: Numbers,
  y: Numbers,
  buckets: number,
  scale: "linear" | "log" = "linear",
): number[] {
  if (x.length <= 4 * buckets) return Array.from({ length: x.length }, (_, i) => i);
  return m4OnAxis(axisPositions(x, scale), y, buckets);
}

/** x as positions on the axis: itself, or its natural log (−Infinity for x ≤ 0, which a log axis cannot show). */
function axisPositions(x: Numbers, scale: "linear" | "log"): Float64Array {
  const t = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++)
    t[i] = scale === "log" ? (x[i] > 0 ? Math.log(x[i]) : Number.NEGATIVE_INFINITY) : x[i];
  return t;
}

function m4OnAxis(tx: Float64Array, y: Numbers, buckets: number): number[] {
  const n = tx.length;
  // bucket edges over the range of the points that have a usable position
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = tx[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const width = hi > lo ? (hi - lo) / buckets : 1;
  const keep: number[] = [];
  let cur = -2;
  let first = -1;
  let last = -1;
  let iMin = -1;
  let iMax = -1;
  let bad = -1;
  const ids = [0, 0, 0, 0, 0];
  const flush = () => {
    if (first < 0) return;
    let m = 0;
    for (const v of [first, iMin, iMax, last, bad]) if (v >= 0) ids[m++] = v;
    const sorted = ids.slice(0, m).sort((a, b) => a - b);
    for (let k = 0; k < m; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) keep.push(sorted[k]);
  };
  for (let i = 0; i < n; i++) {
    const v = tx[i];
    // points a log axis cannot show (x ≤ 0) form one bucket of their own
    const b = Number.isFinite(v) ? Math.min(buckets - 1, Math.floor((v - lo) / width)) : -1;
    if (b !== cur) {
      flush();
      cur = b;
      first = i;
      iMin = -1;
      iMax = -1;
      bad = -1;
    }
    last = i;
    const yv = y[i];
    if (Number.isFinite(yv)) {
      if (iMin < 0 || yv < y[iMin]) iMin = i;
      if (iMax < 0 || yv > y[iMax]) iMax = i;
    } else if (bad < 0) bad = i;
  }
  flush();
  return keep;
}

/**
 * The indices a chart needs to be pixel-exact both on a linear and on a log x axis (the union of the two M4
 * selections), so the report's log-x toggle needs no second copy of the data: on a linear axis the early
 * steps are a few pixels wide, on a log axis they fill half the chart.
 */
export function chartIndices(x: Numbers, ys: Numbers[], width: number): number[] {
  const n = x.length;
  if (n <= 8 * width) return Array.from({ length: n }, (_, i) => i);
  const mark = new Uint8Array(n);
  const lin = axisPositions(x, "linear");
  const log = axisPositions(x, "log");
  for (const y of ys) {
    for (const i of m4OnAxis(lin, y, width)) mark[i] = 1;
    for (const i of m4OnAxis(log, y, width)) mark[i] = 1;
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (mark[i]) out.push(i);
  return out;
}

/** Gather a column at the given indices. */
export function take(a: Numbers, idx: number[]): number[] {
  const out = new Array<number>(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = a[idx[k]];
  return out;
}

/**
 * Consecutive-index bucket means, for running statistics at a working resolution: n points become at most
 * `maxPoints` buckets of (nearly) equal count; each bucket reports the mean x, mean y over its finite values,
 * and its index range. Averaging k points divides independent noise by √k and keeps every trend.
 */
export function bucketMeans(
  x: Numbers,
  y: Numbers,
  maxPoints: number,
): { x: Float64Array; y: Float64Array; from: Int32Array; to: Int32Array } {
  const n = x.length;
  const nb = Math.min(n, Math.max(1, maxPoints));
  const bx = new Float64Array(nb);
  const by = new Float64Array(nb);
  const from = new Int32Array(nb);
  const to = new Int32Array(nb);
  let out = 0;
  for (let b = 0; b < nb; b++) {
    const i0 = Math.floor((b * n) / nb);
    const i1 = Math.floor(((b + 1) * n) / nb);
    let sx = 0;
    let sy = 0;
    let c = 0;
    for (let i = i0; i < i1; i++) {
      if (Number.isFinite(y[i]) && Number.isFinite(x[i])) {
        sx += x[i];
        sy += y[i];
        c++;
      }
    }
    if (c === 0) continue;
    bx[out] = sx / c;
    by[out] = sy / c;
    from[out] = i0;
    to[out] = i1 - 1;
    out++;
  }
  return {
    x: bx.subarray(0, out),
    y: by.subarray(0, out),
    from: from.subarray(0, out),
    to: to.subarray(0, out),
  };
}
