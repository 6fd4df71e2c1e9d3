import { describe, expect, it } from "vitest";
import {
  compareVersions,
  paramsFromConfig,
  setFact,
  tokensPerStep,
  vocabSize,
} from "../../src/diagnose/facts.js";
import {
  BESIROGLU,
  chinchillaLoss,
  criticalBatchTokens,
  HOFFMANN,
  referenceLr,
  usualLrRange,
} from "../../src/diagnose/reference.js";
import type { RunFacts } from "../../src/runs/types.js";

describe("facts", () => {
  it("parameter counts of real configs (official figures: 0.49B, 1.54B; TinyLlama 1,100,048,384)", () => {
    const qwen = {
      model_type: "qwen2",
      vocab_size: 151936,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      tie_word_embeddings: true,
    };
    expect(
      paramsFromConfig({ ...qwen, hidden_size: 896, num_hidden_layers: 24, intermediate_size: 4864 }),
    ).toBe(494_032_768);
    expect(
      paramsFromConfig({
        ...qwen,
        hidden_size: 1536,
        num_hidden_layers: 28,
        num_attention_heads: 12,
        intermediate_size: 8960,
      }),
    ).toBe(1_543_714_304);
    expect(
      paramsFromConfig({
        model_type: "llama",
        vocab_size: 32000,
        hidden_size: 2048,
        num_hidden_layers: 22,
        num_attention_heads: 32,
        num_key_value_heads: 4,
        intermediate_size: 5632,
        tie_word_embeddings: false,
      }),
    ).toBe(1_100_048_384);
  });
  it("vocab from the facts, the config or the tokenizer; tokens per step from the batch", () => {
    expect(vocabSize({ model: { config: { vocab_size: 151936 } } })).toBe(151936);
    expect(vocabSize({ tokenizer: { vocab_size: 50257 } })).toBe(50257);
    expect(tokensPerStep({ micro_batch_size: 4, seq_len: 512, grad_accum_steps: 8, world_size: 2 })).toBe(
      32768,
    );
  });
  it("--fact assignments: JSON values, dotted paths, bad names refused", () => {
    const f: RunFacts = {};
    setFact(f, "grad_accum_steps=8");
    setFact(f, "model.params=1.1e9");
    setFact(f, "data.eval_is_train=true");
    setFact(f, "precision=fp16");
    expect(f).toEqual({
      grad_accum_steps: 8,
      model: { params: 1.1e9 },
      data: { eval_is_train: true },
      precision: "fp16",
    });
    expect(() => setFact(f, "novalue")).toThrow(/KEY=VALUE/);
    expect(() => setFact(f, "__proto__.x=1")).toThrow(/bad fact/);
  });
  it("version comparison", () => {
    expect(compareVersions("4.46.2", "4.49.0")).toBeLessThan(0);
    expect(compareVersions("4.49.0", "4.49")).toBe(0);
    expect(compareVersions("4.50.0.dev0", "4.49.0")).toBeGreaterThan(0);
  });
});

describe("published constants", () => {
  it("Chinchilla and Besiroglu at N = 1.1e9 (diagnosis-anchors.md table)", () => {
    expect(chinchillaLoss(HOFFMANN, 1.1e9, 1e9)).toBeCloseTo(3.273, 3);
    expect(chinchillaLoss(BESIROGLU, 1.1e9, 1e9)).toBeCloseTo(3.227, 3);
    expect(chinchillaLoss(HOFFMANN, 1.1e9, 2.2e10)).toBeCloseTo(2.555, 3);
    expect(chinchillaLoss(BESIROGLU, 1.1e9, 1e12)).toBeCloseTo(2.248, 3);
  });
  it("GPT-3's learning rates at its sizes, interpolated between", () => {
    expect(referenceLr(1.3e9)).toBeCloseTo(2e-4, 12);
    expect(referenceLr(125e6)).toBeCloseTo(6e-4, 12);
    const r = referenceLr(1.1e9);
    expect(r).toBeGreaterThan(2e-4);
    expect(r).toBeLessThan(2.5e-4);
    const [lo, hi] = usualLrRange(1.3e9);
    expect(lo).toBeCloseTo(2e-5, 15);
    expect(hi).toBeCloseTo(1e-3, 15);
  });
  it("Kaplan's critical batch: 2e8 / L^(1/0.21)", () => {
    expect(criticalBatchTokens(1)).toBe(2e8);
    expect(criticalBatchTokens(2.8)).toBeCloseTo(2e8 / 2.8 ** (1 / 0.21), 3);
  });
});
