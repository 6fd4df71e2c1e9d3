import type { Buf } from "../ops.js";

/**
 * Rotary embedding, HF half-split layout, in place on x [N, H, D]: for i < D/2 with angle θ = pos·inv_freq[i],
 *   x'[i] = x[i]·cos θ − x[i+D/2]·sin θ,   x'[i+D/2] = x[i+D/2]·cos θ + x[i]·sin θ
 * (that is x·cos + rotate_half(x)·sin with emb = cat(freqs, freqs)). inverse rotates by −θ, which is the
 * backward pass (the rotation is orthogonal).  cos, sin [maxPos, D/2].
 */
export function rope(
  x: Buf,
  pos: Int32Array,
  cos: Buf,
  sin: Buf,
  N: number,
  H: number,
  D: number,
  inverse: boolean,
): void {
  const half = D / 2;
  const sign = inverse ? -1 : 1;
  for (let n = 0; n < N; n++) {
    const t = pos[n] * half;
    for (let h = 0; h < H; h++) {
      const o = (n * H + h) * D;
      for (let i = 0; i < half; i++) {
        const c = cos[t + i];
        const s = sign * sin[t + i];
        const x1 = x[o + i];
        const x2 = x[o + i + half];
        x[o + i] = x1 * c - x2 * s;
        x[o + i + half] = x2 * c + x1 * s;
      }
    }
  }
}
