import type { Buf } from "../ops.js";

/** The label that marks a position without a target (PyTorch's and HF's ignore_index). */
export const IGNORE_INDEX = -100;

/**
 * Softmax cross-entropy per row of logits [N, V] against targets [N] (IGNORE_INDEX rows skipped). Returns the
 * float64 sum of −log p[target] and the number of counted rows; dlogits (may alias logits) receives
 * (softmax − onehot)·gradScale, zero on ignored rows.
 */
export function crossEntropy(
  logits: Buf,
  targets: Int32Array,
  N: number,
  V: number,
  dlogits: Buf | null,
  gradScale: number,
): { loss: number; count: number } {
  let loss = 0;
  let count = 0;
  for (let n = 0; n < N; n++) {
    const o = n * V;
    const y = targets[n];
    if (y === IGNORE_INDEX) {
      if (dlogits) dlogits.fill(0, o, o + V);
      continue;
    }
    if (!(y >= 0 && y < V))
      throw new RangeError(`crossEntropy: target ${y} at row ${n} is outside [0, ${V})`);
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < V; i++) if (logits[o + i] > max) max = logits[o + i];
    let sum = 0;
    for (let i = 0; i < V; i++) sum += Math.exp(logits[o + i] - max);
    const lse = max + Math.log(sum);
    loss += lse - logits[o + y];
    count++;
    if (dlogits) {
      for (let i = 0; i < V; i++) dlogits[o + i] = Math.exp(logits[o + i] - lse) * gradScale;
      dlogits[o + y] -= gradScale;
    }
  }
  return { loss, count };
}
