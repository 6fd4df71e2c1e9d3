import { type Qwen2Config, qwen2Config } from "../engine/config.js";
import { estimateModel } from "../engine/estimate.js";
import { PROXY_SUBVOCAB } from "./text.js";

/**
 * Which model a protocol trains. A model the engine can train within the time budget is trained as given.
 * A larger one is replaced by a proxy of the same family and tokenizer: Qwen2 blocks with the same ratios
 * (heads per KV head, SwiGLU width / hidden, tied or untied embeddings, RoPE θ, norm ε), scaled down in width
 * and depth, on a K-token sub-vocabulary of the same BPE (ids < K mean the same bytes as in the full
 * vocabulary). The proxy's shape depends only on the target model, never on the machine or the data, so two
 * overfit tests on different data (or machines) train the same proxy and are comparable.
 *
 * What a proxy can and cannot tell: it exercises the same data pipeline, tokenizer, packing, labels, loss and
 * optimizer code paths, so a pipeline bug fails it as it fails the full model; it cannot tell whether the full
 * model's own size, precision or parallelism is the problem (the external engine runs the real model for that).
 */
export const PROXY_SHAPE = { hidden: 256, layers: 2, headDim: 64 } as const;

/** The model used when none is given: the Qwen2 proxy shape on the Qwen sub-vocabulary. */
export function defaultProxy(vocabSize: number, eosId: number | null, maxPos: number): Qwen2Config {
  return qwen2Config({
    vocab_size: vocabSize,
    hidden_size: PROXY_SHAPE.hidden,
    intermediate_size: 704,
    num_hidden_layers: PROXY_SHAPE.layers,
    num_attention_heads: PROXY_SHAPE.hidden / PROXY_SHAPE.headDim,
    num_key_value_heads: 2,
    head_dim: PROXY_SHAPE.headDim,
    max_position_embeddings: maxPos,
    rope_theta: 1e6,
    tie_word_embeddings: true,
    ...(eosId !== null ? { eos_token_id: eosId, bos_token_id: eosId } : {}),
  });
}

/** A proxy of `target`: same ratios, PROXY_SHAPE's width and depth (never larger than the target's). */
export function proxyOf(
  target: Qwen2Config,
  vocabSize: number,
  eosId: number | null,
  maxPos: number,
): Qwen2Config {
  const hidden = Math.min(target.hidden_size, PROXY_SHAPE.hidden);
  const headDim = Math.min(target.head_dim, PROXY_SHAPE.headDim, hidden);
  const heads = Math.max(1, Math.floor(hidden / headDim));
  const group = Math.max(1, Math.round(target.num_attention_heads / target.num_key_value_heads));
  // keep the grouping when it divides the proxy's heads, else the largest divisor below it
  let kvHeads = Math.max(1, Math.round(heads / group));
  while (heads % kvHeads !== 0) kvHeads--;
  const mlpRatio = target.intermediate_size / target.hidden_size;
  return qwen2Config({
    vocab_size: vocabSize,
    hidden_size: hidden,
    intermediate_size: Math.max(8, Math.round((hidden * mlpRatio) / 8) * 8),
    num_hidden_layers: Math.min(target.num_hidden_layers, PROXY_SHAPE.layers),
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    max_position_embeddings: maxPos,
    rope_theta: target.rope_theta,
    rms_norm_eps: target.rms_norm_eps,
    tie_word_embeddings: target.tie_word_embeddings,
    initializer_range: target.initializer_range,
    ...(eosId !== null ? { eos_token_id: eosId, bos_token_id: eosId } : {}),
  });
}

export interface ModelChoice {
  /** What the user asked for ("preset case-1.1b", a config path, or "default"). */
  target: string;
  targetConfig: Qwen2Config | null;
  /** The model trained. */
  config: Qwen2Config;
  proxy: boolean;
  /** Sub-vocabulary size when the tokenizer was cut (proxy). */
  subVocab?: number;
  /** One or two sentences: what is trained and why. */
  reason: string;
  params: number;
  /** Estimated training seconds for the protocol on this engine: trained model and (when proxied) the target. */
  seconds: number;
  targetSeconds?: number;
}

