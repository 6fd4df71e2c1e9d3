import { z } from "zod";

/**
 * The run model: what plateau knows about a training run, whether it read it from someone's logs or trained it
 * itself. On-disk and JSON shapes use snake_case (they are read by Python users and by other tools); the same
 * names are used in TypeScript so nothing is translated twice.
 */

/** Where a run came from. */
export const RunSourceSchema = z.looseObject({
  /** `plateau`: trained by plateau (a run directory). `import`: read from a log file or folder. */
  kind: z.enum(["plateau", "import"]),
  /** The file or folder the logs were read from, or the run directory. */
  path: z.string().optional(),
  /** Detected log format for imports (`hf-trainer-state`, `tfevents`, `megatron`, …). */
  format: z.string().optional(),
  /** argv of the plateau command that made the run. */
  command: z.array(z.string()).optional(),
});
export type RunSource = z.infer<typeof RunSourceSchema>;

const num = z.number();

/**
 * Facts about a run, each optional: importers fill what the files beside the logs say, plateau's own runs fill
 * everything. Unknown extra keys are kept (looseObject) so a newer importer's facts survive an older reader.
 */
export const RunFactsSchema = z.looseObject({
  model: z
    .looseObject({
      /** `qwen2`, `llama`, … (HF model_type when known). */
      architecture: z.string().optional(),
      /** The HF-style config (config.json fields, snake_case) when known. */
      config: z.record(z.string(), z.unknown()).optional(),
      params: num.optional(),
      non_embedding_params: num.optional(),
    })
    .optional(),
  vocab_size: num.optional(),
  tokenizer: z
    .looseObject({
      name: z.string().optional(),
      vocab_size: num.optional(),
      eos_id: num.optional(),
      pad_id: num.optional(),
      bytes_per_token: num.optional(),
      chars_per_token: num.optional(),
    })
    .optional(),
  /** Tokens consumed per optimizer step (all devices, all micro-batches). */
  tokens_per_step: num.optional(),
  seq_len: num.optional(),
  /** Sequences per micro-batch per device. */
  micro_batch_size: num.optional(),
  grad_accum_steps: num.optional(),
  world_size: num.optional(),
  max_steps: num.optional(),
  epochs: num.optional(),
  lr: z
    .looseObject({
      peak: num.optional(),
      /** constant, linear, cosine, wsd, … */
      schedule: z.string().optional(),
      warmup_steps: num.optional(),
      decay_steps: num.optional(),
      min_lr: num.optional(),
      total_steps: num.optional(),
    })
    .optional(),
  optimizer: z
    .looseObject({
      name: z.string().optional(),
      betas: z.tuple([num, num]).optional(),
      eps: num.optional(),
      weight_decay: num.optional(),
      grad_clip: num.optional(),
    })
    .optional(),
  /** fp32, bf16, fp16, … */
  precision: z.string().optional(),
  seed: num.optional(),
  threads: num.optional(),
  data: z
    .looseObject({
      description: z.string().optional(),
      path: z.string().optional(),
      documents: num.optional(),
      tokens: num.optional(),
      eval_path: z.string().optional(),
      /** True when evaluation data is (part of) the training data. */
      eval_is_train: z.boolean().optional(),
    })
    .optional(),
  framework: z.string().optional(),
});
export type RunFacts = z.infer<typeof RunFactsSchema>;

export const RunStatusSchema = z.enum(["running", "completed", "failed", "interrupted", "imported"]);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** run.json */
export const RunManifestSchema = z.looseObject({
  schema: z.literal(1),
  id: z.string().min(1),
  name: z.string(),
  /** ISO 8601 */
  created: z.string(),
  updated: z.string(),
  status: RunStatusSchema,
  source: RunSourceSchema,
  facts: RunFactsSchema,
  /** The protocol that made the run (`overfit`, `ladder`, `train`, …). */
  protocol: z.string().optional(),
  /** Parent run (a rung of a ladder, a point of a sweep) for grouping. */
  parent: z.string().optional(),
  tags: z.array(z.string()).optional(),
  /** Writer process, so a reader can tell a live run from one whose process died. */
  pid: z.number().optional(),
  host: z.string().optional(),
  /** Protocol results (verdicts, headline numbers) once known. */
  summary: z.record(z.string(), z.unknown()).optional(),
});
export type RunManifest = z.infer<typeof RunManifestSchema>;

/** One point of a series. `step` is the optimizer step (HF's global_step); the rest when known. */
export interface Point {
  step: number;
  value: number;
  /** Seconds since the Unix epoch, as TensorBoard writes it. */
  wall_time?: number;
  /** Training tokens seen at this point. */
  tokens?: number;
  epoch?: number;
}

const optNum = z.number().optional();
const stepNum = z.number().optional();

/** Things that happen during a run, beside the numeric series. */
export const RunEventSchema = z.discriminatedUnion("kind", [
  z.looseObject({ kind: z.literal("checkpoint"), step: stepNum, wall_time: optNum, path: z.string() }),
  z.looseObject({
    kind: z.literal("eval"),
    step: stepNum,
    wall_time: optNum,
    set: z.string(),
    values: z.record(z.string(), z.number()),
  }),
  z.looseObject({
    kind: z.literal("sample"),
    step: stepNum,
    wall_time: optNum,
    prompt: z.string(),
    completion: z.string(),
    reference: z.string().optional(),
    /** Fraction of the reference reproduced (memorization score), when measured. */
    score: optNum,
  }),
  z.looseObject({ kind: z.literal("note"), step: stepNum, wall_time: optNum, text: z.string() }),
  z.looseObject({ kind: z.literal("error"), step: stepNum, wall_time: optNum, message: z.string() }),
  /**
   * A resumed run restarts from a checkpoint: points written after `from_step` by the earlier process are
   * superseded by what follows this marker.
   */
  z.looseObject({ kind: z.literal("resume"), step: stepNum, wall_time: optNum, from_step: z.number() }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;

/**
 * A line of metrics.jsonl: either values of several series at one step, or an event.
 * Non-finite values are written as the strings "NaN", "Infinity", "-Infinity".
 */
export interface MetricsLine {
  step: number;
  wall_time?: number;
  tokens?: number;
  epoch?: number;
  values?: Record<string, number | string>;
  event?: RunEvent;
}

/** Well-known series names. Others are free-form (`eval/<set>/loss`, `train/tokens_per_s`, …). */
export const SERIES = {
  trainLoss: "train/loss",
  evalLoss: "eval/loss",
  lr: "train/lr",
  gradNorm: "train/grad_norm",
  tokens: "train/tokens",
  tokensPerSecond: "train/tokens_per_s",
  evalSetLoss: (set: string) => `eval/${set}/loss`,
} as const;
