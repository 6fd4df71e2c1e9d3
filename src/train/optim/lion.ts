import type { Optimizer, OptimizerConfig, OptimizerContext } from "./types.js";
import { decayRanges } from "./types.js";

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2):
 *   p ← p·(1 − lr·wd);  p ← p − lr·sign(β1·m + (1−β1)·g);  m ← β2·m + (1−β2)·g.   Default β = (0.9, 0.99).
 */
export function createLion(ctx: OptimizerContext, cfg: OptimizerConfig): Optimizer {
  const { ops, params, grads, layout } = ctx;
  const [beta1, beta2] = cfg.betas ?? [0.9, 0.99];
  const m = ops.alloc(layout.total);
  const ranges = decayRanges(layout, cfg.decay_1d ?? false);
  return {
    name: "lion",
    steps: 0,
    step(lr: number) {
      this.steps++;
      for (const r of ranges) {
        const decay = 1 - lr * (r.decay ? cfg.weight_decay : 0);
        for (let i = r.offset; i < r.offset + r.size; i++) {
          const g = grads[i];
          const c = beta1 * m[i] + (1 - beta1) * g;
          params[i] = params[i] * decay - lr * Math.sign(c);
          m[i] = beta2 * m[i] + (1 - beta2) * g;
        }
      }
    },
    state: () => [{ name: "exp_avg", data: m }],
  };
}
