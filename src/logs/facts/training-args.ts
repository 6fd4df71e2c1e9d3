import type { RunFacts } from "../../runs/types.js";
import { pruneFacts } from "./merge.js";

/**
 * Facts from HF TrainingArguments fields (from training_args.bin, the `args` text summary HF writes to
 * TensorBoard, or a JSON dump of them). `world_size` is not a field (it is computed at run time), so tokens per
 * step needs it from elsewhere.
 */
export function trainingArgsFacts(a: Record<string, unknown>): RunFacts {
  const num = (k: string): number | undefined => {
    const v = a[k];
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
  };
  const str = (k: string): string | undefined => {
    const v = enumValue(a[k]);
    return typeof v === "string" ? v : undefined;
  };
  const bool = (k: string) => a[k] === true;
  const maxSteps = num("max_steps");
  const warmupSteps = num("warmup_steps");
  const warmupRatio = num("warmup_ratio");
  let warmup = warmupSteps !== undefined && warmupSteps > 0 ? warmupSteps : undefined;
  if (
    warmup === undefined &&
    warmupRatio !== undefined &&
    warmupRatio > 0 &&
    maxSteps !== undefined &&
    maxSteps > 0
  )
    warmup = Math.ceil(warmupRatio * maxSteps);
  if (warmup === undefined && warmupSteps === 0 && (warmupRatio ?? 0) === 0) warmup = 0;
  const b1 = num("adam_beta1");
  const b2 = num("adam_beta2");
  const precision = bool("bf16") ? "bf16" : bool("fp16") ? "fp16" : "fp32";
  return pruneFacts({
    framework: "transformers",
    micro_batch_size: num("per_device_train_batch_size"),
    grad_accum_steps: num("gradient_accumulation_steps"),
    max_steps: maxSteps !== undefined && maxSteps > 0 ? maxSteps : undefined,
    epochs: num("num_train_epochs"),
    lr: {
      peak: num("learning_rate"),
      schedule: str("lr_scheduler_type"),
      warmup_steps: warmup,
      warmup_ratio: warmupRatio,
    },
    optimizer: {
      name: str("optim"),
      betas: b1 !== undefined && b2 !== undefined ? [b1, b2] : undefined,
      eps: num("adam_epsilon"),
      weight_decay: num("weight_decay"),
      grad_clip: num("max_grad_norm"),
    },
    precision,
    seed: num("seed"),
    hf_args: {
      logging_steps: num("logging_steps"),
      eval_steps: num("eval_steps"),
      save_steps: num("save_steps"),
      eval_strategy: str("eval_strategy") ?? str("evaluation_strategy"),
      output_dir: str("output_dir"),
      gradient_checkpointing: a.gradient_checkpointing === true ? true : undefined,
      tf32: a.tf32 === true ? true : undefined,
    },
  } as RunFacts);
}

/**
 * Enum members read from a pickle come as {__class__, args: [value]} or, pickled by name, {member: "NAME"};
 * JSON dumps have the plain value. HF's enums (ExplicitEnum) are NAME = "name" for every scheduler and
 * strategy, so a member's name lowercased is its value (a few optimizer names differ, e.g. ADAMW_BNB is
 * "adamw_bnb_8bit").
 */
function enumValue(v: unknown): unknown {
  if (v && typeof v === "object" && typeof (v as { member?: unknown }).member === "string")
    return (v as { member: string }).member.toLowerCase();
  if (v && typeof v === "object" && "args" in v) {
    const args = (v as { args: unknown }).args;
    if (Array.isArray(args) && args.length === 1) return args[0];
  }
  return v;
}
