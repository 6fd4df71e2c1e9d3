import type { Qwen2Config } from "../engine/config.js";
import type { OptimizerConfig } from "./optim/index.js";
import type { ScheduleConfig } from "./schedule.js";

/** Sampling settings for the generations a run writes to samples.jsonl. */
export interface GenerationConfig {
  /** Prompts as token ids (the trainer decodes them with the data's tokenizer for samples.jsonl). */
  prompts: number[][];
  /** What each prompt should continue with (memorisation score), if known. */
  references?: number[][];
  max_new_tokens: number;
  temperature: number;
  top_k: number;
  top_p: number;
}

/** Everything that defines a training run (saved in every checkpoint; a resume continues with it). */
export interface TrainConfig {
  model: Qwen2Config;
  seed: number;
  /** Sequences per micro-batch. */
  micro_batch_size: number;
  grad_accum_steps: number;
  /** Optimizer updates in the run. */
  max_steps: number;
  optimizer: OptimizerConfig & { lr: number };
  schedule: Omit<ScheduleConfig, "total_steps">;
  /** Global gradient-norm clip (0 = off). */
  grad_clip: number;
  /** Shuffle the blocks each epoch. */
  shuffle: boolean;
  /** Evaluate every N steps, at step 0 and at the end (0 = never). */
  eval_every: number;
  /** Generate samples every N steps and at the end (0 = never). */
  generate_every: number;
  generation?: GenerationConfig;
  /** Checkpoint every N steps (0 = only at the end or on interrupt). */
  checkpoint_every: number;
  /** Newest checkpoints kept (0 = all). */
  keep_checkpoints: number;
  /** Initialise from a HF checkpoint directory instead of random weights. */
  init_from?: string;
  /** How the caller built the data (opaque to the trainer; the CLI rebuilds the data from it on --resume). */
  data_spec?: unknown;
}

export const DEFAULT_TRAIN: Omit<TrainConfig, "model" | "max_steps"> = {
  seed: 0,
  micro_batch_size: 8,
  grad_accum_steps: 1,
  optimizer: { name: "adamw", lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weight_decay: 0.1 },
  schedule: { kind: "cosine", warmup_steps: 0, min_lr_ratio: 0.1 },
  grad_clip: 1.0,
  shuffle: true,
  eval_every: 0,
  generate_every: 0,
  checkpoint_every: 0,
  keep_checkpoints: 2,
};

/** Steps needed for `epochs` passes over `sequences` blocks. */
export function stepsForEpochs(epochs: number, sequences: number, microBatch: number, accum: number): number {
  return Math.max(1, Math.ceil((epochs * sequences) / (microBatch * accum)));
}
