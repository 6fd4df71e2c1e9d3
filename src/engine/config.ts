import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseConfigText } from "../util/config-file.js";
import { asUserError, UserError } from "../util/errors.js";

/**
 * A Qwen2 model configuration, with the field names and meanings of HF transformers' Qwen2Config (snake_case,
 * so a config.json is read and written without translation). head_dim is always resolved (HF: getattr(config,
 * "head_dim", hidden_size // num_attention_heads)).
 */
export interface Qwen2Config {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta: number;
  tie_word_embeddings: boolean;
  initializer_range: number;
  bos_token_id: number | null;
  eos_token_id: number | null;
  /**
   * nn.Embedding's padding_idx: HF zeroes this row at init, and the embedding lookup never sends gradient to
   * it (the tied lm_head still does). Usually absent for Qwen2.
   */
  pad_token_id?: number | null;
}

/** The dimensions tensor code uses, under their usual one-letter names. */
export function dims(c: Qwen2Config) {
  const H = c.num_attention_heads;
  const KV = c.num_key_value_heads;
  const D = c.head_dim;
  return {
    L: c.num_hidden_layers,
    C: c.hidden_size,
    H,
    KV,
    D,
    I: c.intermediate_size,
    V: c.vocab_size,
    qDim: H * D,
    kvDim: KV * D,
  };
}

const posInt = z.number().int().positive();

/**
 * HF config.json as Qwen2Config reads it: absent fields take Qwen2Config's class defaults (so a config.json that
 * relies on them means what it means to HF). Fields whose non-default values this engine does not implement are
 * refused by name rather than silently ignored.
 */
const HfQwen2ConfigSchema = z
  .looseObject({
    model_type: z.string().optional(),
    vocab_size: posInt.default(151936),
    hidden_size: posInt.default(4096),
    intermediate_size: posInt.default(22016),
    num_hidden_layers: posInt.default(32),
    num_attention_heads: posInt.default(32),
    num_key_value_heads: posInt.nullable().optional(),
    head_dim: posInt.nullable().optional(),
    hidden_act: z.string().default("silu"),
    max_position_embeddings: posInt.default(32768),
    initializer_range: z.number().nonnegative().default(0.02),
    rms_norm_eps: z.number().positive().default(1e-6),
    tie_word_embeddings: z.boolean().default(false),
    rope_theta: z.number().positive().optional(),
    rope_scaling: z.looseObject({}).nullable().optional(),
    rope_parameters: z.looseObject({ rope_theta: z.number().positive().optional() }).nullable().optional(),
    partial_rotary_factor: z.number().optional(),
    use_sliding_window: z.boolean().default(false),
    attention_dropout: z.number().default(0),
    bos_token_id: z.number().int().nullable().optional(),
    pad_token_id: z.number().int().nonnegative().nullable().optional(),
    eos_token_id: z
      .union([z.number().int(), z.array(z.number().int())])
      .nullable()
      .optional(),
  })
  .superRefine((c, ctx) => {
    const bad = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (c.model_type !== undefined && c.model_type !== "qwen2")
      bad("model_type", `expected "qwen2", got "${c.model_type}" (this engine implements Qwen2ForCausalLM)`);
    if (c.hidden_act !== "silu") bad("hidden_act", `only "silu" is implemented, got "${c.hidden_act}"`);
    if (c.use_sliding_window) bad("use_sliding_window", "sliding-window attention is not implemented");
    if (c.attention_dropout !== 0) bad("attention_dropout", "attention dropout is not implemented (use 0)");
    if (c.partial_rotary_factor !== undefined && c.partial_rotary_factor !== 1)
      bad("partial_rotary_factor", "partial rotary embeddings are not implemented (use 1.0)");
    for (const key of ["rope_scaling", "rope_parameters"] as const) {
      const r = c[key] as Record<string, unknown> | null | undefined;
      const type = r?.rope_type ?? r?.type;
      if (r && type !== undefined && type !== "default")
        bad(key, `RoPE type "${String(type)}" is not implemented (only "default")`);
    }
    const kv = c.num_key_value_heads ?? c.num_attention_heads;
    if (c.num_attention_heads % kv !== 0)
      bad("num_key_value_heads", `${kv} does not divide num_attention_heads (${c.num_attention_heads})`);
    if (c.head_dim == null && c.hidden_size % c.num_attention_heads !== 0)
      bad("head_dim", `absent, and hidden_size ${c.hidden_size} is not a multiple of num_attention_heads`);
    if (c.pad_token_id != null && c.pad_token_id >= c.vocab_size)
      bad("pad_token_id", `${c.pad_token_id} is outside the vocabulary (vocab_size ${c.vocab_size})`);
    const hd = c.head_dim ?? Math.floor(c.hidden_size / c.num_attention_heads);
    if (hd % 2 !== 0) bad("head_dim", `must be even for rotary embeddings, got ${hd}`);
  });

