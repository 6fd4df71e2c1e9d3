import { Rng } from "../util/rng.js";
import { dims } from "./config.js";
import type { Qwen2Model } from "./model.js";
import type { Buf } from "./ops.js";

export interface SamplingOptions {
  maxNewTokens: number;
  /** 0 (or greedy: true) picks the most likely token; otherwise logits are divided by it before sampling. */
  temperature?: number;
  greedy?: boolean;
  /** Keep only the k most likely tokens (ties at the k-th value kept, as HF's TopKLogitsWarper). 0 = off. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (HF's TopPLogitsWarper). 1 = off. */
  topP?: number;
  /** Seed for sampling (a fresh Rng), or an Rng to draw from (its state advances). */
  seed?: number | string;
  rng?: Rng;
  /** Stop after generating any of these ids (the id is included in the output). */
  stopIds?: number[];
}

/**
 * Incremental decoding with a KV cache, for one sequence or a batch of B sequences of equal length: the prompts
 * run through the model once (keys and values of every layer stored), then each new token per sequence costs one
 * position. The B sequences share every matrix product (an [n·B, C] × [C, out] sgemm per linear, one [B, C] ×
 * [C, V] lm_head per step), which is what makes batched greedy decoding fast: M = 1 products are memory-bound.
 * Attention over the cache is a short loop here (one query row per head per new token), each sequence over its
 * own positions.
 *
 * Rows are position-major: row r = i·B + b holds sequence b's i-th new token, and the cache of each layer is
 * [maxLen, B, KV·D], so the rows fed in one call are one contiguous slice of it and the last position's rows
 * (the logits' inputs) are contiguous too. With B = 1 this is the plain single-sequence decoder.
 */
export class KvDecoder {
  private readonly kCache: Buf[] = [];
  private readonly vCache: Buf[] = [];
  private len = 0;

