import { V } from "./simd";

// Softmax-family kernels: fused cross-entropy over the vocabulary and the causal softmax rows of attention.

/** Largest of x[0..n) (pmax: one instruction; a NaN in x makes the exps and the loss NaN anyway). */
function rowMax(x: usize, n: i32): f32 {
  let m0 = f32x4.splat(-Infinity);
  let m1 = m0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    m0 = f32x4.pmax(m0, v128.load(x + ((<usize>i) << 2)));
    m1 = f32x4.pmax(m1, v128.load(x + ((<usize>i) << 2), 16));
  }
  let m = V.hmax(f32x4.max(m0, m1));
  for (; i < n; i++) m = max(m, load<f32>(x + ((<usize>i) << 2)));
  return m;
}

/** out[i] = e^(x[i] − m) for i < n (out may be x, or 0 to only sum); returns Σ out[i] in float64. */
function expShiftSum(x: usize, out: usize, n: i32, m: f32): f64 {
  const vm = f32x4.splat(m);
  let s = f32x4.splat(0);
  let i = 0;
  // One vector per iteration: the exp's dozen registers leave no room for a second in flight.
  if (out !== 0) {
    for (; i + 4 <= n; i += 4) {
      const o = (<usize>i) << 2;
      const e = V.exp(f32x4.sub(v128.load(x + o), vm));
      v128.store(out + o, e);
      s = f32x4.add(s, e);
    }
  } else {
    for (; i + 4 <= n; i += 4) s = f32x4.add(s, V.exp(f32x4.sub(v128.load(x + ((<usize>i) << 2)), vm)));
  }
  let sum = <f64>V.hsum(s);
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const e = Mathf.exp(load<f32>(x + o) - m);
    if (out !== 0) store<f32>(out + o, e);
    sum += <f64>e;
  }
  return sum;
}

/** x[i] *= k for i < n. */
function scaleRow(x: usize, n: i32, k: f32): void {
  const vk = f32x4.splat(k);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(x + o, f32x4.mul(v128.load(x + o), vk));
  }
  for (; i < n; i++) store<f32>(x + ((<usize>i) << 2), load<f32>(x + ((<usize>i) << 2)) * k);
}

/**
 * Fused softmax cross-entropy for rows [lo, hi) of logits [N, V]: rowLoss[n] (float64) = logsumexp(row) −
 * row[target], or 0 for an ignored row (target −100). With grad, dlogits[n] = (softmax(row) − onehot)·gradScale
 * (0 for ignored rows); dlogits may be logits itself. One exponential per element: the exps are written to
 * dlogits, then scaled.
 */
export function crossEntropy(
  logits: usize,
  targets: usize,
  V_: i32,
  dlogits: usize,
  grad: bool,
  gradScale: f32,
  rowLoss: usize,
  lo: i32,
  hi: i32,
): void {
  const rowB = (<usize>V_) << 2;
  for (let n = lo; n < hi; n++) {
    const x = logits + <usize>n * rowB;
    const d = dlogits + <usize>n * rowB;
    const t = load<i32>(targets + ((<usize>n) << 2));
    if (t < 0) {
      store<f64>(rowLoss + ((<usize>n) << 3), 0);
      if (grad) memory.fill(d, 0, rowB);
      continue;
    }
    const xt = load<f32>(x + ((<usize>t) << 2));
    const m = rowMax(x, V_);
    const sum = expShiftSum(x, grad ? d : 0, V_, m);
    store<f64>(rowLoss + ((<usize>n) << 3), Math.log(sum) + <f64>m - <f64>xt);
    if (grad) {
      scaleRow(d, V_, <f32>(<f64>gradScale / sum));
      const dt = d + ((<usize>t) << 2);
      store<f32>(dt, load<f32>(dt) - gradScale);
    }
  }
}

/**
 * Causal softmax of one attention row in place: row[0..len) ← softmax, row[len..width) ← 0.
 * (len = t + 1 for query position t.)
 */
export function causalSoftmaxRow(row: usize, len: i32, width: i32): void {
  const m = rowMax(row, len);
  const sum = expShiftSum(row, row, len, m);
  scaleRow(row, len, <f32>(1 / sum));
  if (width > len) memory.fill(row + ((<usize>len) << 2), 0, (<usize>(width - len)) << 2);
}