/** Turn a parsed HF config object into a resolved Qwen2Config. */
function resolve(c: z.infer<typeof HfQwen2ConfigSchema>): Qwen2Config {
  const eos = Array.isArray(c.eos_token_id) ? (c.eos_token_id[0] ?? null) : (c.eos_token_id ?? null);
  return {
    vocab_size: c.vocab_size,
    hidden_size: c.hidden_size,
    intermediate_size: c.intermediate_size,
    num_hidden_layers: c.num_hidden_layers,
    num_attention_heads: c.num_attention_heads,
    num_key_value_heads: c.num_key_value_heads ?? c.num_attention_heads,
    head_dim: c.head_dim ?? Math.floor(c.hidden_size / c.num_attention_heads),
    max_position_embeddings: c.max_position_embeddings,
    rms_norm_eps: c.rms_norm_eps,
    rope_theta: c.rope_parameters?.rope_theta ?? c.rope_theta ?? 10000,
    tie_word_embeddings: c.tie_word_embeddings,
    initializer_range: c.initializer_range,
    bos_token_id: c.bos_token_id ?? null,
    eos_token_id: eos,
    pad_token_id: c.pad_token_id ?? null,
  };
}

/** Parse config.json text (HF format). Errors name the file, line and field. */
export function parseQwen2Config(text: string, path: string): Qwen2Config {
  return resolve(parseConfigText(text, path, HfQwen2ConfigSchema));
}

export function readQwen2Config(path: string): Qwen2Config {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw asUserError(err, path) ?? err;
  }
  return parseQwen2Config(text, path);
}

/** Validate a config object built in code (presets, the protocols): same rules as a config.json. */
export function qwen2Config(fields: Partial<Qwen2Config> & Record<string, unknown>): Qwen2Config {
  const r = HfQwen2ConfigSchema.safeParse(fields);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(issue.message, { field: issue.path.join(".") || "(root)" });
  }
  return resolve(r.data);
}

/**
 * The config.json this engine writes beside model.safetensors: the fields HF's AutoConfig needs to pick
 * Qwen2Config and AutoModelForCausalLM to build Qwen2ForCausalLM (architectures, model_type), every
 * dimension explicit (head_dim included), and torch_dtype float32 because the weights are stored in F32.
 */
export function hfConfigJson(c: Qwen2Config): Record<string, unknown> {
  return {
    architectures: ["Qwen2ForCausalLM"],
    model_type: "qwen2",
    attention_dropout: 0.0,
    bos_token_id: c.bos_token_id,
    eos_token_id: c.eos_token_id,
    pad_token_id: c.pad_token_id ?? null,
    head_dim: c.head_dim,
    hidden_act: "silu",
    hidden_size: c.hidden_size,
    initializer_range: c.initializer_range,
    intermediate_size: c.intermediate_size,
    max_position_embeddings: c.max_position_embeddings,
    max_window_layers: c.num_hidden_layers,
    num_attention_heads: c.num_attention_heads,
    num_hidden_layers: c.num_hidden_layers,
    num_key_value_heads: c.num_key_value_heads,
    rms_norm_eps: c.rms_norm_eps,
    rope_scaling: null,
    rope_theta: c.rope_theta,
    sliding_window: null,
    tie_word_embeddings: c.tie_word_embeddings,
    torch_dtype: "float32",
    use_cache: true,
    use_sliding_window: false,
    vocab_size: c.vocab_size,
  };
}

/** Named configurations for `plateau model estimate --preset` and the protocols. */
export const PRESETS: Record<string, { description: string; config: Qwen2Config }> = {
  "bench-5m": {
    description: "the standard bench model (vocab 8192, hidden 256, 4 layers, 4/2 heads, SwiGLU 704, tied)",
    config: qwen2Config({
      vocab_size: 8192,
      hidden_size: 256,
      intermediate_size: 704,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 64,
      max_position_embeddings: 2048,
      rope_theta: 1e6,
      tie_word_embeddings: true,
    }),
  },
  "qwen2-0.5b": {
    description: "Qwen2-0.5B / Qwen2.5-0.5B dimensions",
    config: qwen2Config({
      vocab_size: 151936,
      hidden_size: 896,
      intermediate_size: 4864,
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      max_position_embeddings: 131072,
      rope_theta: 1e6,
      tie_word_embeddings: true,
      bos_token_id: 151643,
      eos_token_id: 151643,
    }),
  },
  "qwen2.5-1.5b": {
    description: "Qwen2.5-1.5B dimensions",
    config: qwen2Config({
      vocab_size: 151936,
      hidden_size: 1536,
      intermediate_size: 8960,
      num_hidden_layers: 28,
      num_attention_heads: 12,
      num_key_value_heads: 2,
      max_position_embeddings: 131072,
      rope_theta: 1e6,
      tie_word_embeddings: true,
      bos_token_id: 151643,
      eos_token_id: 151643,
    }),
  },
  "case-1.1b": {
    description:
      "a 1.1B Qwen2-style model (hidden 2048, 18 layers, 16/2 heads, SwiGLU 5632, Qwen vocab, tied)",
    config: qwen2Config({
      vocab_size: 151936,
      hidden_size: 2048,
      intermediate_size: 5632,
      num_hidden_layers: 18,
      num_attention_heads: 16,
      num_key_value_heads: 2,
      max_position_embeddings: 32768,
      rope_theta: 1e6,
      tie_word_embeddings: true,
      bos_token_id: 151643,
      eos_token_id: 151643,
    }),
  },
};

export function preset(name: string): Qwen2Config {
  const p = PRESETS[name];
  if (!p)
    throw new UserError(`unknown preset "${name}" (known: ${Object.keys(PRESETS).join(", ")})`, {
      field: "preset",
    });
  return { ...p.config };
}
