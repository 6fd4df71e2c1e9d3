import { m4Indices } from "../curves/downsample.js";
import { densityEma, TENSORBOARD_DEFAULT_WEIGHT, tensorboardEma } from "../curves/ema.js";
import type { Numbers } from "../curves/stats.js";
import type { Run } from "../runs/run.js";
import type { Series } from "../runs/series.js";

/**
 * What a chart receives: a series smoothed at full resolution, then cut down to what the chart's pixels can
 * show. Order matters (TensorBoard #1518: smoothing after sampling makes the smoothing depend on the sample):
 *
 *   full series ──► x column (step, tokens or relative time; ascending, finite, > 0 on a log axis)
 *              ──► smoothed column over every point (TensorBoard's EMA, the density-aware EMA, or none)
 *              ──► M4 selection (first, last, min, max per pixel column) of the raw AND the smoothed values,
 *                  when the series has more than 4 points per pixel column; every spike survives
 *
 * Numbers travel as JSON with 7 significant digits (float32 precision; integers exact); non-finite values as
 * null, which the chart shows as a gap with a marker.
 */

export const SMOOTHINGS = ["density", "tb", "none"] as const;
export type Smoothing = (typeof SMOOTHINGS)[number];
export const X_AXES = ["step", "tokens", "time"] as const;
export type XAxis = (typeof X_AXES)[number];

export interface ChartOptions {
  /** Pixel columns of the chart (device pixels): the M4 bucket count. */
  width: number;
  smooth: Smoothing;
  /** Smoothing weight in [0, 1): TensorBoard's w; for the density EMA, the w it matches on 1000 even points. */
  weight: number;
  /** Density EMA half-life in x units (computed from the weight and the x range when absent). */
  halfLife?: number;
  x: XAxis;
  logx: boolean;
}

export const DEFAULT_CHART: ChartOptions = {
  width: 1000,
  smooth: "density",
  weight: TENSORBOARD_DEFAULT_WEIGHT,
  x: "step",
  logx: false,
};

/** The density EMA's viewport: its half-life is one 1000th of the x range times TensorBoard's per-point decay. */
const VIEWPORT_POINTS = 1000;

/** Series a smoother must leave alone: the LR is a schedule, not a noisy measurement. */
function isUnsmoothed(name: string): boolean {
  return /(^|\/)(lr|learning_rate)$/.test(name);
}

/** One series as chart columns: x ascending, with the step and the source index of every kept point. */
export interface Columns {
  x: Numbers;
  y: Numbers;
  step: Numbers;
  /** Index into the Series of each kept point; null when every point is kept in order (no copy was made). */
  src: Int32Array | null;
  /** The points had to be reordered to make x ascending (a live stream cannot simply append then). */
  reordered: boolean;
}

/** The earliest wall time of a run (origin of the relative-time axis, shared by all its series). */
export function runT0(run: Run): number {
  let t0 = Number.POSITIVE_INFINITY;
  for (const s of run.series.values()) {
    for (let i = 0; i < s.length; i++) {
      const w = s.wallTime[i];
      if (w < t0) t0 = w;
    }
  }
  return Number.isFinite(t0) ? t0 : 0;
}

const usable = (v: number, logx: boolean) => Number.isFinite(v) && (!logx || v > 0);

