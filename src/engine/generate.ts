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
 * Incremental decoding with a KV cache: the prompt runs through the model once (keys and values of every layer
 * stored), then each new token costs one position. Matrix products use the backend's sgemm; attention over the
 * cache is a short loop here (one query row per head per new token).
 */
export class KvDecoder {
  private readonly kCache: Buf[] = [];
  private readonly vCache: Buf[] = [];
  private len = 0;

  constructor(
    readonly model: Qwen2Model,
    readonly maxLen: number,
  ) {
    const c = model.config;
    if (maxLen > c.max_position_embeddings)
      throw new Error(
        `generation length ${maxLen} exceeds max_position_embeddings ${c.max_position_embeddings}`,
      );
    const kvDim = c.num_key_value_heads * c.head_dim;
    // the model's reusable scratch buffers: one decoder per model at a time
    for (let l = 0; l < c.num_hidden_layers; l++) {
      this.kCache.push(model.scratch(`kv.k.${l}`, maxLen * kvDim));
      this.vCache.push(model.scratch(`kv.v.${l}`, maxLen * kvDim));
    }
  }

  /** Tokens in the cache. */
  get length(): number {
    return this.len;
  }

  private buffers(n: number) {
    const m = this.model;
    const c = m.config;
    const { C, qDim, I } = dims(c);
    return {
      ids: m.scratchInt("kv.ids", n),
      pos: m.scratchInt("kv.pos", n),
      x: m.scratch("kv.x", n * C),
      ln: m.scratch("kv.ln", n * C),
      rstd: m.scratch("kv.rstd", n),
      q: m.scratch("kv.q", n * qDim),
      att: m.scratch("kv.att", n * qDim),
      tmp: m.scratch("kv.tmp", n * C),
      gate: m.scratch("kv.gate", n * I),
      up: m.scratch("kv.up", n * I),
      logits: m.scratch("kv.logits", c.vocab_size),
    };
  }

  /** Feed tokens at the next positions; returns the logits [V] after the last one (a view, reused). */
  feed(tokens: ArrayLike<number>): Buf {
    const n = tokens.length;
    if (n === 0) throw new Error("feed: no tokens");
    if (this.len + n > this.maxLen) throw new Error(`KV cache full (${this.maxLen} positions)`);
    const s = this.buffers(n);
    const m = this.model;
    const ops = m.ops;
    const c = m.config;
    const { C, H, KV, D, I, V, qDim, kvDim } = dims(c);
    const start = this.len;
    for (let i = 0; i < n; i++) {
      if (!(tokens[i] >= 0 && tokens[i] < V)) throw new RangeError(`token id ${tokens[i]} outside [0, ${V})`);
      s.ids[i] = tokens[i];
      s.pos[i] = start + i;
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
    ops.embeddingForward(s.ids, m.param(m.layout.embed), s.x, n, C);
    const scale = D ** -0.5;
    const scores = new Float64Array(start + n);
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `model.layers.${l}.`;
      const kc = this.kCache[l];
      const vc = this.vCache[l];
      const kNew = kc.subarray(start * kvDim, (start + n) * kvDim);
      const vNew = vc.subarray(start * kvDim, (start + n) * kvDim);
      ops.rmsnormForward(s.x, m.param(`${p}input_layernorm.weight`), c.rms_norm_eps, s.ln, s.rstd, n, C);
      linear(s.ln, `${p}self_attn.q_proj.weight`, s.q, n, C, qDim, `${p}self_attn.q_proj.bias`);
      linear(s.ln, `${p}self_attn.k_proj.weight`, kNew, n, C, kvDim, `${p}self_attn.k_proj.bias`);
      linear(s.ln, `${p}self_attn.v_proj.weight`, vNew, n, C, kvDim, `${p}self_attn.v_proj.bias`);
      ops.rope(s.q, s.pos, cos, sin, n, H, D, false);
      ops.rope(kNew, s.pos, cos, sin, n, KV, D, false);
      // causal attention of the n new queries over the cache (positions 0 … start+i)
      const group = H / KV;
      for (let i = 0; i < n; i++) {
        const upto = start + i;
        for (let h = 0; h < H; h++) {
          const kv = Math.floor(h / group);
          const qo = (i * H + h) * D;
          let max = Number.NEGATIVE_INFINITY;
          for (let t = 0; t <= upto; t++) {
            const ko = t * kvDim + kv * D;
            let d = 0;
            for (let e = 0; e < D; e++) d += s.q[qo + e] * kc[ko + e];
            scores[t] = d * scale;
            if (scores[t] > max) max = scores[t];
          }
          let sum = 0;
          for (let t = 0; t <= upto; t++) {
            scores[t] = Math.exp(scores[t] - max);
            sum += scores[t];
          }
          for (let e = 0; e < D; e++) {
            let acc = 0;
            for (let t = 0; t <= upto; t++) acc += scores[t] * vc[t * kvDim + kv * D + e];
            s.att[qo + e] = acc / sum;
          }
        }
      }
      linear(s.att, `${p}self_attn.o_proj.weight`, s.tmp, n, qDim, C);
      ops.add(s.x, s.tmp, s.x, n * C);
      ops.rmsnormForward(
        s.x,
        m.param(`${p}post_attention_layernorm.weight`),
        c.rms_norm_eps,
        s.ln,
        s.rstd,
        n,
        C,
      );
      linear(s.ln, `${p}mlp.gate_proj.weight`, s.gate, n, C, I);
      linear(s.ln, `${p}mlp.up_proj.weight`, s.up, n, C, I);
      ops.swigluForward(s.gate, s.up, s.gate, n * I);
      linear(s.gate, `${p}mlp.down_proj.weight`, s.tmp, n, I, C);
      ops.add(s.x, s.tmp, s.x, n * C);
    }
    const last = s.x.subarray((n - 1) * C, n * C);
    ops.rmsnormForward(last, m.param(m.layout.finalNorm), c.rms_norm_eps, s.ln, s.rstd, 1, C);
    linear(s.ln, m.layout.lmHead.name, s.logits, 1, C, V);
    this.len += n;
    return s.logits;
  }
}

/** Pick the next token from logits [V] (HF order: temperature, then top-k, then top-p). */
export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rng: Rng): number {
  const V = logits.length;
  const temp = opts.temperature ?? 1;
  if (opts.greedy || temp === 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
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