  constructor(
    readonly model: Qwen2Model,
    readonly maxLen: number,
    readonly batch = 1,
  ) {
    const c = model.config;
    if (maxLen > c.max_position_embeddings)
      throw new Error(
        `generation length ${maxLen} exceeds max_position_embeddings ${c.max_position_embeddings}`,
      );
    if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`batch ${batch} is not a positive integer`);
    const kvDim = c.num_key_value_heads * c.head_dim;
    // the model's reusable scratch buffers: one decoder per model at a time
    for (let l = 0; l < c.num_hidden_layers; l++) {
      this.kCache.push(model.scratch(`kv.k.${l}`, maxLen * batch * kvDim));
      this.vCache.push(model.scratch(`kv.v.${l}`, maxLen * batch * kvDim));
    }
  }

  /** Tokens in the cache, per sequence. */
  get length(): number {
    return this.len;
  }

  private buffers(rows: number) {
    const m = this.model;
    const c = m.config;
    const { C, qDim, I } = dims(c);
    return {
      ids: m.scratchInt("kv.ids", rows),
      pos: m.scratchInt("kv.pos", rows),
      x: m.scratch("kv.x", rows * C),
      ln: m.scratch("kv.ln", rows * C),
      rstd: m.scratch("kv.rstd", rows),
      q: m.scratch("kv.q", rows * qDim),
      att: m.scratch("kv.att", rows * qDim),
      tmp: m.scratch("kv.tmp", rows * C),
      gate: m.scratch("kv.gate", rows * I),
      up: m.scratch("kv.up", rows * I),
      logits: m.scratch("kv.logits", this.batch * c.vocab_size),
    };
  }

  /** Feed tokens at the next positions (batch 1); returns the logits [V] after the last one (a view, reused). */
  feed(tokens: ArrayLike<number>): Buf {
    if (this.batch !== 1) throw new Error(`feed: this decoder holds ${this.batch} sequences (use feedBatch)`);
    return this.feedBatch([tokens]);
  }

  /**
   * Feed n tokens to each of the B sequences at the next positions (tokens[b] is sequence b's, all of length n);
   * returns the logits [B, V] after each sequence's last token (a view, reused).
   */
  feedBatch(tokens: ArrayLike<number>[]): Buf {
    const B = this.batch;
    if (tokens.length !== B) throw new Error(`feedBatch: ${tokens.length} sequences for a batch of ${B}`);
    const n = tokens[0].length;
    if (n === 0) throw new Error("feed: no tokens");
    for (const t of tokens)
      if (t.length !== n) throw new Error(`feedBatch: sequences of ${n} and ${t.length} tokens`);
    if (this.len + n > this.maxLen) throw new Error(`KV cache full (${this.maxLen} positions)`);
    const rows = n * B;
    const s = this.buffers(rows);
    const m = this.model;
    const ops = m.ops;
    const c = m.config;
    const { C, H, KV, D, I, V, qDim, kvDim } = dims(c);
    const start = this.len;
    for (let i = 0; i < n; i++)
      for (let b = 0; b < B; b++) {
        const id = tokens[b][i];
        if (!(id >= 0 && id < V)) throw new RangeError(`token id ${id} outside [0, ${V})`);
        s.ids[i * B + b] = id;
        s.pos[i * B + b] = start + i;
      }
    const { cos, sin } = m.rope(start + n);
    const linear = (
      x: Buf,
      name: string,
      y: Buf,
      rows: number,
      inDim: number,
      outDim: number,
      bias?: string,
    ) => {
      ops.sgemm(false, true, rows, outDim, inDim, 1, x, inDim, m.param(name), inDim, 0, y, outDim);
      if (bias) ops.addBias(y, m.param(bias), rows, outDim);
    };
    ops.embeddingForward(s.ids, m.param(m.layout.embed), s.x, rows, C);
    const scores = new Float64Array(start + n);
    const acc = new Float64Array(D);
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `model.layers.${l}.`;
      const kc = this.kCache[l]; // [maxLen, B, kvDim]
      const vc = this.vCache[l];
      const kNew = kc.subarray(start * B * kvDim, (start + n) * B * kvDim); // [n·B, kvDim]
      const vNew = vc.subarray(start * B * kvDim, (start + n) * B * kvDim);
      ops.rmsnormForward(s.x, m.param(`${p}input_layernorm.weight`), c.rms_norm_eps, s.ln, s.rstd, rows, C);
      linear(s.ln, `${p}self_attn.q_proj.weight`, s.q, rows, C, qDim, `${p}self_attn.q_proj.bias`);
      linear(s.ln, `${p}self_attn.k_proj.weight`, kNew, rows, C, kvDim, `${p}self_attn.k_proj.bias`);
      linear(s.ln, `${p}self_attn.v_proj.weight`, vNew, rows, C, kvDim, `${p}self_attn.v_proj.bias`);
      ops.rope(s.q, s.pos, cos, sin, rows, H, D, false);
      ops.rope(kNew, s.pos, cos, sin, rows, KV, D, false);
      attendCache(s.q, kc, vc, s.att, rows, B, start, H, KV, D, scores, acc);
      linear(s.att, `${p}self_attn.o_proj.weight`, s.tmp, rows, qDim, C);
      ops.add(s.x, s.tmp, s.x, rows * C);
      ops.rmsnormForward(
        s.x,
        m.param(`${p}post_attention_layernorm.weight`),
        c.rms_norm_eps,
        s.ln,
        s.rstd,
        rows,
        C,
      );
      linear(s.ln, `${p}mlp.gate_proj.weight`, s.gate, rows, C, I);
      linear(s.ln, `${p}mlp.up_proj.weight`, s.up, rows, C, I);
      ops.swigluForward(s.gate, s.up, s.gate, rows * I);
      linear(s.gate, `${p}mlp.down_proj.weight`, s.tmp, rows, I, C);
      ops.add(s.x, s.tmp, s.x, rows * C);
    }
    // the last position's B rows: [B, C] → logits [B, V]
    const last = s.x.subarray((n - 1) * B * C, n * B * C);
    ops.rmsnormForward(last, m.param(m.layout.finalNorm), c.rms_norm_eps, s.ln, s.rstd, B, C);
    linear(s.ln, m.layout.lmHead.name, s.logits, B, C, V);
    this.len += n;
    return s.logits;
  }
}

/**
 * Causal attention of the new query rows over each row's own sequence's cache (positions 0 … start + i), in
 * float64 with the max subtracted before exp, as the reference attention does.
 *   q, att [rows, H, D] (row r = i·B + b);  kc, vc [maxLen, B, KV·D];  head h reads KV head floor(h / (H / KV)).
 * Values are summed position-major into acc [D] (each element still in ascending t, as a per-element loop
 * would): the cache's rows lie B·KV·D apart, so one pass over t reads each row once.
 */
function attendCache(
  q: Buf,
  kc: Buf,
  vc: Buf,
  att: Buf,
  rows: number,
  B: number,
  start: number,
  H: number,
  KV: number,
  D: number,
  scores: Float64Array,
  acc: Float64Array,
): void {
  const kvDim = KV * D;
  const stride = B * kvDim;
  const group = H / KV;
  const scale = D ** -0.5;
  for (let r = 0; r < rows; r++) {
    const b = r % B;
    const upto = start + Math.floor(r / B);
    for (let h = 0; h < H; h++) {
      const kvo = b * kvDim + Math.floor(h / group) * D;
      const qo = (r * H + h) * D;
      let max = Number.NEGATIVE_INFINITY;
      for (let t = 0; t <= upto; t++) {
        const ko = t * stride + kvo;
        let d = 0;
        for (let e = 0; e < D; e++) d += q[qo + e] * kc[ko + e];
        const sc = d * scale;
        scores[t] = sc;
        if (sc > max) max = sc;
      }
      let sum = 0;
      for (let t = 0; t <= upto; t++) {
        const w = Math.exp(scores[t] - max);
        scores[t] = w;
        sum += w;
      }
      acc.fill(0);
      for (let t = 0; t <= upto; t++) {
        const w = scores[t];
        const vo = t * stride + kvo;
        for (let e = 0; e < D; e++) acc[e] += w * vc[vo + e];
      }
      for (let e = 0; e < D; e++) att[qo + e] = acc[e] / sum;
    }
  }
}

