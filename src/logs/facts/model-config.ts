import type { RunFacts } from "../../runs/types.js";
import { pruneFacts } from "./merge.js";

/**
 * Facts from an HF model config.json: architecture, vocabulary and the parameter count. Counts are computed
 * for the families whose shapes are known exactly:
 *
 *   Llama-style (qwen2, qwen3, llama, mistral): per layer h·(n_h·d) + 2·h·(n_kv·d) + (n_h·d)·h + 3·h·I + 2·h,
 *     plus q/k/v biases for qwen2 and q/k norms (2·d) for qwen3; embeddings V·h, final norm h, untied lm_head V·h
 *     (the formula in shared/reference/medicalgpt.md §4.4, which reproduces Qwen2.5-0.5B's 494,032,768).
 *   GPT-2: V·d + P·d (positions) + L·(12·d² + 13·d) + 2·d (tied head).
 *
 * Other model types get architecture and vocabulary only; a guessed count would be worse than none.
 */
export function modelConfigFacts(cfg: Record<string, unknown>): RunFacts {
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) {
      const v = cfg[k];
      if (typeof v === "number" && Number.isFinite(v)) return v;
    }
    return undefined;
  };
  const type = typeof cfg.model_type === "string" ? cfg.model_type : undefined;
  const vocab = num("vocab_size", "padded_vocab_size");
  const counts = paramCounts(type, cfg, num);
  const dtype =
    typeof cfg.torch_dtype === "string"
      ? cfg.torch_dtype
      : typeof cfg.dtype === "string"
        ? cfg.dtype
        : undefined;
  return pruneFacts({
    model: {
      architecture: type,
      config: cfg,
      params: counts?.params,
      non_embedding_params: counts?.nonEmbedding,
    },
    vocab_size: vocab,
    tokenizer: {
      eos_id: typeof cfg.eos_token_id === "number" ? cfg.eos_token_id : undefined,
      pad_id: typeof cfg.pad_token_id === "number" ? cfg.pad_token_id : undefined,
    },
    // The dtype the weights were saved in; the training precision comes from the training args when known.
    model_dtype: dtype,
  } as RunFacts);
}

type Num = (...keys: string[]) => number | undefined;

export function paramCounts(
  type: string | undefined,
  cfg: Record<string, unknown>,
  num: Num,
): { params: number; nonEmbedding: number } | undefined {
  const V = num("vocab_size");
  if (V === undefined) return undefined;
  if (type === "gpt2") {
    const d = num("n_embd", "hidden_size");
    const L = num("n_layer", "num_hidden_layers");
    const P = num("n_positions", "n_ctx");
    if (d === undefined || L === undefined || P === undefined) return undefined;
    const nonEmbedding = L * (12 * d * d + 13 * d) + 2 * d;
    return { params: V * d + P * d + nonEmbedding, nonEmbedding };
  }
  if (type === "qwen2" || type === "qwen3" || type === "llama" || type === "mistral") {
    const h = num("hidden_size");
    const L = num("num_hidden_layers");
    const nh = num("num_attention_heads");
    const I = num("intermediate_size");
    if (h === undefined || L === undefined || nh === undefined || I === undefined) return undefined;
    const nkv = num("num_key_value_heads") ?? nh;
    const d = num("head_dim") ?? h / nh;
    const qkvBias = type === "qwen2" || cfg.attention_bias === true;
    let perLayer = h * (nh * d) + 2 * h * (nkv * d) + nh * d * h + 3 * h * I + 2 * h;
    if (qkvBias) perLayer += nh * d + 2 * nkv * d;
    if (type === "qwen3") perLayer += 2 * d;
    if (cfg.mlp_bias === true) perLayer += 2 * I + h;
    const nonEmbedding = L * perLayer + h;
    const tied = cfg.tie_word_embeddings === true;
    return { params: V * h + nonEmbedding + (tied ? 0 : V * h), nonEmbedding };
  }
  return undefined;
}
