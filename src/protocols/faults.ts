import type { Buf, Ops } from "../engine/ops.js";
import type { TokenBlocks } from "../train/data/blocks.js";
import type { Trainer } from "../train/trainer.js";

/**
 * Deliberate pipeline bugs, injected for tests and demonstrations (never by default): each reproduces a bug
 * that is common in real LLM training code, at the place where that bug lives, so the overfit test and its
 * checks meet it the way they would meet the real thing.
 *
 *   labels-unshifted     target at position t is token t, not t + 1 (the shift forgotten: transformers#27517)
 *   labels-double-shift  target is token t + 2 (shifted in the collator and again in the model: #37830)
 *   causal-mask          attention without the causal mask: position t sees the whole sequence (minGPT#75)
 *   frozen               every matrix and embedding frozen (requires_grad=False / wrong LoRA targets); only
 *                        norm gains and biases still train
 *   pad-in-loss          each document padded to the block length with pad = eos and the padding kept in the
 *                        loss (MedicalGPT's --packing False path)
 */
export const FAULTS = [
  "labels-unshifted",
  "labels-double-shift",
  "causal-mask",
  "frozen",
  "pad-in-loss",
] as const;
export type Fault = (typeof FAULTS)[number];

/** Labels as the faulty collator would make them (the trainer's loader then applies HF's shift by one). */
export function faultyLabels(blocks: TokenBlocks, fault: Fault): TokenBlocks {
  if (fault !== "labels-unshifted" && fault !== "labels-double-shift") return blocks;
  const T = blocks.seqLen;
  const src = blocks.labels ?? blocks.ids;
  const labels = new Int32Array(src.length).fill(-100);
  for (let b = 0; b < blocks.count; b++) {
    const o = b * T;
    if (fault === "labels-unshifted") {
      // after the shift, target[t] = labels[t + 1] = ids[t]
      for (let t = 1; t < T; t++) labels[o + t] = blocks.ids[o + t - 1];
    } else {
      // after the shift, target[t] = labels[t + 1] = ids[t + 2]
      for (let t = 0; t + 1 < T; t++) labels[o + t] = src[o + t + 1];
    }
  }
  return { ...blocks, labels };
}

/** The backend with attention that ignores the causal mask (forward and backward, plain TypeScript). */
export function faultyOps(ops: Ops, fault: Fault): Ops {
  if (fault !== "causal-mask") return ops;
  const replaced: Partial<Ops> = {
    attentionForward: fullAttentionForward,
    attentionBackward: fullAttentionBackward,
  };
  // every other member is the real backend's, called on the real backend (its state stays in one place)
  return new Proxy(ops, {
    get(target, prop) {
      const own = replaced[prop as keyof Ops];
      if (own) return own;
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** Training hooks that keep the frozen tensors at their initial values after every update. */
export function freezeHook(trainer: Trainer): () => void {
  const model = trainer.model;
  const frozen = model.layout.tensors.filter((t) => t.shape.length >= 2);
  const saved = frozen.map((t) => Float32Array.from(model.param(t)));
  return () => {
    frozen.forEach((t, i) => {
      model.param(t).set(saved[i]);
    });
  };
}

// softmax(q·kᵀ·scale) over ALL positions s of the sequence (the bug), q [N, H, D], k/v [N, KV, D]
function fullAttentionForward(
  q: Buf,
  k: Buf,
  v: Buf,
  att: Buf,
  out: Buf,
  B: number,
  T: number,
  H: number,
  KV: number,
  D: number,
  scale: number,
): void {
  const g = H / KV;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / g);
      for (let t = 0; t < T; t++) {
        const qo = ((b * T + t) * H + h) * D;
        const ao = ((b * H + h) * T + t) * T;
        let max = -Infinity;
        for (let s = 0; s < T; s++) {
          const ko = ((b * T + s) * KV + kh) * D;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qo + d] * k[ko + d];
          att[ao + s] = dot * scale;
          if (att[ao + s] > max) max = att[ao + s];
        }
        let sum = 0;
        for (let s = 0; s < T; s++) {
          const e = Math.exp(att[ao + s] - max);
          att[ao + s] = e;
          sum += e;
        }
        for (let s = 0; s < T; s++) att[ao + s] /= sum;
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let s = 0; s < T; s++) acc += att[ao + s] * v[((b * T + s) * KV + kh) * D + d];
          out[qo + d] = acc;
        }
      }
    }
}

function fullAttentionBackward(
  q: Buf,
  k: Buf,
  v: Buf,
  att: Buf,
  dout: Buf,
  dq: Buf,
  dk: Buf,
  dv: Buf,
  B: number,
  T: number,
  H: number,
  KV: number,
  D: number,
  scale: number,
): void {
  const g = H / KV;
  dq.fill(0, 0, B * T * H * D);
  dk.fill(0, 0, B * T * KV * D);
  dv.fill(0, 0, B * T * KV * D);
  const datt = new Float64Array(T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / g);
      for (let t = 0; t < T; t++) {
        const qo = ((b * T + t) * H + h) * D;
        const ao = ((b * H + h) * T + t) * T;
        let dot = 0;
        for (let s = 0; s < T; s++) {
          const vo = ((b * T + s) * KV + kh) * D;
          let x = 0;
          for (let d = 0; d < D; d++) {
            x += dout[qo + d] * v[vo + d];
            dv[vo + d] += att[ao + s] * dout[qo + d];
          }
          datt[s] = x;
          dot += att[ao + s] * x;
        }
        for (let s = 0; s < T; s++) {
          const ds = att[ao + s] * (datt[s] - dot) * scale;
          const ko = ((b * T + s) * KV + kh) * D;
          for (let d = 0; d < D; d++) {
            dq[qo + d] += ds * k[ko + d];
            dk[ko + d] += ds * q[qo + d];
          }
        }
      }
    }
}
