import { createAdamW } from "./adamw.js";
import { createLion } from "./lion.js";
import { createSgd } from "./sgd.js";
import type { Optimizer, OptimizerConfig, OptimizerContext } from "./types.js";

export type { Optimizer, OptimizerConfig, OptimizerContext } from "./types.js";

const FACTORIES: Record<OptimizerConfig["name"], (ctx: OptimizerContext, cfg: OptimizerConfig) => Optimizer> =
  {
    adamw: createAdamW,
    sgd: createSgd,
    lion: createLion,
  };

export const OPTIMIZER_NAMES = Object.keys(FACTORIES) as OptimizerConfig["name"][];

export function createOptimizer(ctx: OptimizerContext, cfg: OptimizerConfig): Optimizer {
  return FACTORIES[cfg.name](ctx, cfg);
}
