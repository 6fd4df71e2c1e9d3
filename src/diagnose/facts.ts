import type { RunFacts } from "../runs/types.js";
import { UserError } from "../util/errors.js";

/**
 * Reading a run's facts the way the rules need them: each helper looks in the few places importers and
 * plateau's own runs put a fact (a top-level field, the HF config, the tokenizer block) and returns undefined
 * when nobody knows it. Rules must say what they assumed when a fact is missing.
 */

type Dict = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function modelConfig(f: RunFacts): Dict {
  return (f.model?.config ?? {}) as Dict;
}

/** The model's vocabulary (embedding rows): what the loss at initialisation is measured against. */
export function vocabSize(f: RunFacts): number | undefined {
  return num(f.vocab_size) ?? num(modelConfig(f).vocab_size) ?? num(f.tokenizer?.vocab_size);
}

/** The tokenizer's size (len(tokenizer)), when known separately from the model's vocabulary. */
export function tokenizerSize(f: RunFacts): number | undefined {
  return num(f.tokenizer?.vocab_size);
}

export function architecture(f: RunFacts): string | undefined {
  const a = f.model?.architecture ?? modelConfig(f).model_type;
  return typeof a === "string" ? a.toLowerCase() : undefined;
}

export function gradAccum(f: RunFacts): number | undefined {
  return num(f.grad_accum_steps);
}

export function tokensPerStep(f: RunFacts): number | undefined {
  const t = num(f.tokens_per_step);
  if (t !== undefined) return t;
  const mb = num(f.micro_batch_size);
  const seq = num(f.seq_len);
  if (mb === undefined || seq === undefined) return undefined;
  return mb * seq * (num(f.grad_accum_steps) ?? 1) * (num(f.world_size) ?? 1);
}

export function precision(f: RunFacts): string | undefined {
  const p = f.precision;
  return typeof p === "string" ? p.toLowerCase() : undefined;
}

/** transformers version that trained the run (config.json's transformers_version, or facts.framework). */
export function transformersVersion(f: RunFacts): string | undefined {
  const v = modelConfig(f).transformers_version;
  if (typeof v === "string") return v;
  const fw = f.framework;
  if (typeof fw === "string") {
    const m = /transformers[ @=v]*([0-9]+\.[0-9]+(?:\.[0-9]+)?)/i.exec(fw);
    if (m) return m[1];
  }
  return undefined;
}

/** True when the run was trained by HF's Trainer (or something built on it). */
export function isHfTrainer(f: RunFacts, format?: string): boolean {
  const fw = typeof f.framework === "string" ? f.framework.toLowerCase() : "";
  return fw.includes("transformers") || fw.includes("trainer") || (format ?? "").startsWith("hf-");
}

/** Compare dotted versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((s) => Number.parseInt(s, 10) || 0);
  const pb = b.split(/[.+-]/).map((s) => Number.parseInt(s, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Parameter count: the stated one, else computed from a Qwen2/Llama-family HF config
 * (embeddings + L × (attention with optional q/k/v biases + SwiGLU MLP + two RMSNorms) + final norm + untied head).
 */
export function paramCount(f: RunFacts): number | undefined {
  const stated = num(f.model?.params);
  if (stated !== undefined) return stated;
  return paramsFromConfig(modelConfig(f));
}

export function paramsFromConfig(c: Dict): number | undefined {
  const h = num(c.hidden_size);
  const L = num(c.num_hidden_layers);
  const nh = num(c.num_attention_heads);
  const I = num(c.intermediate_size);
  const V = num(c.vocab_size);
  if (h === undefined || L === undefined || nh === undefined || I === undefined || V === undefined)
    return undefined;
  const nkv = num(c.num_key_value_heads) ?? nh;
  const d = num(c.head_dim) ?? h / nh;
  const type = typeof c.model_type === "string" ? c.model_type : "";
  const qkvBias = type.startsWith("qwen2") ? true : c.attention_bias === true;
  const tie = c.tie_word_embeddings === true;
  const perLayer =
    h * nh * d +
    (qkvBias ? nh * d : 0) +
    2 * (h * nkv * d + (qkvBias ? nkv * d : 0)) +
    nh * d * h +
    3 * h * I +
    2 * h;
  return V * h + L * perLayer + h + (tie ? 0 : V * h);
}

/** Peak learning rate: stated, else the largest logged value. */
export function peakLr(f: RunFacts, logged?: ArrayLike<number>): number | undefined {
  const stated = num(f.lr?.peak);
  if (stated !== undefined) return stated;
  if (!logged || logged.length === 0) return undefined;
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logged.length; i++) if (logged[i] > m) m = logged[i];
  return Number.isFinite(m) ? m : undefined;
}

/** Unigram entropy of the training tokens in nats/token, when an audit measured it. */
export function unigramEntropy(f: RunFacts): number | undefined {
  const d = (f.data ?? {}) as Dict;
  return num(d.unigram_entropy) ?? num((f.tokenizer as Dict | undefined)?.unigram_entropy);
}

export function dataTokens(f: RunFacts): number | undefined {
  return num(f.data?.tokens);
}

/**
 * Set a fact from the command line: `--fact grad_accum_steps=8`, `--fact model.params=1.1e9`,
 * `--fact data.eval_is_train=true`, `--fact precision=fp16`. The value is JSON when it parses as JSON
 * (numbers, booleans, quoted strings), else a plain string.
 */
export function setFact(facts: RunFacts, assignment: string): void {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw new UserError(`expected KEY=VALUE, got "${assignment}"`, { field: "--fact" });
  const path = assignment.slice(0, eq).trim().split(".");
  if (path.some((p) => p === "" || p === "__proto__" || p === "constructor" || p === "prototype"))
    throw new UserError(`bad fact name "${assignment.slice(0, eq)}"`, { field: "--fact" });
  const raw = assignment.slice(eq + 1).trim();
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  let o = facts as Dict;
  for (const key of path.slice(0, -1)) {
    const next = o[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) o[key] = {};
    o = o[key] as Dict;
  }
  o[path[path.length - 1]] = value;
}
