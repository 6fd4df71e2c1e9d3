import { qwen2Config } from "../../src/engine/config.js";
import type { TrainConfig } from "../../src/train/config.js";
import { DEFAULT_TRAIN } from "../../src/train/config.js";
import type { TokenBlocks } from "../../src/train/data/blocks.js";
import { Rng } from "../../src/util/rng.js";

/** A tiny Qwen2 (≈ 6k parameters) and random token blocks, for fast training tests. */
export function tinyConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...DEFAULT_TRAIN,
    model: qwen2Config({
      vocab_size: 32,
      hidden_size: 16,
      intermediate_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      head_dim: 8,
      max_position_embeddings: 64,
      tie_word_embeddings: true,
      rope_theta: 10000,
    }),
    micro_batch_size: 4,
    max_steps: 10,
    ...overrides,
  };
}

export function randomBlocks(count: number, seqLen: number, vocab: number, seed = 1): TokenBlocks {
  const r = new Rng(seed);
  return {
    seqLen,
    count,
    ids: Int32Array.from({ length: count * seqLen }, () => r.int(vocab)),
    labels: null,
  };
}
