import { gemmTri, TRI_A_LOWER, TRI_A_UPPER, TRI_C_LOWER } from "./gemm";
import { V } from "./simd";
import { causalSoftmaxRow } from "./softmax";

// Causal grouped-query attention (see Ops.attentionForward/Backward in src/engine/ops.ts). The unit of work is one
// (sequence b, kv head g) pair: it owns the query heads h = g·rep … g·rep + rep − 1 and is the only writer of
// dk/dv for (b, g), so threads never race and every sum runs in a fixed order. Per head the work is a handful
// of single-threaded GEMMs on the strided [T, D] slices, with the triangular modes skipping the masked half.

/**
 * q [N, H, D], k/v [N, KV, D], att [B, H, T, T] (probabilities, 0 above the diagonal), out [N, H, D] for the
 * (b, g) pairs [lo, hi) (unit u = b·KV + g).
 */
export function attentionForward(
  q: usize,
  k: usize,
  v: usize,
  att: usize,
  out: usize,
  T: i32,
  H: i32,
  KV: i32,
  D: i32,
  scale: f32,
  lo: i32,
  hi: i32,
): void {
  const rep = H / KV;
  const TT = <usize>T * <usize>T * 4;
  for (let u = lo; u < hi; u++) {
    const b = u / KV;
    const g = u % KV;
    const kg = k + <usize>(b * T * KV + g) * <usize>D * 4;
    const vg = v + <usize>(b * T * KV + g) * <usize>D * 4;
    for (let h = g * rep; h < (g + 1) * rep; h++) {
      const qh = q + <usize>(b * T * H + h) * <usize>D * 4;
      const oh = out + <usize>(b * T * H + h) * <usize>D * 4;
      const ah = att + <usize>(b * H + h) * TT;
      // S = scale · Q_h·K_gᵀ, lower triangle only  [T, T]
      gemmTri(false, true, T, T, D, scale, qh, H * D, kg, KV * D, 0, ah, T, TRI_C_LOWER);
      for (let t = 0; t < T; t++) causalSoftmaxRow(ah + <usize>t * <usize>T * 4, t + 1, T);
      // O_h = A·V_g  [T, D]
      gemmTri(false, false, T, D, T, 1, ah, T, vg, KV * D, 0, oh, H * D, TRI_A_LOWER);
    }
  }
}

/**
 * Backward of attentionForward for the (b, g) pairs [lo, hi): dq [N, H, D], dk/dv [N, KV, D] overwritten.
 * scratch: this thread's [T, T] buffer at scratchBase + tid·scratchStride (bytes) for dA and then dS.
 */
export function attentionBackward(
  q: usize,
  k: usize,
  v: usize,
  att: usize,
  dout: usize,
  dq: usize,
  dk: usize,
  dv: usize,
  T: i32,
  H: i32,
  KV: i32,
  D: i32,
  scale: f32,
  scratchBase: usize,
  scratchStride: usize,
  lo: i32,
  hi: i32,
  tid: i32,
): void {
  const rep = H / KV;
  const TT = <usize>T * <usize>T * 4;
  const rowB = (<usize>T) << 2;
  const ds = scratchBase + <usize>tid * scratchStride;
  for (let u = lo; u < hi; u++) {
    const b = u / KV;
    const g = u % KV;
    const kvOff = <usize>(b * T * KV + g) * <usize>D * 4;
    for (let h = g * rep; h < (g + 1) * rep; h++) {
      const qOff = <usize>(b * T * H + h) * <usize>D * 4;
      const ah = att + <usize>(b * H + h) * TT;
      const first: f32 = h === g * rep ? 0 : 1; // the group's first head overwrites dk/dv, the others add
      // dV_g (+)= Aᵀ·dO_h  [T, D]
      gemmTri(true, false, T, D, T, 1, ah, T, dout + qOff, H * D, first, dv + kvOff, KV * D, TRI_A_UPPER);
      // dA = dO_h·V_gᵀ, lower triangle  [T, T]
      gemmTri(false, true, T, T, D, 1, dout + qOff, H * D, v + kvOff, KV * D, 0, ds, T, TRI_C_LOWER);
      // dS = A ⊙ (dA − rowsum(A ⊙ dA)), 0 above the diagonal
      for (let t = 0; t < T; t++) {
        const ar = ah + <usize>t * rowB;
        const dr = ds + <usize>t * rowB;
        const len = t + 1;
        let acc = f32x4.splat(0);
        let s = 0;
        for (; s + 4 <= len; s += 4) {
          const o = (<usize>s) << 2;
          acc = V.fmadd(v128.load(ar + o), v128.load(dr + o), acc);
        }
        let dot = V.hsum(acc);
        for (; s < len; s++) dot += load<f32>(ar + ((<usize>s) << 2)) * load<f32>(dr + ((<usize>s) << 2));
        const vd = f32x4.splat(dot);
        s = 0;
        for (; s + 4 <= len; s += 4) {
          const o = (<usize>s) << 2;
          v128.store(dr + o, f32x4.mul(v128.load(ar + o), f32x4.sub(v128.load(dr + o), vd)));
        }
        for (; s < len; s++) {
          const o = (<usize>s) << 2;
          store<f32>(dr + o, load<f32>(ar + o) * (load<f32>(dr + o) - dot));
        }
        memory.fill(dr + ((<usize>len) << 2), 0, (<usize>(T - len)) << 2);
      }
      // dQ_h = scale · dS·K_g  [T, D]
      gemmTri(false, false, T, D, T, scale, ds, T, k + kvOff, KV * D, 0, dq + qOff, H * D, TRI_A_LOWER);
      // dK_g (+)= scale · dSᵀ·Q_h  [T, D]
      gemmTri(true, false, T, D, T, scale, ds, T, q + qOff, H * D, first, dk + kvOff, KV * D, TRI_A_UPPER);
    }
  }
}
