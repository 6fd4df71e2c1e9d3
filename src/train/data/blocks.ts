import type { TrainingBlocks } from "../../tokenizer/pack.js";

/**
 * Training and evaluation data as the trainer sees it: `count` sequences of exactly `seqLen` tokens (packed
 * blocks, MedicalGPT's group_texts) with HF-style labels (labels = ids, −100 where no loss is wanted, e.g. pad
 * in a padded packing). Position t of a sequence is trained to predict labels[t + 1] (HF's shift).
 */
export interface TokenBlocks {
  seqLen: number;
  count: number;
  /** [count, seqLen] */
  ids: Int32Array;
  /** [count, seqLen]; null means labels = ids */
  labels: Int32Array | null;
}

/** Blocks made by src/tokenizer's packers (MedicalGPT packing or padded rows) as the trainer's TokenBlocks. */
export function fromTrainingBlocks(b: TrainingBlocks): TokenBlocks {
  return { seqLen: b.blockSize, count: b.nBlocks, ids: b.inputIds, labels: b.labels };
}

/** Split off the last `n` blocks (held-out evaluation set) from a block set. */
export function splitBlocks(b: TokenBlocks, n: number): { train: TokenBlocks; held: TokenBlocks } {
  const k = b.count - n;
  const cut = (from: number, to: number): TokenBlocks => ({
    seqLen: b.seqLen,
    count: to - from,
    ids: b.ids.slice(from * b.seqLen, to * b.seqLen),
    labels: b.labels ? b.labels.slice(from * b.seqLen, to * b.seqLen) : null,
  });
  return { train: cut(0, k), held: cut(k, b.count) };
}

/** The largest token id in a block set (the model's vocab_size must exceed it). */
export function maxTokenId(b: TokenBlocks): number {
  let m = -1;
  for (let i = 0; i < b.ids.length; i++) if (b.ids[i] > m) m = b.ids[i];
  return m;
}
