import { V } from "./simd";

// Elementwise kernels and column reductions. Every function takes the range [lo, hi) of work units it owns
// (the pool splits units across threads): CHUNK-element chunks for flat arrays, rows for row-wise work, and
// 4-column groups for column sums. Units never overlap and each output is reduced in a fixed order, so results
// do not depend on the thread count.

/** Elements per unit of the flat elementwise kernels. */
export const CHUNK: i32 = 8192;

/** y[n, c] += b[c] for rows n in [lo, hi). */
export function addBias(y: usize, b: usize, _N: i32, C: i32, lo: i32, hi: i32): void {
  const rowB = (<usize>C) << 2;
  for (let n = lo; n < hi; n++) {
    const row = y + <usize>n * rowB;
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = (<usize>c) << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(b + o)));
    }
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(b + o));
    }
  }
}

// One term of a column sum: v, or v·w (w from a second matrix), times a per-row scale r.
function term(v: v128, w: v128, r: v128, mode: i32): v128 {
  if (mode === 0) return v;
  if (mode === 1) return f32x4.mul(v, r);
  return f32x4.mul(f32x4.mul(w, r), v);
}

/**
 * dst[c] += Σ_n a[n, c] (mode 0), Σ_n a[n, c]·r[n] (mode 1) or Σ_n a[n, c]·b[n, c]·r[n] (mode 2), for column
 * groups [lo, hi) of 4 columns. Each column is summed over n in order; four groups share a pass over the rows.
 */
function columnSums(
  a: usize,
  b: usize,
  r: usize,
  mode: i32,
  dst: usize,
  N: i32,
  C: i32,
  lo: i32,
  hi: i32,
): void {
  const rowB = (<usize>C) << 2;
  const full = C >> 2; // groups with 4 real columns
  let g = lo;
  for (; g + 4 <= min(hi, full); g += 4) {
    let s0 = f32x4.splat(0);
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    const o = (<usize>g) << 4;
    let pa = a + o;
    let pb = b + o;
    let pr = r;
    for (let n = 0; n < N; n++) {
      const rn = mode !== 0 ? v128.load32_splat(pr) : s0;
      s0 = f32x4.add(s0, term(v128.load(pa), mode === 2 ? v128.load(pb) : rn, rn, mode));
      s1 = f32x4.add(s1, term(v128.load(pa, 16), mode === 2 ? v128.load(pb, 16) : rn, rn, mode));
      s2 = f32x4.add(s2, term(v128.load(pa, 32), mode === 2 ? v128.load(pb, 32) : rn, rn, mode));
      s3 = f32x4.add(s3, term(v128.load(pa, 48), mode === 2 ? v128.load(pb, 48) : rn, rn, mode));
      pa += rowB;
      pb += rowB;
      pr += 4;
    }
    const d = dst + o;
    v128.store(d, f32x4.add(v128.load(d), s0));
    v128.store(d, f32x4.add(v128.load(d, 16), s1), 16);
    v128.store(d, f32x4.add(v128.load(d, 32), s2), 32);
    v128.store(d, f32x4.add(v128.load(d, 48), s3), 48);
  }
  for (; g < hi; g++) {
    const c1 = min(C, g * 4 + 4);
    for (let c = g * 4; c < c1; c++) {
      let s: f32 = 0;
      const o = (<usize>c) << 2;
      for (let n = 0; n < N; n++) {
        const at = o + <usize>n * rowB;
        const v = load<f32>(a + at);
        const rn = mode !== 0 ? load<f32>(r + ((<usize>n) << 2)) : 1;
        s += mode === 0 ? v : mode === 1 ? v * rn : load<f32>(b + at) * rn * v;
      }
      store<f32>(dst + o, load<f32>(dst + o) + s);
    }
  }
}

/** db[c] += Σ_n dy[n, c] for column groups [lo, hi). */
export function biasGrad(dy: usize, db: usize, N: i32, C: i32, lo: i32, hi: i32): void {
  columnSums(dy, 0, 0, 0, db, N, C, lo, hi);
}