export function columns(s: Series, axis: XAxis, logx: boolean, t0: number): Columns {
  const n = s.length;
  // x = xs[i] - shift: the step, the tokens, or the wall time relative to the run's start
  const xs = axis === "step" ? s.step : axis === "tokens" ? s.tokens : s.wallTime;
  const shift = axis === "time" ? t0 : 0;
  // The common case, x = step logged in order: the series' own columns serve as they are.
  let plain = shift === 0;
  for (let i = 0; i < n && plain; i++)
    if (!usable(xs[i], logx) || (i > 0 && !(xs[i] >= xs[i - 1]))) plain = false;
  if (plain) return { x: xs, y: s.value, step: s.step, src: null, reordered: false };
  const x = new Float64Array(n);
  const keep = new Int32Array(n);
  let k = 0;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const xv = xs[i] - shift;
    if (!usable(xv, logx)) continue;
    if (k > 0 && xv < x[k - 1]) sorted = false;
    x[k] = xv;
    keep[k++] = i;
  }
  let src = keep.subarray(0, k);
  if (!sorted) {
    const xk = x.slice(0, k);
    const order = Int32Array.from({ length: k }, (_, j) => j).sort((a, b) => xk[a] - xk[b] || a - b);
    const moved = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      moved[j] = src[order[j]];
      x[j] = xk[order[j]];
    }
    src = moved;
  }
  const y = new Float64Array(k);
  const step = new Float64Array(k);
  const values = s.value;
  const steps = s.step;
  for (let j = 0; j < k; j++) {
    const i = src[j];
    y[j] = values[i];
    step[j] = steps[i];
  }
  return { x: x.subarray(0, k), y, step, src, reordered: !sorted };
}

/** a[from, to) without copying typed arrays. */
function view(a: Numbers, from: number, to: number): Numbers {
  if (from === 0 && to === a.length) return a;
  if (ArrayBuffer.isView(a)) return (a as Float64Array).subarray(from, to);
  return Array.prototype.slice.call(a, from, to) as number[];
}

/** The density EMA half-life (x units) that matches TensorBoard's weight w on `VIEWPORT_POINTS` even points. */
export function halfLifeFor(weight: number, xRange: number): number {
  if (!(weight > 0) || !(xRange > 0)) return 0;
  const w = Math.min(weight, 0.999);
  return ((xRange / VIEWPORT_POINTS) * Math.log(0.5)) / Math.log(w);
}

/**
 * The smoothed column. On a log x axis the density EMA works in ln x (its half-life then in ln units): the
 * early steps spread over half the chart there, and a half-life in steps would smear them into one lagging
 * line. TensorBoard's EMA is per point, so the axis does not change it.
 */
export function smoothColumn(
  name: string,
  c: Columns,
  opts: ChartOptions,
  halfLife: number,
): Float64Array | undefined {
  if (opts.smooth === "none" || isUnsmoothed(name)) return undefined;
  if (opts.smooth === "tb") return tensorboardEma(c.y, opts.weight);
  if (!opts.logx) return densityEma(c.x, c.y, halfLife);
  const lnx = new Float64Array(c.x.length);
  for (let i = 0; i < lnx.length; i++) lnx[i] = Math.log(c.x[i]);
  return densityEma(lnx, c.y, halfLife);
}

/**
 * Indices of the points a chart needs: all of them, or the union of the M4 selections of raw and smoothed.
 * With `range` (a zoomed chart), only the points with x in [lo, hi] plus one on each side (so the lines run to
 * the chart's edges) are considered; the smoothing was done before, over the whole series.
 */
export function chartIndices(
  c: Columns,
  smoothed: Float64Array | undefined,
  width: number,
  logx: boolean,
  range?: [number, number],
): Int32Array {
  let from = 0;
  let to = c.x.length;
  if (range) {
    from = Math.max(0, lowerBound(c.x, range[0]) - 1);
    to = Math.min(c.x.length, lowerBound(c.x, range[1], true) + 1);
  }
  const n = Math.max(0, to - from);
  if (n <= 4 * width) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = from + i;
    return all;
  }
  const scale = logx ? "log" : "linear";
  const x = view(c.x, from, to);
  const a = m4Indices(x, view(c.y, from, to), width, scale);
  const b = smoothed ? m4Indices(x, smoothed.subarray(from, to), width, scale) : [];
  // merge two ascending index lists without duplicates
  const out = new Int32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (k === 0 || out[k - 1] !== v + from) out[k++] = v + from;
  }
  return out.subarray(0, k);
}

