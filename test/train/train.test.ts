import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Qwen2Model } from "../../src/engine/model.js";
import { createRefOps } from "../../src/engine/ref/index.js";
import { listCheckpoints } from "../../src/train/checkpoint.js";
import { createOptimizer } from "../../src/train/optim/index.js";
import { trainStep } from "../../src/train/step.js";
import { Trainer, train } from "../../src/train/trainer.js";
import { Rng } from "../../src/util/rng.js";
import { tmpDir } from "../helpers/tmp.js";
import { randomBlocks, tinyConfig } from "./helpers.js";

const ops = createRefOps("f32");

describe("training", () => {
  it("a fixed batch overfits: loss < 0.05 within 200 steps", async () => {
    const config = tinyConfig({
      max_steps: 200,
      shuffle: false,
      optimizer: { name: "adamw", lr: 1e-2, betas: [0.9, 0.95], eps: 1e-8, weight_decay: 0 },
      schedule: { kind: "constant", warmup_steps: 0 },
    });
    let reached = -1;
    const { result } = await train(config, {
      ops,
      data: { train: randomBlocks(4, 16, 32) },
      hooks: {
        onStep: (r) => {
          if (r.loss < 0.05 && reached < 0) {
            reached = r.step;
            return "stop";
          }
        },
      },
    });
    expect(reached).toBeGreaterThan(0);
    expect(result.lastLoss).toBeLessThan(0.05);
  });

  it("is deterministic: same seed, same losses bit for bit", async () => {
    const run = async () => {
      const losses: number[] = [];
      await train(tinyConfig({ max_steps: 6, grad_accum_steps: 2 }), {
        ops,
        data: { train: randomBlocks(12, 16, 32) },
        hooks: { onStep: (r) => void losses.push(r.loss) },
      });
      return losses;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    const other: number[] = [];
    await train(tinyConfig({ max_steps: 6, grad_accum_steps: 2, seed: 1 }), {
      ops,
      data: { train: randomBlocks(12, 16, 32) },
      hooks: { onStep: (r) => void other.push(r.loss) },
    });
    expect(other).not.toEqual(a);
  });

  it("resumes exactly: losses after resume equal the uninterrupted run bit for bit", async () => {
    const dir = tmpDir();
    const config = tinyConfig({
      max_steps: 8,
      grad_accum_steps: 2,
      schedule: { kind: "cosine", warmup_steps: 2, min_lr_ratio: 0.1 },
      generate_every: 3,
      generation: { prompts: [[1, 2, 3]], max_new_tokens: 4, temperature: 1, top_k: 0, top_p: 0.9 },
    });
    const data = { train: randomBlocks(10, 16, 32) };
    const full: number[] = [];
    const fullSamples: number[][] = [];
    await train(config, {
      ops,
      data,
      hooks: { onStep: (r) => void full.push(r.loss), onSample: (s) => void fullSamples.push(s.completion) },
    });

    const part: number[] = [];
    const partSamples: number[][] = [];
    const ckpt = join(dir, "checkpoints");
    const first = await train(config, {
      ops,
      data,
      checkpointDir: ckpt,
      hooks: {
        onStep: (r) => {
          part.push(r.loss);
          if (r.step === 5) return "stop";
        },
        onSample: (s) => void partSamples.push(s.completion),
      },
    });
    expect(first.result.status).toBe("interrupted");
    expect(listCheckpoints(ckpt).map((c) => c.step)).toEqual([5]);
    const second = await train(config, {
      ops,
      data,
      checkpointDir: ckpt,
      resumeFrom: ckpt,
      hooks: { onStep: (r) => void part.push(r.loss), onSample: (s) => void partSamples.push(s.completion) },
    });
    expect(second.result.status).toBe("completed");
    expect(part).toEqual(full);
    expect(partSamples).toEqual(fullSamples);
    // the final weights are identical too
    expect(
      Buffer.from(second.trainer.model.params.buffer).equals(Buffer.from(await finalParams(config, data))),
    ).toBe(true);
  });

  it("refuses to resume on different data", async () => {
    const dir = tmpDir();
    const config = tinyConfig({ max_steps: 2 });
    await train(config, { ops, data: { train: randomBlocks(8, 16, 32) }, checkpointDir: dir });
    expect(() => Trainer.resume(dir, { ops, data: { train: randomBlocks(8, 16, 32, 2) } })).toThrow(
      /differs/,
    );
  });

  it("gradient accumulation is normalised by the targets of the whole step", () => {
    // two micro-batches with different numbers of ignored labels == one batch holding both
    const config = tinyConfig();
    const mk = () => {
      const m = new Qwen2Model(ops, config.model);
      m.initWeights(new Rng(5));
      return m;
    };
    const r = new Rng(9);
    const T = 8;
    const ids = Int32Array.from({ length: 4 * T }, () => r.int(32));
    const targets = Int32Array.from({ length: 4 * T }, (_, i) => (i % T === T - 1 ? -100 : ids[i + 1]));
    for (let i = 0; i < 2 * T - 3; i++) targets[i] = -100; // the first micro-batch keeps only 2 targets
    const one = mk();
    const sgd = { name: "sgd" as const, weight_decay: 0 };
    const optA = createOptimizer({ ops, layout: one.layout, params: one.params, grads: one.grads }, sgd);
    const a = trainStep(one, optA, [{ ids, targets, B: 4, T }], 0, 0);
    const two = mk();
    const optB = createOptimizer({ ops, layout: two.layout, params: two.params, grads: two.grads }, sgd);
    const b = trainStep(
      two,
      optB,
      [
        { ids: ids.subarray(0, 2 * T), targets: targets.subarray(0, 2 * T), B: 2, T },
        { ids: ids.subarray(2 * T), targets: targets.subarray(2 * T), B: 2, T },
      ],
      0,
      0,
    );
    expect(b.targets).toBe(a.targets);
    expect(b.loss).toBeCloseTo(a.loss, 6);
    let worst = 0;
    for (let i = 0; i < one.grads.length; i++)
      worst = Math.max(worst, Math.abs(one.grads[i] - two.grads[i]) / (1e-6 + Math.abs(one.grads[i])));
    expect(worst).toBeLessThan(1e-3);
    expect(b.gradNorm).toBeCloseTo(a.gradNorm, 5);
  });
});

async function finalParams(
  config: ReturnType<typeof tinyConfig>,
  data: { train: ReturnType<typeof randomBlocks> },
) {
  const { trainer } = await train(config, { ops, data });
  return trainer.model.params.buffer as ArrayBuffer;
}
