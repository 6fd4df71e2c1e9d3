import type { Buf } from "../ops.js";

/**
 * One AdamW step with PyTorch's semantics (torch.optim.AdamW, decoupled weight decay, bias correction):
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − (lr / (1−β1^t)) · m / (sqrt(v) / sqrt(1−β2^t) + eps).
 */
export function adamw(
  p: Buf,
  g: Buf,
  m: Buf,
  v: Buf,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  step: number,
): void {
  const bc1 = 1 - beta1 ** step;
  const bc2sqrt = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / bc1;
  const decay = 1 - lr * weightDecay;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    p[i] *= decay;
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2sqrt + eps);
  }
}
