import { V } from "./simd";

// Row-wise kernels: RMSNorm and rotary embedding. [lo, hi) is this thread's range of rows.

/** Qwen2RMSNorm forward: rstd[n] = 1/sqrt(mean(x[n]²) + eps), y[n] = x[n]·rstd[n]·w. */
export function rmsnormForward(
  x: usize,
  w: usize,
  eps: f32,
  y: usize,
  rstd: usize,
  C: i32,
  lo: i32,
  hi: i32,
): void {
  const rowB = (<usize>C) << 2;
  for (let n = lo; n < hi; n++) {
    const xr = x + <usize>n * rowB;
    const yr = y + <usize>n * rowB;
    let s0 = f32x4.splat(0);
    let s1 = s0;
    let c = 0;
    for (; c + 8 <= C; c += 8) {
      const a = v128.load(xr + ((<usize>c) << 2));
      const b = v128.load(xr + ((<usize>c) << 2), 16);
      s0 = V.fmadd(a, a, s0);
      s1 = V.fmadd(b, b, s1);
    }
    let ss = V.hsum(f32x4.add(s0, s1));
    for (; c < C; c++) {
      const a = load<f32>(xr + ((<usize>c) << 2));
      ss += a * a;
    }
    const r: f32 = 1 / Mathf.sqrt(ss / <f32>C + eps);
    store<f32>(rstd + ((<usize>n) << 2), r);
    const vr = f32x4.splat(r);
    c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = (<usize>c) << 2;
      v128.store(yr + o, f32x4.mul(f32x4.mul(v128.load(xr + o), vr), v128.load(w + o)));
    }
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      store<f32>(yr + o, load<f32>(xr + o) * r * load<f32>(w + o));
    }
  }
}

/**
 * RMSNorm backward for rows [lo, hi): with x̂ = x·rstd and g = dy·w,
 * dx += rstd · (g − x̂ · mean(g·x̂)).  (The weight gradient is a column sum: rmsnormBackwardDw.)
 */
export function rmsnormBackwardDx(
  x: usize,
  w: usize,
  rstd: usize,
  dy: usize,
  dx: usize,
  C: i32,
  lo: i32,
  hi: i32,
): void {
  const rowB = (<usize>C) << 2;
  for (let n = lo; n < hi; n++) {
    const xr = x + <usize>n * rowB;
    const dyr = dy + <usize>n * rowB;
    const dxr = dx + <usize>n * rowB;
    const r = load<f32>(rstd + ((<usize>n) << 2));
    const vr = f32x4.splat(r);
    let s = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = (<usize>c) << 2;
      const g = f32x4.mul(v128.load(dyr + o), v128.load(w + o));
      s = V.fmadd(g, f32x4.mul(v128.load(xr + o), vr), s);
    }
    let dot = V.hsum(s);
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      dot += load<f32>(dyr + o) * load<f32>(w + o) * (load<f32>(xr + o) * r);
    }
    const mean = dot / <f32>C;
    const vm = f32x4.splat(mean);
    c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = (<usize>c) << 2;
      const g = f32x4.mul(v128.load(dyr + o), v128.load(w + o));
      const xh = f32x4.mul(v128.load(xr + o), vr);
      const d = f32x4.mul(f32x4.sub(g, f32x4.mul(xh, vm)), vr);
      v128.store(dxr + o, f32x4.add(v128.load(dxr + o), d));
    }
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      const g = load<f32>(dyr + o) * load<f32>(w + o);
      const xh = load<f32>(xr + o) * r;
      store<f32>(dxr + o, load<f32>(dxr + o) + (g - xh * mean) * r);
    }
  }
}

/**
 * Rotary embedding in HF's half-split layout, in place on x [N, H, D] for rows [lo, hi):
 * (x1, x2) → (x1·cos − x2·sin, x2·cos + x1·sin) with cos/sin [maxPos, D/2] at row pos[n]; inverse negates sin.
 */
export function rope(
  x: usize,
  pos: usize,
  cosT: usize,
  sinT: usize,
  H: i32,
  D: i32,
  inverse: bool,
  lo: i32,
  hi: i32,
): void {
  const half = D >> 1;
  const halfB = (<usize>half) << 2;
  const rowB = (<usize>(H * D)) << 2;
  for (let n = lo; n < hi; n++) {
    const p = <usize>load<i32>(pos + ((<usize>n) << 2));
    const cr = cosT + p * halfB;
    const sr = sinT + p * halfB;
    for (let h = 0; h < H; h++) {
      const x1 = x + <usize>n * rowB + <usize>(h * D) * 4;
      const x2 = x1 + halfB;
      let i = 0;
      for (; i + 4 <= half; i += 4) {
        const o = (<usize>i) << 2;
        const c = v128.load(cr + o);
        const s = inverse ? f32x4.neg(v128.load(sr + o)) : v128.load(sr + o);
        const a = v128.load(x1 + o);
        const b = v128.load(x2 + o);
        v128.store(x1 + o, f32x4.sub(f32x4.mul(a, c), f32x4.mul(b, s)));
        v128.store(x2 + o, f32x4.add(f32x4.mul(b, c), f32x4.mul(a, s)));
      }
      for (; i < half; i++) {
        const o = (<usize>i) << 2;
        const c = load<f32>(cr + o);
        const s = inverse ? -load<f32>(sr + o) : load<f32>(sr + o);
        const a = load<f32>(x1 + o);
        const b = load<f32>(x2 + o);
        store<f32>(x1 + o, a * c - b * s);
        store<f32>(x2 + o, b * c + a * s);
      }
    }
  }
}