/** First index with x[i] >= v (or > v when `after`), x ascending. */
function lowerBound(x: Numbers, v: number, after = false): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (after ? x[mid] <= v : x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A JSON array of numbers: integers exact, others to 7 significant digits, non-finite as null. */
export function jsonNumbers(a: ArrayLike<number>, idx?: ArrayLike<number>): string {
  const n = idx ? idx.length : a.length;
  const parts = new Array<string>(n);
  for (let k = 0; k < n; k++) parts[k] = jsonNumber(a[idx ? idx[k] : k]);
  return `[${parts.join(",")}]`;
}

export function jsonNumber(v: number): string {
  if (!Number.isFinite(v)) return "null";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return String(Number(v.toPrecision(7)));
}

/**
 * The x range over several column sets (for one half-life shared by every series of a chart request); in ln x
 * on a log axis, where the density EMA smooths in ln x.
 */
export function xRange(cols: Columns[], logx = false): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const c of cols) {
    if (c.x.length === 0) continue;
    lo = Math.min(lo, c.x[0]);
    hi = Math.max(hi, c.x[c.x.length - 1]);
  }
  if (!(hi > lo)) return 0;
  return logx ? Math.log(hi) - Math.log(lo) : hi - lo;
}

/**
 * One series encoded for a chart: `{"name","n","kept","downsampled","x","y","s"?,"step"?}` where n counts the
 * plottable points at full resolution and kept those sent. `step` accompanies x when x is not the step, so the
 * findings' step ranges can be placed on the chart.
 */
function encodeSeries(
  name: string,
  c: Columns,
  smoothed: Float64Array | undefined,
  idx: ArrayLike<number>,
  opts: ChartOptions,
): string {
  const parts = [
    `"name":${JSON.stringify(name)}`,
    `"n":${c.x.length}`,
    `"kept":${idx.length}`,
    `"downsampled":${idx.length < c.x.length}`,
    `"x":${jsonNumbers(c.x, idx)}`,
    `"y":${jsonNumbers(c.y, idx)}`,
  ];
  if (smoothed) parts.push(`"s":${jsonNumbers(smoothed, idx)}`);
  if (opts.x !== "step") parts.push(`"step":${jsonNumbers(c.step, idx)}`);
  return `{${parts.join(",")}}`;
}

/** The full chart payload of one run's series. */
export function runSeriesJson(
  names: string[],
  opts: ChartOptions,
  halfLife: number,
  cols: Map<string, Columns>,
  range?: [number, number],
): string {
  const out: string[] = [];
  for (const name of names) {
    const c = cols.get(name);
    if (!c) continue;
    const smoothed = smoothColumn(name, c, opts, halfLife);
    const idx = chartIndices(c, smoothed, opts.width, opts.logx, range);
    out.push(encodeSeries(name, c, smoothed, idx, opts));
  }
  return `[${out.join(",")}]`;
}

/** The columns of the requested series that exist in a run. */
export function runColumns(run: Run, names: string[], opts: ChartOptions, t0: number): Map<string, Columns> {
  const cols = new Map<string, Columns>();
  for (const name of names) {
    const s = run.get(name);
    if (s) cols.set(name, columns(s, opts.x, opts.logx, t0));
  }
  return cols;
}

/**
 * The points of a series from source index `from` on, with their smoothed values computed over the whole
 * series (so they continue the curve the client already has). Undefined when x had to be reordered: the
 * client must refetch rather than append.
 */
export function tailJson(
  run: Run,
  name: string,
  from: number,
  opts: ChartOptions,
  halfLife: number,
  t0: number,
): string | undefined | null {
  const s = run.get(name);
  if (!s || s.length <= from) return null;
  const c = columns(s, opts.x, opts.logx, t0);
  if (c.reordered) return undefined;
  const n = c.x.length;
  let p = n;
  while (p > 0 && (c.src ? c.src[p - 1] : p - 1) >= from) p--;
  if (p === n) return null;
  const smoothed = smoothColumn(name, c, opts, halfLife);
  const idx = new Int32Array(n - p);
  for (let k = 0; k < idx.length; k++) idx[k] = p + k;
  return encodeSeries(name, c, smoothed, idx, opts);
}
