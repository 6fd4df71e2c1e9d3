import type { Rng } from "../util/rng.js";
import { dims, type Qwen2Config } from "./config.js";
import type { Buf, Ops } from "./ops.js";
import { type LayerParams, ParamLayout, type ParamTensor } from "./params.js";
import { ropeTables } from "./rope-tables.js";

/** Saved activations of one decoder layer for one micro-batch (N = B·T positions). */
interface LayerActs {
  /** residual stream entering the layer [N, C] */
  xIn: Buf;
  ln1: Buf; // [N, C]
  rstd1: Buf; // [N]
  q: Buf; // [N, H·D], after RoPE
  k: Buf; // [N, KV·D], after RoPE
  v: Buf; // [N, KV·D]
  att: Buf; // [B, H, T, T] softmax probabilities
  attOut: Buf; // [N, H·D]
  /** residual after attention [N, C] */
  xMid: Buf;
  ln2: Buf; // [N, C]
  rstd2: Buf; // [N]
  gate: Buf; // [N, I]
  up: Buf; // [N, I]
  act: Buf; // [N, I] silu(gate)·up
}

interface Acts {
  B: number;
  T: number;
  ids: Int32Array; // [N]
  targets: Int32Array; // [N]
  pos: Int32Array; // [N]
  layers: LayerActs[];
  /** residual stream after the last layer [N, C] */
  xOut: Buf;
  lnf: Buf; // [N, C]
  rstdf: Buf; // [N]
  logits: Buf; // [N, V]; holds dlogits after a forward with gradScale
  // backward scratch
  dres: Buf; // [N, C] gradient of the residual stream
  dln: Buf; // [N, C]
  dattOut: Buf; // [N, H·D]
  dq: Buf; // [N, H·D]
  dk: Buf; // [N, KV·D]
  dv: Buf; // [N, KV·D]
  dact: Buf; // [N, I]
  dgate: Buf; // [N, I]
  dup: Buf; // [N, I]
}

export interface Batch {
  /** token ids [B, T] flattened */
  ids: Int32Array;
  /** target ids [B, T] flattened (−100 = no target), or null for logits only */
  targets: Int32Array | null;
  B: number;
  T: number;
}

export interface ForwardResult {
  /** Σ of −log p(target) over counted positions (float64). */
  lossSum: number;
  /** number of positions with a target */
  count: number;
}

/**
 * Qwen2ForCausalLM as HF transformers defines it (modeling_qwen2.py), written llm.c style against the Ops
 * contract: one flat parameter buffer and one flat gradient buffer (HF tensor names map to offsets, see
 * ParamLayout), and every layer a plain forward and backward call on flat row-major buffers.
 *
 *   x = embed[ids]
 *   per layer:  x += o_proj(attn(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1)))   n1 = rmsnorm(x)
 *               x += down_proj(silu(gate_proj(n2)) · up_proj(n2))                    n2 = rmsnorm(x)
 *   logits = rmsnorm(x) · lm_headᵀ     (lm_head = embed when tie_word_embeddings)
 */
export class Qwen2Model {
  readonly layout: ParamLayout;
  readonly params: Buf;
  private gradBuf: Buf | null = null;
  private acts: Acts | null = null;
  private ropeCos: Buf;
  private ropeSin: Buf;
  private ropeLen = 0;
  /** Whether the last forward left dlogits (and activations) for backward(). */
  private readyForBackward = false;
  private readonly scratchF = new Map<string, Buf>();
  private readonly scratchI = new Map<string, Int32Array>();

  constructor(
    readonly ops: Ops,
    readonly config: Qwen2Config,
  ) {
    this.layout = new ParamLayout(config);
    this.params = ops.alloc(this.layout.total);
    this.ropeCos = ops.alloc(0);
    this.ropeSin = ops.alloc(0);
  }

  /** The flat gradient buffer (same layout as params), allocated on first use. */
  get grads(): Buf {
    this.gradBuf ??= this.ops.alloc(this.layout.total);
    return this.gradBuf;
  }

  /** View of one parameter tensor. */
  param(t: ParamTensor | string): Buf {
    const p = typeof t === "string" ? this.mustGet(t) : t;
    return this.params.subarray(p.offset, p.offset + p.size);
  }

  grad(t: ParamTensor | string): Buf {
    const p = typeof t === "string" ? this.mustGet(t) : t;
    return this.grads.subarray(p.offset, p.offset + p.size);
  }

  private mustGet(name: string): ParamTensor {
    const t = this.layout.get(name);
    if (!t) throw new Error(`no parameter ${name}`);
    return t;
  }

