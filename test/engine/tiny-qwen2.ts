import { type Qwen2Config, qwen2Config } from "../../src/engine/config.js";
import { Qwen2Model } from "../../src/engine/model.js";
import type { Ops } from "../../src/engine/ops.js";
import { Rng } from "../../src/util/rng.js";

/** A tiny Qwen2 with GQA (4 query heads on 2 KV heads), biases and an untied lm_head: every decoder path. */
export const tinyQwen2: Qwen2Config = qwen2Config({
  vocab_size: 40,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 6,
  max_position_embeddings: 32,
  rope_theta: 1000,
  tie_word_embeddings: false,
});

/** A model whose every parameter is N(0, std²) from `seed` (larger than the init, so logits spread out). */
export function randomQwen2(ops: Ops, config: Qwen2Config, seed: number, std: number): Qwen2Model {
  const m = new Qwen2Model(ops, config);
  const r = new Rng(seed);
  for (let i = 0; i < m.params.length; i++) m.params[i] = r.normal() * std;
  return m;
}