/** out = a + b over chunks [lo, hi). */
export function add(a: usize, b: usize, out: usize, n: i32, lo: i32, hi: i32): void {
  const i1 = min(n, hi * CHUNK);
  let i = lo * CHUNK;
  for (; i + 4 <= i1; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < i1; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** x *= s over chunks [lo, hi). */
export function scale(x: usize, s: f32, n: i32, lo: i32, hi: i32): void {
  const i1 = min(n, hi * CHUNK);
  const vs = f32x4.splat(s);
  let i = lo * CHUNK;
  for (; i + 4 <= i1; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(x + o, f32x4.mul(v128.load(x + o), vs));
  }
  for (; i < i1; i++) {
    const o = (<usize>i) << 2;
    store<f32>(x + o, load<f32>(x + o) * s);
  }
}

/** partial[u] = Σ x[i]² over chunk u, in float64, for chunks [lo, hi). */
export function sumSquares(x: usize, n: i32, partial: usize, lo: i32, hi: i32): void {
  for (let u = lo; u < hi; u++) {
    const i1 = min(n, (u + 1) * CHUNK);
    let i = u * CHUNK;
    let s0 = f64x2.splat(0);
    let s1 = s0;
    for (; i + 4 <= i1; i += 4) {
      const v = v128.load(x + ((<usize>i) << 2));
      const lo2 = f64x2.promote_low_f32x4(v);
      const hi2 = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
      s0 = f64x2.add(s0, f64x2.mul(lo2, lo2));
      s1 = f64x2.add(s1, f64x2.mul(hi2, hi2));
    }
    const s = f64x2.add(s0, s1);
    let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
    for (; i < i1; i++) {
      const v = <f64>load<f32>(x + ((<usize>i) << 2));
      t += v * v;
    }
    store<f64>(partial + ((<usize>u) << 3), t);
  }
}

// silu(g)·u with s = σ(g) = 1 / (1 + e^−g).
/** out = silu(gate) · up over chunks [lo, hi). */
export function swigluForward(gate: usize, up: usize, out: usize, n: i32, lo: i32, hi: i32): void {
  const i1 = min(n, hi * CHUNK);
  const one = f32x4.splat(1);
  let i = lo * CHUNK;
  for (; i + 4 <= i1; i += 4) {
    const o = (<usize>i) << 2;
    const g = v128.load(gate + o);
    const s = f32x4.div(one, f32x4.add(one, V.exp(f32x4.neg(g))));
    v128.store(out + o, f32x4.mul(f32x4.mul(g, s), v128.load(up + o)));
  }
  for (; i < i1; i++) {
    const o = (<usize>i) << 2;
    const g = load<f32>(gate + o);
    const s: f32 = 1 / (1 + Mathf.exp(-g));
    store<f32>(out + o, g * s * load<f32>(up + o));
  }
}

/** dgate = dout·up·σ(g)·(1 + g·(1 − σ(g))), dup = dout·silu(g), over chunks [lo, hi). */
export function swigluBackward(
  gate: usize,
  up: usize,
  dout: usize,
  dgate: usize,
  dup: usize,
  n: i32,
  lo: i32,
  hi: i32,
): void {
  const i1 = min(n, hi * CHUNK);
  const one = f32x4.splat(1);
  let i = lo * CHUNK;
  for (; i + 4 <= i1; i += 4) {
    const o = (<usize>i) << 2;
    const g = v128.load(gate + o);
    const d = v128.load(dout + o);
    const s = f32x4.div(one, f32x4.add(one, V.exp(f32x4.neg(g))));
    const u = v128.load(up + o);
    v128.store(dup + o, f32x4.mul(d, f32x4.mul(g, s)));
    const ds = f32x4.mul(s, V.fmadd(g, f32x4.sub(one, s), one));
    v128.store(dgate + o, f32x4.mul(f32x4.mul(d, u), ds));
  }
  for (; i < i1; i++) {
    const o = (<usize>i) << 2;
    const g = load<f32>(gate + o);
    const d = load<f32>(dout + o);
    const s: f32 = 1 / (1 + Mathf.exp(-g));
    store<f32>(dup + o, d * (g * s));
    store<f32>(dgate + o, d * load<f32>(up + o) * (s * (g * (1 - s) + 1)));
  }
}

/**
 * AdamW as PyTorch 1.13's _single_tensor_adamw computes it, over chunks [lo, hi):
 *   p *= decay (= 1 − lr·wd);  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
 *   p −= stepSize · m / (sqrt(v) / bc2Sqrt + eps)   with stepSize = lr / (1 − β1^t), bc2Sqrt = sqrt(1 − β2^t).
 */
export function adamw(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  decay: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  stepSize: f32,
  bc2Sqrt: f32,
  lo: i32,
  hi: i32,
): void {
  const i1 = min(n, hi * CHUNK);
  const vDecay = f32x4.splat(decay);
  const vb1 = f32x4.splat(beta1);
  const vb2 = f32x4.splat(beta2);
  const v1b1 = f32x4.splat(1 - beta1);
  const v1b2 = f32x4.splat(1 - beta2);
  const vEps = f32x4.splat(eps);
  const vStep = f32x4.splat(-stepSize);
  const vBc2 = f32x4.splat(bc2Sqrt);
  let i = lo * CHUNK;
  for (; i + 4 <= i1; i += 4) {
    const o = (<usize>i) << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(gi, v1b1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gi, gi), v1b2));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), vBc2), vEps);
    const pi = f32x4.mul(v128.load(p + o), vDecay);
    v128.store(p + o, f32x4.add(pi, f32x4.mul(f32x4.div(mi, denom), vStep)));
  }
  for (; i < i1; i++) {
    const o = (<usize>i) << 2;
    const gi = load<f32>(g + o);
    const mi = load<f32>(m + o) * beta1 + gi * (1 - beta1);
    const vi = load<f32>(v + o) * beta2 + gi * gi * (1 - beta2);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const denom = Mathf.sqrt(vi) / bc2Sqrt + eps;
    store<f32>(p + o, load<f32>(p + o) * decay + (mi / denom) * -stepSize);
  }
}

