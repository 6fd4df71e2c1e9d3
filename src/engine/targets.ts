import { IGNORE_INDEX } from "./ref/cross-entropy.js";

/**
 * Causal-LM targets from HF-style labels [B, T] (labels = input_ids, −100 where no loss is wanted): position t
 * predicts labels[t + 1]; the last position of each row has no target. This is HF's shift (labels padded with
 * −100 and shifted left by one), so the mean over counted positions is HF's loss.
 */
export function shiftedTargets(
  labels: ArrayLike<number>,
  B: number,
  T: number,
  out?: Int32Array,
): Int32Array {
  const t = out ?? new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T - 1; i++) t[b * T + i] = labels[b * T + i + 1];
    t[b * T + T - 1] = IGNORE_INDEX;
  }
  return t;
}

export { IGNORE_INDEX };
