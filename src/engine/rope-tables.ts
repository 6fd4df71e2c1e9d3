import type { Buf } from "./ops.js";

/**
 * cos/sin tables [positions, D/2] for the rotary embedding, inv_freq[i] = 1 / θ^(2i/D).
 *
 * In float32 mode this follows HF's Qwen2RotaryEmbedding step by step in float32 (inv_freq is computed in
 * float32, the angle pos·inv_freq is a float32 product, cos/sin are taken of that float32 angle), because that
 * is what HF does even for a float64 model, and at large positions the float32 angle is what the model was
 * trained with. In float64 mode (gradient checks) everything is double precision.
 */
export function ropeTables(
  cos: Buf,
  sin: Buf,
  positions: number,
  headDim: number,
  theta: number,
  dtype: "f32" | "f64",
): void {
  const half = headDim / 2;
  const f = dtype === "f32" ? Math.fround : (x: number) => x;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = f(1 / f(theta ** f((2 * i) / headDim)));
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const a = f(p * inv[i]);
      cos[p * half + i] = Math.cos(a);
      sin[p * half + i] = Math.sin(a);
    }
  }
}