/** out[n, :] = table[ids[n], :] for rows [lo, hi). */
export function embeddingForward(ids: usize, table: usize, out: usize, C: i32, lo: i32, hi: i32): void {
  const rowB = (<usize>C) << 2;
  for (let n = lo; n < hi; n++) {
    const id = load<i32>(ids + ((<usize>n) << 2));
    memory.copy(out + <usize>n * rowB, table + <usize>id * rowB, rowB);
  }
}

/** dtable[ids[n], c] += dout[n, c] for every n in order, for this thread's 4-column groups [lo, hi). */
export function embeddingBackward(
  ids: usize,
  dout: usize,
  dtable: usize,
  N: i32,
  C: i32,
  lo: i32,
  hi: i32,
): void {
  const rowB = (<usize>C) << 2;
  const c0 = lo * 4;
  const c1 = min(C, hi * 4);
  for (let n = 0; n < N; n++) {
    const src = dout + <usize>n * rowB;
    const dst = dtable + <usize>load<i32>(ids + ((<usize>n) << 2)) * rowB;
    let c = c0;
    for (; c + 4 <= c1; c += 4) {
      const o = (<usize>c) << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (; c < c1; c++) {
      const o = (<usize>c) << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
}

/** dw[c] += Σ_n dy[n, c]·x[n, c]·rstd[n] (RMSNorm's weight gradient) for column groups [lo, hi). */
export function rmsnormBackwardDw(
  x: usize,
  rstd: usize,
  dy: usize,
  dw: usize,
  N: i32,
  C: i32,
  lo: i32,
  hi: i32,
): void {
  columnSums(dy, x, rstd, 2, dw, N, C, lo, hi);
}
