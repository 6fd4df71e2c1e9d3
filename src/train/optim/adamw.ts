import type { Optimizer, OptimizerConfig, OptimizerContext } from "./types.js";
import { decayRanges } from "./types.js";

/** AdamW (torch.optim.AdamW semantics) through the backend's fused adamw kernel. */
export function createAdamW(ctx: OptimizerContext, cfg: OptimizerConfig): Optimizer {
  const { ops, params, grads, layout } = ctx;
  const m = ops.alloc(layout.total);
  const v = ops.alloc(layout.total);
  const [beta1, beta2] = cfg.betas ?? [0.9, 0.999];
  const eps = cfg.eps ?? 1e-8;
  const ranges = decayRanges(layout, cfg.decay_1d ?? false);
  return {
    name: "adamw",
    steps: 0,
    step(lr: number) {
      this.steps++;
      for (const r of ranges) {
        const end = r.offset + r.size;
        ops.adamw(
          params.subarray(r.offset, end),
          grads.subarray(r.offset, end),
          m.subarray(r.offset, end),
          v.subarray(r.offset, end),
          r.size,
          lr,
          beta1,
          beta2,
          eps,
          r.decay ? cfg.weight_decay : 0,
          this.steps,
        );
      }
    },
    state: () => [
      { name: "exp_avg", data: m },
      { name: "exp_avg_sq", data: v },
    ],
  };
}
