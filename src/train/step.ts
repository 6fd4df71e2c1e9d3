import type { Batch, Qwen2Model } from "../engine/model.js";
import type { Optimizer } from "./optim/index.js";

export interface StepStats {
  /** Mean cross-entropy over every target token of the step (all micro-batches). */
  loss: number;
  /** Target tokens (non-ignored positions) in the step. */
  targets: number;
  /** Global L2 norm of the gradient before clipping. */
  gradNorm: number;
  /** Whether clipping scaled the gradient. */
  clipped: boolean;
}

/**
 * One optimizer step over `micro` micro-batches: zero the gradients, forward+backward each micro-batch with
 * gradScale = 1 / (target tokens over ALL micro-batches), so the accumulated gradient is exactly the gradient
 * of the mean token loss of the whole step (not the mean of per-micro-batch means, the bug HF fixed in 2024);
 * clip the global norm (torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is < 1);
 * apply the optimizer at learning rate lr.
 */
export function trainStep(
  model: Qwen2Model,
  optimizer: Optimizer,
  micro: Batch[],
  lr: number,
  gradClip: number,
): StepStats {
  let targets = 0;
  for (const b of micro) targets += countTargets(b);
  if (targets === 0) throw new Error("trainStep: no target tokens in this step (every label is −100)");
  model.zeroGrads();
  let lossSum = 0;
  for (const b of micro) {
    const r = model.forward(b, 1 / targets);
    model.backward();
    lossSum += r.lossSum;
  }
  const ops = model.ops;
  const g = model.grads;
  const gradNorm = Math.sqrt(ops.sumSquares(g, g.length));
  let clipped = false;
  if (gradClip > 0 && Number.isFinite(gradNorm)) {
    const coef = gradClip / (gradNorm + 1e-6);
    if (coef < 1) {
      ops.scale(g, coef, g.length);
      clipped = true;
    }
  }
  optimizer.step(lr);
  return { loss: lossSum / targets, targets, gradNorm, clipped };
}

export function countTargets(b: Batch): number {
  if (!b.targets) return 0;
  let n = 0;
  const N = b.B * b.T;
  for (let i = 0; i < N; i++) if (b.targets[i] !== -100) n++;
  return n;
}
