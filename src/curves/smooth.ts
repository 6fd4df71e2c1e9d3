import { median, type Numbers } from "./stats.js";

/**
 * Centred running median over `window` points (odd; an even window is widened by one). Near the ends the
 * window is truncated to the points that exist, as pandas' rolling(center=True, min_periods=1) does. Non-finite
 * values are left out of every window; a point whose window holds no finite value gets NaN.
 *
 * O(n·w) with a sorted window kept by binary insertion: memmove-fast for the windows curves use (≤ a few
 * hundred points), and exact (no approximation of the median).
 */
export function runningMedian(values: Numbers, window: number): Float64Array {
  const n = values.length;
  const h = Math.max(0, Math.floor(window / 2));
  const out = new Float64Array(n);
  const win = new Float64Array(2 * h + 1);
  let size = 0;
  // first slot of the sorted window holding a value ≥ v
  const slot = (v: number) => {
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (win[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const insert = (v: number) => {
    const at = slot(v);
    win.copyWithin(at + 1, at, size);
    win[at] = v;
    size++;
  };
  const remove = (v: number) => {
    const at = slot(v);
    win.copyWithin(at, at + 1, size);
    size--;
  };
  for (let j = 0; j < Math.min(h, n); j++) if (Number.isFinite(values[j])) insert(values[j]);
  for (let i = 0; i < n; i++) {
    // drop before add: the sorted buffer holds at most 2h + 1 values
    const drop = i - h - 1;
    if (drop >= 0 && Number.isFinite(values[drop])) remove(values[drop]);
    const add = i + h;
    if (add < n && Number.isFinite(values[add])) insert(values[add]);
    if (size === 0) out[i] = Number.NaN;
    else if (size % 2 === 1) out[i] = win[size >>> 1];
    else out[i] = (win[size / 2 - 1] + win[size / 2]) / 2;
  }
  return out;
}

/**
 * Centred moving average over `window` points, truncated at the ends; non-finite values are skipped. O(n).
 */
export function movingAverage(values: Numbers, window: number): Float64Array {
  const n = values.length;
  const h = Math.max(0, Math.floor(window / 2));
  const out = new Float64Array(n);
  let sum = 0;
  let count = 0;
  for (let j = 0; j < Math.min(h, n); j++) {
    if (Number.isFinite(values[j])) {
      sum += values[j];
      count++;
    }
  }
  for (let i = 0; i < n; i++) {
    const add = i + h;
    if (add < n && Number.isFinite(values[add])) {
      sum += values[add];
      count++;
    }
    const drop = i - h - 1;
    if (drop >= 0 && Number.isFinite(values[drop])) {
      sum -= values[drop];
      count--;
    }
    out[i] = count > 0 ? sum / count : Number.NaN;
  }
  return out;
}

/**
 * A robust smoother for loss curves: a running median of `window` points (a spike shorter than half the window
 * cannot move it) followed by a moving average over a third of the window (removes the median's staircase).
 * Non-finite values are ignored; the output has no spikes and tracks level shifts within half a window.
 */
export function robustSmooth(values: Numbers, window: number): Float64Array {
  const med = runningMedian(values, window);
  const w2 = Math.max(1, Math.floor(window / 3)) | 1;
  return movingAverage(med, w2);
}

/**
 * A running median for long windows at O(n) cost: the series is cut into blocks of ⌈window/21⌉ points, each block
 * replaced by its median, a 21-block running median taken over those, and the result interpolated linearly
 * between block centres. Windows up to 101 points use the exact runningMedian. Like the exact one, an excursion
 * shorter than about half the window cannot move it — what a spike baseline needs when a run logs every step and
 * a spike lasts hundreds of points.
 */
export function blockRunningMedian(values: Numbers, window: number): Float64Array {
  const n = values.length;
  if (window <= 101 || n <= window) return runningMedian(values, window);
  const block = Math.ceil(window / 21);
  const nb = Math.ceil(n / block);
  const centers = new Float64Array(nb);
  const meds = new Float64Array(nb);
  const buf = new Float64Array(block);
  for (let b = 0; b < nb; b++) {
    const lo = b * block;
    const hi = Math.min(n, lo + block);
    let m = 0;
    for (let i = lo; i < hi; i++) if (Number.isFinite(values[i])) buf[m++] = values[i];
    meds[b] = m === 0 ? Number.NaN : median(buf.subarray(0, m));
    centers[b] = (lo + hi - 1) / 2;
  }
  const sm = runningMedian(meds, 21);
  const out = new Float64Array(n);
  let b = 0;
  for (let i = 0; i < n; i++) {
    while (b + 1 < nb && centers[b + 1] <= i) b++;
    if (i <= centers[0]) out[i] = sm[0];
    else if (b + 1 >= nb) out[i] = sm[nb - 1];
    else {
      const f = (i - centers[b]) / (centers[b + 1] - centers[b]);
      out[i] = sm[b] + f * (sm[b + 1] - sm[b]);
    }
  }
  return out;
}
