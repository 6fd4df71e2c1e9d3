import type { Ops } from "../engine/ops.js";
import { attentionBackward, attentionForward } from "../engine/ref/attention.js";
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
  // the reference attention without its mask: softmax over ALL positions s of the sequence (the bug)
  const replaced: Partial<Ops> = {
    attentionForward: (q, k, v, att, out, B, T, H, KV, D, scale) =>
      attentionForward(q, k, v, att, out, B, T, H, KV, D, scale, false),
    attentionBackward: (q, k, v, att, dout, dq, dk, dv, B, T, H, KV, D, scale) =>
      attentionBackward(q, k, v, att, dout, dq, dk, dv, B, T, H, KV, D, scale, false),
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