export interface ChooseOptions {
  target: { name: string; config: Qwen2Config } | null;
  /** Tokens the protocol trains on (all epochs), and its block size. */
  tokens: number;
  seqLen: number;
  batch: number;
  /** Time budget in seconds: a target estimated above it is replaced by its proxy. */
  budgetSeconds: number;
  /** "auto" (default), "on" (always proxy), "off" (never). */
  proxy: "auto" | "on" | "off";
  /** Sustained training GFLOP/s of this engine (measured: see timing.ts). */
  gflops: (c: Qwen2Config) => number;
  /** Tokenizer facts: full and proxy vocabulary sizes and the eos id in each. */
  vocab: { full: number; fullEos: number | null; sub: number; subEos: number | null; subK: number };
}

/** Train seconds for `tokens` tokens of `c` at `gflops` (6N + attention FLOPs per token). */
export function trainSeconds(
  c: Qwen2Config,
  tokens: number,
  seqLen: number,
  batch: number,
  gflops: number,
): number {
  const e = estimateModel(c, batch, seqLen);
  return (tokens * e.flops_per_token.total) / (gflops * 1e9);
}

export function chooseModel(o: ChooseOptions): ModelChoice {
  const fmt = (s: number) =>
    s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
  if (!o.target) {
    const config = defaultProxy(o.vocab.sub, o.vocab.subEos, o.seqLen);
    const seconds = trainSeconds(config, o.tokens, o.seqLen, o.batch, o.gflops(config));
    return {
      target: "default",
      targetConfig: null,
      config,
      proxy: true,
      subVocab: o.vocab.subK,
      reason: `no model given: the default Qwen2 proxy (hidden ${config.hidden_size}, ${config.num_hidden_layers} layers) on the first ${o.vocab.subK} tokens of the tokenizer`,
      params: estimateModel(config, o.batch, o.seqLen).params.total,
      seconds,
    };
  }
  const t = o.target.config;
  const targetSeconds = trainSeconds(t, o.tokens, o.seqLen, o.batch, o.gflops(t));
  const tParams = estimateModel(t, o.batch, o.seqLen).params.total;
  const fits = targetSeconds <= o.budgetSeconds;
  if (o.proxy === "off" || (o.proxy === "auto" && fits)) {
    const config = {
      ...t,
      vocab_size: Math.max(t.vocab_size, o.vocab.full),
      max_position_embeddings: Math.max(t.max_position_embeddings, o.seqLen),
    };
    return {
      target: o.target.name,
      targetConfig: t,
      config,
      proxy: false,
      reason:
        o.proxy === "off" && !fits
          ? `${o.target.name} trained as given (--proxy off) although it is estimated at ${fmt(targetSeconds)}, above the ${fmt(o.budgetSeconds)} budget`
          : `${o.target.name} trained as given: estimated ${fmt(targetSeconds)}, within the ${fmt(o.budgetSeconds)} budget`,
      params: tParams,
      seconds: targetSeconds,
    };
  }
  const config = proxyOf(t, o.vocab.sub, o.vocab.subEos, o.seqLen);
  const seconds = trainSeconds(config, o.tokens, o.seqLen, o.batch, o.gflops(config));
  const why =
    o.proxy === "on"
      ? "--proxy on"
      : `${o.target.name} (${fmtParams(tParams)} parameters) would take about ${fmt(targetSeconds)} on this engine, above the ${fmt(o.budgetSeconds)} budget`;
  return {
    target: o.target.name,
    targetConfig: t,
    config,
    proxy: true,
    subVocab: o.vocab.subK,
    reason: `${why}: training a proxy of the same family instead — Qwen2, hidden ${config.hidden_size}, ${config.num_hidden_layers} layers, ${config.num_attention_heads}/${config.num_key_value_heads} heads, SwiGLU ${config.intermediate_size} (the target's ratios), on the first ${o.vocab.subK} tokens of the same tokenizer; it tests the pipeline, not the full model's capacity (use --engine external for that)`,
    params: estimateModel(config, o.batch, o.seqLen).params.total,
    seconds,
    targetSeconds,
  };
}

function fmtParams(n: number): string {
  return n >= 1e9
    ? `${(n / 1e9).toFixed(2)}B`
    : n >= 1e6
      ? `${(n / 1e6).toFixed(1)}M`
      : `${Math.round(n / 1e3)}k`;
}

export { PROXY_SUBVOCAB };