  /**
   * Qwen2PreTrainedModel._init_weights: Linear and Embedding weights ~ N(0, initializer_range), biases 0,
   * RMSNorm weights 1. Draws in layout order from `rng`, so a seed fixes every weight.
   */
  initWeights(rng: Rng): void {
    const std = this.config.initializer_range;
    this.params.fill(0);
    for (const t of this.layout.tensors) {
      const w = this.param(t);
      if (t.init === "ones") w.fill(1);
      else if (t.init === "normal") for (let i = 0; i < t.size; i++) w[i] = rng.normal() * std;
    }
    const pad = this.config.pad_token_id;
    if (pad != null) {
      const C = this.config.hidden_size;
      this.param(this.layout.embed).fill(0, pad * C, (pad + 1) * C);
    }
  }

  zeroGrads(): void {
    this.grads.fill(0);
  }

  /** Logits [B·T, V] of the last forward made without gradScale. */
  get logits(): Buf {
    if (!this.acts) throw new Error("no forward pass yet");
    const N = this.acts.B * this.acts.T;
    return this.acts.logits.subarray(0, N * this.config.vocab_size);
  }

  /**
   * Forward pass. With targets, returns the summed cross-entropy and the number of targets. With
   * `gradScale` (training), dlogits = (softmax − onehot)·gradScale replace the logits in place and backward()
   * may follow; gradScale is 1 / (targets in the whole optimizer step), so micro-batch gradients add up to
   * the gradient of the mean loss over the step.
   */
  forward(batch: Batch, gradScale?: number): ForwardResult {
    const { B, T } = batch;
    const c = this.config;
    const N = B * T;
    if (batch.ids.length < N) throw new Error(`forward: ids has ${batch.ids.length} < ${N} elements`);
    if (T > c.max_position_embeddings)
      throw new Error(
        `forward: sequence length ${T} exceeds max_position_embeddings ${c.max_position_embeddings}`,
      );
    const a = this.activations(B, T);
    const ops = this.ops;
    const { C, H, KV, D, I, V, qDim, kvDim } = dims(c);
    for (let n = 0; n < N; n++) {
      const id = batch.ids[n];
      if (!(id >= 0 && id < V)) throw new RangeError(`token id ${id} at position ${n} is outside [0, ${V})`);
      a.ids[n] = id;
    }
    if (batch.targets) a.targets.set(batch.targets.subarray(0, N));
    else a.targets.fill(-100);
    this.ensureRope(T);

    ops.embeddingForward(a.ids, this.param(this.layout.embed), a.layers[0].xIn, N, C);
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = this.layout.layers[l];
      const L = a.layers[l];
      const next = l + 1 < c.num_hidden_layers ? a.layers[l + 1].xIn : a.xOut;
      // attention block
      ops.rmsnormForward(L.xIn, this.param(p.ln1), c.rms_norm_eps, L.ln1, L.rstd1, N, C);
      this.linear(L.ln1, p.qW, p.qB, L.q, N, C, qDim);
      this.linear(L.ln1, p.kW, p.kB, L.k, N, C, kvDim);
      this.linear(L.ln1, p.vW, p.vB, L.v, N, C, kvDim);
      ops.rope(L.q, a.pos, this.ropeCos, this.ropeSin, N, H, D, false);
      ops.rope(L.k, a.pos, this.ropeCos, this.ropeSin, N, KV, D, false);
      ops.attentionForward(L.q, L.k, L.v, L.att, L.attOut, B, T, H, KV, D, D ** -0.5);
      this.linear(L.attOut, p.oW, null, L.xMid, N, qDim, C);
      ops.add(L.xMid, L.xIn, L.xMid, N * C);
      // MLP block
      ops.rmsnormForward(L.xMid, this.param(p.ln2), c.rms_norm_eps, L.ln2, L.rstd2, N, C);
      this.linear(L.ln2, p.gateW, null, L.gate, N, C, I);
      this.linear(L.ln2, p.upW, null, L.up, N, C, I);
      ops.swigluForward(L.gate, L.up, L.act, N * I);
      this.linear(L.act, p.downW, null, next, N, I, C);
      ops.add(next, L.xMid, next, N * C);
    }
    ops.rmsnormForward(a.xOut, this.param(this.layout.finalNorm), c.rms_norm_eps, a.lnf, a.rstdf, N, C);
    this.linear(a.lnf, this.layout.lmHead, null, a.logits, N, C, V);

