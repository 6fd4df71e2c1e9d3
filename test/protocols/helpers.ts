import { qwen2Config } from "../../src/engine/config.js";
import { DEFAULT_OVERFIT, type OverfitSettings } from "../../src/protocols/overfit.js";
import type { SweepCommon } from "../../src/protocols/sweep.js";

/** Short English documents: enough text to pack a few dozen 32-token blocks with a 300-token vocabulary. */
export const TINY_TEXTS = [
  "The river rises in the northern hills and runs south through three valleys before it reaches the sea.",
  "Farmers along its banks grow rice, beans and tea, and sell them in the market town every Friday.",
  "In winter the water is low and clear; in summer the rains turn it brown and fast.",
  "A stone bridge built two hundred years ago still carries the road across the widest bend.",
  "Children learn to swim in the shallow pools below the old mill, where the current is slow.",
  "The town keeps a small museum with maps, boats and photographs of the great flood.",
];

/** A Qwen2 model of ~30k parameters on a 300-token sub-vocabulary: trains in seconds. */
export function tinySettings(overrides: Partial<OverfitSettings> = {}): OverfitSettings {
  return {
    ...DEFAULT_OVERFIT,
    data: ["(test)"],
    model: {
      name: "tiny",
      config: qwen2Config({
        vocab_size: 512,
        hidden_size: 32,
        intermediate_size: 64,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        head_dim: 16,
        max_position_embeddings: 64,
        rope_theta: 10000,
        tie_word_embeddings: true,
      }),
    },
    proxy: "on",
    subVocab: 300,
    seqLen: 32,
    batch: 4,
    epochs: 40,
    lr: 1e-2,
    warmup: 5,
    evalBlocks: 64,
    probes: 8,
    promptTokens: 8,
    refTokens: 8,
    lrProbe: false,
    threads: 1,
    ...overrides,
  };
}

/** Sweep settings on a tiny model (its proxy is itself) and a 300-token vocabulary. */
export function tinySweep(data: string[], overrides: Partial<SweepCommon> = {}): SweepCommon {
  return {
    data,
    n: 40,
    heldOut: 8,
    model: tinySettings().model,
    subVocab: 300,
    seqLen: 32,
    batch: 4,
    tokens: 2000,
    seed: 0,
    evalEvery: 5,
    threads: 1,
    ...overrides,
  };
}
