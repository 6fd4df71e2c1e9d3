import type { Batch } from "../../engine/model.js";
import { shiftedTargets } from "../../engine/targets.js";
import { Rng } from "../../util/rng.js";
import type { TokenBlocks } from "./blocks.js";

/**
 * Serves micro-batches of B sequences from a block set as one endless stream: epoch e is a permutation of the
 * blocks (seeded by (seed, e), or the natural order without shuffle), and the stream runs through epoch after
 * epoch. The whole state is `position` (sequences served so far), so a checkpoint that records it resumes the
 * exact same stream.
 */
export class BatchLoader {
  position = 0;
  private permEpoch = -1;
  private perm: Int32Array;
  private readonly ids: Int32Array;
  private readonly labels: Int32Array;
  private readonly targets: Int32Array;

  constructor(
    readonly data: TokenBlocks,
    readonly B: number,
    readonly seed: number,
    readonly shuffle: boolean,
  ) {
    if (data.count === 0) throw new Error("BatchLoader: no sequences");
    this.perm = new Int32Array(data.count);
    this.ids = new Int32Array(B * data.seqLen);
    this.labels = new Int32Array(B * data.seqLen);
    this.targets = new Int32Array(B * data.seqLen);
  }

  /** Epochs completed, fractional. */
  get epoch(): number {
    return this.position / this.data.count;
  }

  /** The next micro-batch (its buffers are reused by the following call). */
  next(): Batch {
    const T = this.data.seqLen;
    for (let b = 0; b < this.B; b++) {
      const block = this.blockAt(this.position++);
      this.ids.set(this.data.ids.subarray(block * T, (block + 1) * T), b * T);
      const lab = this.data.labels ?? this.data.ids;
      this.labels.set(lab.subarray(block * T, (block + 1) * T), b * T);
    }
    shiftedTargets(this.labels, this.B, T, this.targets);
    return { ids: this.ids, targets: this.targets, B: this.B, T };
  }

  private blockAt(pos: number): number {
    const n = this.data.count;
    const e = Math.floor(pos / n);
    if (!this.shuffle) return pos % n;
    if (e !== this.permEpoch) {
      for (let i = 0; i < n; i++) this.perm[i] = i;
      new Rng(`${this.seed}/data/${e}`).shuffle(this.perm);
      this.permEpoch = e;
    }
    return this.perm[pos % n];
  }
}

/**
 * Batches covering a block set once, in order, for evaluation: the last batch is filled up with copies of the
 * first block whose targets are all ignored, so every batch has the same shape (no activation reallocation) and
 * the padding adds nothing to the loss.
 */
export function* evalBatches(data: TokenBlocks, B: number): Generator<Batch> {
  const T = data.seqLen;
  const ids = new Int32Array(B * T);
  const labels = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const lab = data.labels ?? data.ids;
  for (let start = 0; start < data.count; start += B) {
    for (let b = 0; b < B; b++) {
      const i = start + b;
      if (i < data.count) {
        ids.set(data.ids.subarray(i * T, (i + 1) * T), b * T);
        labels.set(lab.subarray(i * T, (i + 1) * T), b * T);
      } else {
        ids.set(data.ids.subarray(0, T), b * T);
        labels.fill(-100, b * T, (b + 1) * T);
      }
    }
    shiftedTargets(labels, B, T, targets);
    yield { ids, targets, B, T };
  }
}