    this.readyForBackward = false;
    if (!batch.targets) return { lossSum: 0, count: 0 };
    const train = gradScale !== undefined;
    const r = ops.crossEntropy(a.logits, a.targets, N, V, train ? a.logits : null, gradScale ?? 0);
    this.readyForBackward = train;
    return { lossSum: r.loss, count: r.count };
  }

  /** Backward of the last forward(batch, gradScale): adds this micro-batch's gradients into grads. */
  backward(): void {
    if (!this.readyForBackward || !this.acts)
      throw new Error("backward() needs a forward() with gradScale first");
    this.readyForBackward = false;
    const a = this.acts;
    const ops = this.ops;
    const c = this.config;
    const { B, T } = a;
    const N = B * T;
    const { C, H, KV, D, I, V, qDim, kvDim } = dims(c);

    // lm_head: logits = lnf · Wᵀ   (a.logits now holds dlogits)
    this.linearBackward(a.lnf, a.logits, this.layout.lmHead, null, a.dln, N, C, V, false);
    a.dres.fill(0, 0, N * C);
    ops.rmsnormBackward(
      a.xOut,
      this.param(this.layout.finalNorm),
      a.rstdf,
      a.dln,
      a.dres,
      this.grad(this.layout.finalNorm),
      N,
      C,
    );

    for (let l = c.num_hidden_layers - 1; l >= 0; l--) {
      const p: LayerParams = this.layout.layers[l];
      const L = a.layers[l];
      // MLP block; a.dres = ∂loss/∂(layer output) = ∂loss/∂(down output) = ∂loss/∂xMid via the residual
      this.linearBackward(L.act, a.dres, p.downW, null, a.dact, N, I, C, false);
      ops.swigluBackward(L.gate, L.up, a.dact, a.dgate, a.dup, N * I);
      this.linearBackward(L.ln2, a.dgate, p.gateW, null, a.dln, N, C, I, false);
      this.linearBackward(L.ln2, a.dup, p.upW, null, a.dln, N, C, I, true);
      ops.rmsnormBackward(L.xMid, this.param(p.ln2), L.rstd2, a.dln, a.dres, this.grad(p.ln2), N, C);
      // attention block; a.dres = ∂loss/∂xMid = ∂loss/∂(o_proj output) = ∂loss/∂xIn via the residual
      this.linearBackward(L.attOut, a.dres, p.oW, null, a.dattOut, N, qDim, C, false);
      ops.attentionBackward(L.q, L.k, L.v, L.att, a.dattOut, a.dq, a.dk, a.dv, B, T, H, KV, D, D ** -0.5);
      ops.rope(a.dq, a.pos, this.ropeCos, this.ropeSin, N, H, D, true);
      ops.rope(a.dk, a.pos, this.ropeCos, this.ropeSin, N, KV, D, true);
      this.linearBackward(L.ln1, a.dq, p.qW, p.qB, a.dln, N, C, qDim, false);
      this.linearBackward(L.ln1, a.dk, p.kW, p.kB, a.dln, N, C, kvDim, true);
      this.linearBackward(L.ln1, a.dv, p.vW, p.vB, a.dln, N, C, kvDim, true);
      ops.rmsnormBackward(L.xIn, this.param(p.ln1), L.rstd1, a.dln, a.dres, this.grad(p.ln1), N, C);
    }
    const pad = c.pad_token_id;
    if (pad != null) {
      // nn.Embedding(padding_idx): the lookup sends no gradient to the padding row
      for (let n = 0; n < N; n++) if (a.ids[n] === pad) a.dres.fill(0, n * C, (n + 1) * C);
    }
    ops.embeddingBackward(a.ids, a.dres, this.grad(this.layout.embed), N, C);
  }

  /** y [N, out] = x [N, in] · Wᵀ (+ b), W stored [out, in] as in HF's nn.Linear. */
  private linear(
    x: Buf,
    w: ParamTensor,
    b: ParamTensor | null,
    y: Buf,
    N: number,
    inDim: number,
    outDim: number,
  ): void {
    this.ops.sgemm(false, true, N, outDim, inDim, 1, x, inDim, this.param(w), inDim, 0, y, outDim);
    if (b) this.ops.addBias(y, this.param(b), N, outDim);
  }

  /**
   * Backward of linear(): dW += dyᵀ·x, db += Σ dy, and dx = dy·W (dx += when accumulate, for the three
   * projections that read the same normalised input).
   */
  private linearBackward(
    x: Buf,
    dy: Buf,
    w: ParamTensor,
    b: ParamTensor | null,
    dx: Buf,
    N: number,
    inDim: number,
    outDim: number,
    accumulate: boolean,
  ): void {
    const ops = this.ops;
    ops.sgemm(true, false, outDim, inDim, N, 1, dy, outDim, x, inDim, 1, this.grad(w), inDim);
    if (b) ops.biasGrad(dy, this.grad(b), N, outDim);
    ops.sgemm(
      false,
      false,
      N,
      inDim,
      outDim,
      1,
      dy,
      outDim,
      this.param(w),
      inDim,
      accumulate ? 1 : 0,
      dx,
      inDim,
    );
  }

  /**
   * A reusable backend buffer of n elements under `key` (activations, KV cache, RoPE tables). It only ever
   * grows: the WebAssembly backend's arena never frees, so buffers are kept and reused across shapes rather
   * than reallocated. Contents are whatever the last user left.
   */
  scratch(key: string, n: number): Buf {
    let b = this.scratchF.get(key);
    if (!b || b.length < n) {
      b = this.ops.alloc(n);
      this.scratchF.set(key, b);
    }
    return b.subarray(0, n);
  }

  scratchInt(key: string, n: number): Int32Array {
    let b = this.scratchI.get(key);
    if (!b || b.length < n) {
      b = this.ops.allocInt(n);
      this.scratchI.set(key, b);
    }
    return b.subarray(0, n);
  }

  private ensureRope(T: number): void {
    if (this.ropeLen >= T) return;
    const half = this.config.head_dim / 2;
    const len = Math.min(this.config.max_position_embeddings, Math.max(T, 2 * this.ropeLen));
    this.ropeCos = this.scratch("rope.cos", len * half);
    this.ropeSin = this.scratch("rope.sin", len * half);
    ropeTables(this.ropeCos, this.ropeSin, len, this.config.head_dim, this.config.rope_theta, this.ops.dtype);
    this.ropeLen = len;
  }

  /** cos/sin tables covering at least `positions` positions (generation reuses them). */
  rope(positions: number): { cos: Buf; sin: Buf } {
    this.ensureRope(positions);
    return { cos: this.ropeCos, sin: this.ropeSin };
  }

  /** Activation buffers for a [B, T] micro-batch (views of reusable scratch buffers). */
  private activations(B: number, T: number): Acts {
    if (this.acts && this.acts.B === B && this.acts.T === T) return this.acts;
    const c = this.config;
    const N = B * T;
    const { C, qDim, kvDim, I } = dims(c);
    const f = (key: string, n: number) => this.scratch(`act.${key}`, n);
    const layers: LayerActs[] = [];
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const k = (name: string) => `${l}.${name}`;
      layers.push({
        xIn: f(k("xIn"), N * C),
        ln1: f(k("ln1"), N * C),
        rstd1: f(k("rstd1"), N),
        q: f(k("q"), N * qDim),
        k: f(k("k"), N * kvDim),
        v: f(k("v"), N * kvDim),
        att: f(k("att"), B * c.num_attention_heads * T * T),
        attOut: f(k("attOut"), N * qDim),
        xMid: f(k("xMid"), N * C),
        ln2: f(k("ln2"), N * C),
        rstd2: f(k("rstd2"), N),
        gate: f(k("gate"), N * I),
        up: f(k("up"), N * I),
        act: f(k("act"), N * I),
      });
    }
    const pos = this.scratchInt("act.pos", N);
    for (let n = 0; n < N; n++) pos[n] = n % T;
    this.acts = {
      B,
      T,
      ids: this.scratchInt("act.ids", N),
      targets: this.scratchInt("act.targets", N),
      pos,
      layers,
      xOut: f("xOut", N * C),
      lnf: f("lnf", N * C),
      rstdf: f("rstdf", N),
      logits: f("logits", N * c.vocab_size),
      dres: f("dres", N * C),
      dln: f("dln", N * C),
      dattOut: f("dattOut", N * qDim),
      dq: f("dq", N * qDim),
      dk: f("dk", N * kvDim),
      dv: f("dv", N * kvDim),
      dact: f("dact", N * I),
      dgate: f("dgate", N * I),
      dup: f("dup", N * I),
    };
    return this.acts;
  }

  /** Floats of activation memory one [B, T] micro-batch needs (for `model estimate`). */
  static activationFloats(c: Qwen2Config, B: number, T: number): number {
    const N = B * T;
    const { C, qDim, kvDim, I } = dims(c);
    const perLayer =
      4 * N * C + 2 * N + 2 * N * qDim + 2 * N * kvDim + B * c.num_attention_heads * T * T + 3 * N * I;
    const rest = 2 * N * C + N + N * c.vocab_size + 2 * N * C + 2 * N * qDim + 2 * N * kvDim + 3 * N * I;
    return c.num_hidden_layers * perLayer + rest;
  }
}