/** The greedy choice: the first index holding the largest logit (ties go to the lower id, as torch.argmax). */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Pick the next token from logits [V] (HF order: temperature, then top-k, then top-p). */
export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rng: Rng): number {
  const V = logits.length;
  const temp = opts.temperature ?? 1;
  if (opts.greedy || temp === 0) return argmax(logits);
  const z = new Float64Array(V);
  for (let i = 0; i < V; i++) z[i] = logits[i] / temp;
  const keep = new Uint8Array(V).fill(1);
  const topK = opts.topK ?? 0;
  if (topK > 0 && topK < V) {
    const kth = Float64Array.from(z).sort()[V - topK];
    for (let i = 0; i < V; i++) if (z[i] < kth) keep[i] = 0;
  }
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < V; i++) if (keep[i] && z[i] > max) max = z[i];
  const p = new Float64Array(V);
  let sum = 0;
  for (let i = 0; i < V; i++) {
    p[i] = keep[i] ? Math.exp(z[i] - max) : 0;
    sum += p[i];
  }
  for (let i = 0; i < V; i++) p[i] /= sum;
  const topP = opts.topP ?? 1;
  if (topP < 1) {
    // HF: sort ascending, drop tokens whose cumulative probability is ≤ 1 − top_p; keep at least the top one
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[a] - p[b] || a - b);
    let cum = 0;
    for (let r = 0; r < V - 1; r++) {
      cum += p[order[r]];
      if (cum <= 1 - topP) p[order[r]] = 0;
      else break;
    }
    sum = 0;
    for (let i = 0; i < V; i++) sum += p[i];
    for (let i = 0; i < V; i++) p[i] /= sum;
  }
  const u = rng.float();
  let cum = 0;
  let last = 0;
  for (let i = 0; i < V; i++) {
    if (p[i] === 0) continue;
    cum += p[i];
    last = i;
    if (u < cum) return i;
  }
  return last;
}

/** Generate up to maxNewTokens after the prompt (fewer at a stop id or at max_position_embeddings). */
export function generate(model: Qwen2Model, prompt: ArrayLike<number>, opts: SamplingOptions): number[] {
  if (prompt.length === 0) throw new Error("generate: empty prompt");
  const maxNew = Math.min(opts.maxNewTokens, model.config.max_position_embeddings - prompt.length + 1);
  if (maxNew <= 0) return [];
  // the last sampled token is returned, never fed: the cache needs prompt + maxNew − 1 positions
  const dec = new KvDecoder(model, prompt.length + maxNew - 1);
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const stop = new Set(opts.stopIds ?? []);
  const out: number[] = [];
  let logits = dec.feed(prompt);
  for (let k = 0; k < maxNew; k++) {
    const t = sampleToken(logits, opts, rng);
    out.push(t);
    if (stop.has(t) || k === maxNew - 1) break;
    logits = dec.feed([t]);
  }
  return out;
}

/**
 * Greedy continuations of B prompts of equal length, decoded together (one sgemm per linear for all B, see
 * KvDecoder): the same tokens as generate(model, prompt, { maxNewTokens, greedy: true }) for each prompt, up to
 * float summation order in the backend's sgemm (a near-tie between two logits can in principle resolve
 * differently). No stop ids: every continuation has the same length.
 */
export function generateGreedyBatch(
  model: Qwen2Model,
  prompts: ArrayLike<number>[],
  maxNewTokens: number,
): number[][] {
  const B = prompts.length;
  if (B === 0) return [];
  const P = prompts[0].length;
  if (P === 0) throw new Error("generate: empty prompt");
  for (const p of prompts)
    if (p.length !== P) throw new Error(`generateGreedyBatch: prompts of ${P} and ${p.length} tokens`);
  const maxNew = Math.min(maxNewTokens, model.config.max_position_embeddings - P + 1);
  const out: number[][] = prompts.map(() => []);
  if (maxNew <= 0) return out;
  const V = model.config.vocab_size;
  const dec = new KvDecoder(model, P + maxNew - 1, B);
  let logits = dec.feedBatch(prompts);
  const next = new Array<number[]>(B);
  for (let k = 0; k < maxNew; k++) {
    for (let b = 0; b < B; b++) {
      const t = argmax(logits.subarray(b * V, (b + 1) * V));
      out[b].push(t);
      next[b] = [t];
    }
    if (k === maxNew - 1) break;
    logits = dec.feedBatch(next);
  }
  return out;
}
