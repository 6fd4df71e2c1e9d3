import { describe, expect, it } from "vitest";
import { qwen2Config } from "../../src/engine/config.js";
import { ParamLayout } from "../../src/engine/params.js";
import { createRefOps } from "../../src/engine/ref/index.js";
import { createOptimizer } from "../../src/train/optim/index.js";
import { decayRanges } from "../../src/train/optim/types.js";
import { lrMultiplier, type ScheduleConfig } from "../../src/train/schedule.js";

describe("LR schedules (HF transformers formulas)", () => {
  const at = (s: ScheduleConfig, steps: number[]) => steps.map((k) => lrMultiplier(s, k));
  it("warmup is step / warmup, so the first update has LR 0 and the peak comes at step = warmup", () => {
    expect(at({ kind: "constant", warmup_steps: 4, total_steps: 10 }, [0, 1, 3, 4, 9])).toEqual([
      0, 0.25, 0.75, 1, 1,
    ]);
  });
  it("linear decays to 0 at total", () => {
    expect(at({ kind: "linear", warmup_steps: 2, total_steps: 10 }, [2, 6, 10, 12])).toEqual([1, 0.5, 0, 0]);
  });
  it("cosine with a floor", () => {
    const s: ScheduleConfig = { kind: "cosine", warmup_steps: 0, total_steps: 100, min_lr_ratio: 0.1 };
    expect(lrMultiplier(s, 0)).toBe(1);
    expect(lrMultiplier(s, 50)).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(lrMultiplier(s, 100)).toBeCloseTo(0.1, 12);
    expect(lrMultiplier({ ...s, min_lr_ratio: 0 }, 25)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI / 4)), 12);
  });
  it("warmup-stable-decay", () => {
    const s: ScheduleConfig = {
      kind: "wsd",
      warmup_steps: 10,
      total_steps: 100,
      decay_steps: 20,
      decay_type: "linear",
    };
    expect(at(s, [5, 10, 79, 80, 90, 100])).toEqual([0.5, 1, 1, 1, 0.5, 0]);
    expect(lrMultiplier({ ...s, decay_type: "1-sqrt" }, 85)).toBeCloseTo(1 - Math.sqrt(0.25), 12);
    expect(lrMultiplier({ ...s, decay_type: "cosine", min_lr_ratio: 0.2 }, 90)).toBeCloseTo(
      0.2 + 0.8 * 0.5,
      12,
    );
    // default decay: 10% of the steps, cosine
    expect(lrMultiplier({ kind: "wsd", warmup_steps: 0, total_steps: 100 }, 95)).toBeCloseTo(0.5, 12);
  });
});

describe("optimizers", () => {
  const config = qwen2Config({
    vocab_size: 6,
    hidden_size: 4,
    intermediate_size: 4,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    head_dim: 2,
    max_position_embeddings: 8,
    tie_word_embeddings: true,
  });
  const layout = new ParamLayout(config);
  const setup = (name: "adamw" | "sgd" | "lion", extra = {}) => {
    const ops = createRefOps("f64");
    const params = ops.alloc(layout.total);
    const grads = ops.alloc(layout.total);
    for (const t of layout.tensors)
      for (let i = 0; i < t.size; i++) {
        params[t.offset + i] = 1;
        grads[t.offset + i] = 0.5;
      }
    const opt = createOptimizer({ ops, layout, params, grads }, { name, weight_decay: 0.1, ...extra });
    const w = layout.get("model.layers.0.self_attn.q_proj.weight")!.offset;
    const b = layout.get("model.layers.0.self_attn.q_proj.bias")!.offset;
    return { opt, params, grads, w, b };
  };

  it("weight decay applies to ≥2-D tensors only by default", () => {
    const r = decayRanges(layout, false);
    const total = r.reduce((s, x) => s + x.size, 0);
    expect(total).toBe(layout.total);
    for (const t of layout.tensors) {
      const range = r.find((x) => t.offset >= x.offset && t.offset < x.offset + x.size)!;
      expect(range.decay, t.name).toBe(t.shape.length >= 2);
    }
    expect(decayRanges(layout, true)).toEqual([{ offset: 0, size: layout.total, decay: true }]);
  });

  it("AdamW: first step p ← p(1 − lr·wd) − lr·sign(g) (m̂/√v̂ = ±1), no decay on biases", () => {
    const { opt, params, w, b } = setup("adamw", { betas: [0.9, 0.999], eps: 0 });
    opt.step(0.01);
    expect(params[w]).toBeCloseTo(1 * (1 - 0.001) - 0.01, 14);
    expect(params[b]).toBeCloseTo(1 - 0.01, 14);
    expect(opt.state().map((s) => s.name)).toEqual(["exp_avg", "exp_avg_sq"]);
  });

  it("SGD with momentum (torch semantics: coupled weight decay, buf = g on the first step)", () => {
    const { opt, params, w, b } = setup("sgd", { momentum: 0.9 });
    opt.step(0.1);
    // g = 0.5 + 0.1·1 = 0.6 → p = 1 − 0.06
    expect(params[w]).toBeCloseTo(0.94, 14);
    expect(params[b]).toBeCloseTo(0.95, 14);
    opt.step(0.1);
    // g = 0.5 + 0.1·0.94 = 0.594; buf = 0.9·0.6 + 0.594 = 1.134 → p = 0.94 − 0.1134
    expect(params[w]).toBeCloseTo(0.94 - 0.1134, 14);
  });

  it("Lion: p ← p(1 − lr·wd) − lr·sign(β1·m + (1−β1)·g)", () => {
    const { opt, params, grads, w } = setup("lion");
    opt.step(0.01);
    expect(params[w]).toBeCloseTo(1 * (1 - 0.001) - 0.01, 14);
    grads[w] = -5; // m = 0.01·0.5 = 0.005 → c = 0.9·0.005 + 0.1·(−5) < 0 → p increases
    opt.step(0.01);
    expect(params[w]).toBeCloseTo((1 * (1 - 0.001) - 0.01) * (1 - 0.001) + 0.01, 14);
  });
});
