import type { Qwen2Config } from "../engine/config.js";
import { estimateModel, probeGemmGflops } from "../engine/estimate.js";
import { Qwen2Model } from "../engine/model.js";
import type { Ops } from "../engine/ops.js";
import { Rng } from "../util/rng.js";

/**
 * How fast this engine trains a model, for the time estimate printed before a protocol starts. A model whose
 * training step costs little is timed directly (two real forward+backward passes on random tokens after a
 * warm-up, about a second); a large one is estimated from a short sgemm probe times the share of the probe's rate
 * a whole training step sustains, since timing one real step of a 1B model on a CPU would take minutes. That
 * share, measured by bench:engine on the bench model (end-to-end GFLOP/s ÷ probe GFLOP/s), was 0.92 and 1.18 in
 * two runs on 2026-11-29 (GEMM is 87% of a step, and the step's large GEMMs run faster than the probe's shape);
 * 0.9 keeps the estimate on the safe side.
 */
const END_TO_END_EFFICIENCY = 0.9;
const DIRECT_TIMING_MAX_FLOPS = 2e10;

export interface RateEstimate {
  /** Sustained training GFLOP/s for this model (6N + attention FLOPs per token). */
  gflops: number;
  tokensPerSecond: number;
  basis: "timed" | "sgemm-probe";
}

const cache = new Map<string, RateEstimate>();

export function trainRate(ops: Ops, c: Qwen2Config, batch: number, seqLen: number): RateEstimate {
  const key = `${ops.name}|${JSON.stringify(c)}|${batch}|${seqLen}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const e = estimateModel(c, batch, seqLen);
  const stepFlops = e.flops_per_token.total * batch * seqLen;
  let r: RateEstimate;
  if (stepFlops <= DIRECT_TIMING_MAX_FLOPS) {
    const m = new Qwen2Model(ops, c);
    m.initWeights(new Rng("timing"));
    const rng = new Rng(1);
    const ids = Int32Array.from({ length: batch * seqLen }, () => rng.int(c.vocab_size));
    const targets = Int32Array.from({ length: batch * seqLen }, () => rng.int(c.vocab_size));
    const batchObj = { ids, targets, B: batch, T: seqLen };
    const once = () => {
      m.zeroGrads();
      m.forward(batchObj, 1 / (batch * seqLen));
      m.backward();
    };
    once();
    const t0 = performance.now();
    const reps = 2;
    for (let i = 0; i < reps; i++) once();
    const s = (performance.now() - t0) / 1000 / reps;
    const tps = (batch * seqLen) / s;
    r = { gflops: (tps * e.flops_per_token.total) / 1e9, tokensPerSecond: tps, basis: "timed" };
  } else {
    const g = probeGemmGflops(ops, c) * END_TO_END_EFFICIENCY;
    r = { gflops: g, tokensPerSecond: (g * 1e9) / e.flops_per_token.total, basis: "sgemm-probe" };
  }
  cache.set(key, r);
  return r;
}
