import type { Optimizer, OptimizerConfig, OptimizerContext } from "./types.js";
import { decayRanges } from "./types.js";

/**
 * SGD with momentum, torch.optim.SGD semantics (dampening 0): g ← g + wd·p (coupled L2, as torch does);
 * buf ← g on the first step, else momentum·buf + g; the update is buf (or g + momentum·buf with nesterov);
 * p ← p − lr·update.
 */
export function createSgd(ctx: OptimizerContext, cfg: OptimizerConfig): Optimizer {
  const { ops, params, grads, layout } = ctx;
  const mu = cfg.momentum ?? 0;
  const buf = ops.alloc(layout.total);
  const ranges = decayRanges(layout, cfg.decay_1d ?? false);
  return {
    name: "sgd",
    steps: 0,
    step(lr: number) {
      const first = this.steps === 0;
      this.steps++;
      for (const r of ranges) {
        const wd = r.decay ? cfg.weight_decay : 0;
        for (let i = r.offset; i < r.offset + r.size; i++) {
          let g = grads[i] + wd * params[i];
          if (mu !== 0) {
            const b = first ? g : mu * buf[i] + g;
            buf[i] = b;
            g = cfg.nesterov ? g + mu * b : b;
          }
          params[i] -= lr * g;
        }
      }
    },
    state: () => (mu !== 0 ? [{ name: "momentum_buffer", data: buf }] : []),
  };
}
