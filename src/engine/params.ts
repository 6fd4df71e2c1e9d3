import type { Qwen2Config } from "./config.js";

/** How a tensor is initialised (Qwen2PreTrainedModel._init_weights). */
export type InitKind = "normal" | "zeros" | "ones";

/** One named tensor inside the flat parameter buffer. */
export interface ParamTensor {
  /** HF state_dict name, e.g. `model.layers.0.self_attn.q_proj.weight`. */
  name: string;
  /** HF shape: Linear weights are [out, in]. */
  shape: number[];
  /** Element offset in the flat buffer (a multiple of ALIGN). */
  offset: number;
  /** Number of elements. */
  size: number;
  init: InitKind;
}

/** Tensors start on 16-float (64-byte) boundaries so SIMD kernels and cache lines line up. */
export const ALIGN = 16;

/** Per-layer tensor offsets, for the model's forward and backward. */
export interface LayerParams {
  qW: ParamTensor;
  qB: ParamTensor;
  kW: ParamTensor;
  kB: ParamTensor;
  vW: ParamTensor;
  vB: ParamTensor;
  oW: ParamTensor;
  gateW: ParamTensor;
  upW: ParamTensor;
  downW: ParamTensor;
  ln1: ParamTensor;
  ln2: ParamTensor;
}

/**
 * The parameter layout, llm.c style: one flat buffer (and one flat gradient buffer of the same layout) with
 * every HF tensor at a fixed offset, in HF's state_dict order. With tied embeddings there is no lm_head tensor:
 * the output projection reads (and its gradient adds into) model.embed_tokens.weight.
 */
export class ParamLayout {
  readonly tensors: ParamTensor[] = [];
  readonly byName = new Map<string, ParamTensor>();
  readonly layers: LayerParams[] = [];
  readonly embed: ParamTensor;
  readonly finalNorm: ParamTensor;
  /** lm_head.weight, or the embedding when tied. */
  readonly lmHead: ParamTensor;
  /** Total elements of the flat buffer, alignment gaps included. */
  readonly total: number;
  /** Number of parameters (no gaps): what HF's num_parameters() reports. */
  readonly count: number;

  constructor(readonly config: Qwen2Config) {
    const c = config;
    const h = c.hidden_size;
    const qDim = c.num_attention_heads * c.head_dim;
    const kvDim = c.num_key_value_heads * c.head_dim;
    const I = c.intermediate_size;
    let offset = 0;
    let count = 0;
    const add = (name: string, shape: number[], init: InitKind): ParamTensor => {
      const size = shape.reduce((a, b) => a * b, 1);
      const t: ParamTensor = { name, shape, offset, size, init };
      this.tensors.push(t);
      this.byName.set(name, t);
      offset += Math.ceil(size / ALIGN) * ALIGN;
      count += size;
      return t;
    };
    this.embed = add("model.embed_tokens.weight", [c.vocab_size, h], "normal");
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `model.layers.${l}.`;
      this.layers.push({
        qW: add(`${p}self_attn.q_proj.weight`, [qDim, h], "normal"),
        qB: add(`${p}self_attn.q_proj.bias`, [qDim], "zeros"),
        kW: add(`${p}self_attn.k_proj.weight`, [kvDim, h], "normal"),
        kB: add(`${p}self_attn.k_proj.bias`, [kvDim], "zeros"),
        vW: add(`${p}self_attn.v_proj.weight`, [kvDim, h], "normal"),
        vB: add(`${p}self_attn.v_proj.bias`, [kvDim], "zeros"),
        oW: add(`${p}self_attn.o_proj.weight`, [h, qDim], "normal"),
        gateW: add(`${p}mlp.gate_proj.weight`, [I, h], "normal"),
        upW: add(`${p}mlp.up_proj.weight`, [I, h], "normal"),
        downW: add(`${p}mlp.down_proj.weight`, [h, I], "normal"),
        ln1: add(`${p}input_layernorm.weight`, [h], "ones"),
        ln2: add(`${p}post_attention_layernorm.weight`, [h], "ones"),
      });
    }
    this.finalNorm = add("model.norm.weight", [h], "ones");
    this.lmHead = c.tie_word_embeddings ? this.embed : add("lm_head.weight", [c.vocab_size, h], "normal");
    this.total = offset;
    this.count = count;
  }

  get(name: string): ParamTensor | undefined {
    return this.byName.get(name);
  }

  /** Parameters in the token embedding and (when untied) the lm_head: HF's "embedding" share. */
  get embeddingCount(): number {
    return this.embed.size + (this.lmHead === this.embed ? 0 : this.lmHead.size);
  }
}
