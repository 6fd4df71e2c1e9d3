import type { Buf, Ops } from "../../engine/ops.js";
import type { ParamLayout } from "../../engine/params.js";

/**
 * The optimizer layer: an optimizer updates the flat parameter buffer from the flat gradient buffer (already
 * accumulated over micro-batches and clipped). Its state is a set of named flat buffers in the parameter
 * layout (checkpointed bit for bit) plus the update counter. Adding an optimizer is one file: a factory that
 * returns this interface, registered in optim/index.ts.
 */
export interface Optimizer {
  readonly name: string;
  /** Updates applied so far (AdamW's bias-correction t is this + 1 during the next step). */
  steps: number;
  /** Apply one update with learning rate lr. */
  step(lr: number): void;
  /** Named state buffers, each [layout.total], for checkpoints (written and restored in place). */
  state(): { name: string; data: Buf }[];
}

export interface OptimizerConfig {
  name: "adamw" | "sgd" | "lion";
  /** Weight decay; applied to tensors with ≥ 2 dimensions only unless decay_1d. */
  weight_decay: number;
  /** Also decay 1-D tensors (biases and norm weights); off by default, as in nanoGPT/llm.c. */
  decay_1d?: boolean;
  /** adamw, lion: (β1, β2). */
  betas?: [number, number];
  /** adamw: ε. */
  eps?: number;
  /** sgd: momentum (0 = plain SGD) and nesterov. */
  momentum?: number;
  nesterov?: boolean;
}

export interface OptimizerContext {
  ops: Ops;
  layout: ParamLayout;
  params: Buf;
  grads: Buf;
}

/** A contiguous range of the flat buffers whose tensors share a weight-decay setting. */
export interface DecayRange {
  offset: number;
  size: number;
  decay: boolean;
}

/**
 * Contiguous runs of tensors with the same decay flag (alignment gaps included: their parameters, gradients
 * and state stay zero under every optimizer here), so each update is a few long calls, not one per tensor.
 */
export function decayRanges(layout: ParamLayout, decay1d: boolean): DecayRange[] {
  const out: DecayRange[] = [];
  const ts = layout.tensors;
  for (let i = 0; i < ts.length; i++) {
    const decay = decay1d || ts[i].shape.length >= 2;
    const end = i + 1 < ts.length ? ts[i + 1].offset : layout.total;
    const last = out[out.length - 1];
    if (last && last.decay === decay) last.size = end - last.offset;
    else out.push({ offset: ts[i].offset, size: end - ts[i].offset, decay });
  }
  return out;
}
