import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunFacts } from "../../runs/types.js";
import { readPythonJson } from "../formats/context.js";
import type { IngestProblem } from "../types.js";
import { mergeFacts, pruneFacts } from "./merge.js";
import { modelConfigFacts } from "./model-config.js";
import { objectFields, readTorchSave } from "./torch-save.js";
import { trainingArgsFacts } from "./training-args.js";

/**
 * Facts from the files HF Trainer (and similar) leave beside the logs:
 *   config.json              the model config → architecture, vocabulary, parameter count
 *   training_args.bin        torch.save(TrainingArguments) → batch, accumulation, LR schedule, precision, …
 *   training_args.json       the same as JSON (some scripts dump it)
 *   all_results.json         final metrics (train_loss, eval_loss, perplexity, …) → the run's summary
 *   train_results.json / eval_results.json when all_results.json is missing
 * training_args.bin is a pickle: its plain fields (numbers, strings, booleans, enums) are read without running
 * Python; objects it references (accelerator or DeepSpeed configs, torch.device) are not interpreted.
 */
export interface BesideResult {
  facts: RunFacts;
  results?: Record<string, unknown>;
  used: string[];
}

export function factsBeside(dirs: string[], problems: IngestProblem[]): BesideResult {
  let facts: RunFacts = {};
  let results: Record<string, unknown> | undefined;
  const used: string[] = [];
  // Farthest first, so the nearest folder's files win.
  for (const dir of [...dirs].reverse()) {
    const config = join(dir, "config.json");
    if (existsSync(config)) {
      const cfg = readPythonJson(config, problems);
      if (cfg && typeof cfg === "object" && ("model_type" in cfg || "vocab_size" in cfg)) {
        facts = mergeFacts(facts, modelConfigFacts(cfg as Record<string, unknown>));
        used.push(config);
      }
    }
    for (const name of ["training_args.json", "training_args.bin"]) {
      const file = join(dir, name);
      if (!existsSync(file)) continue;
      const args = name.endsWith(".bin") ? readArgsBin(file, problems) : readPythonJson(file, problems);
      if (args && typeof args === "object" && !Array.isArray(args)) {
        facts = mergeFacts(facts, trainingArgsFacts(args as Record<string, unknown>));
        used.push(file);
      }
    }
    for (const name of ["all_results.json", "train_results.json", "eval_results.json"]) {
      const file = join(dir, name);
      if (!existsSync(file)) continue;
      const r = readPythonJson(file, problems);
      if (r && typeof r === "object" && !Array.isArray(r)) {
        results = { ...(results ?? {}), ...(r as Record<string, unknown>) };
        used.push(file);
      }
    }
  }
  return { facts: pruneFacts(facts), results, used };
}

function readArgsBin(file: string, problems: IngestProblem[]): Record<string, unknown> | undefined {
  try {
    const o = objectFields(readTorchSave(new Uint8Array(readFileSync(file))));
    if (!o) {
      problems.push({
        file,
        message: "training_args.bin holds no object with fields; ignored",
        severity: "warning",
      });
      return undefined;
    }
    return o.fields;
  } catch (err) {
    problems.push({
      file,
      message: `training_args.bin could not be read (${(err as Error).message}); ignored`,
      severity: "warning",
    });
    return undefined;
  }
}

/** Facts that follow from others once every source is merged. */
export function deriveFacts(f: RunFacts): RunFacts {
  const out: RunFacts = { ...f, lr: f.lr ? { ...f.lr } : undefined };
  const ratio = (f.lr as { warmup_ratio?: number } | undefined)?.warmup_ratio;
  if (out.lr && out.lr.warmup_steps === undefined && ratio !== undefined && f.max_steps !== undefined)
    out.lr.warmup_steps = Math.ceil(ratio * f.max_steps);
  if (out.lr && out.lr.total_steps === undefined && f.max_steps !== undefined)
    out.lr.total_steps = f.max_steps;
  if (
    out.tokens_per_step === undefined &&
    f.seq_len &&
    f.micro_batch_size &&
    f.grad_accum_steps &&
    f.world_size
  )
    out.tokens_per_step = f.seq_len * f.micro_batch_size * f.grad_accum_steps * f.world_size;
  return pruneFacts(out);
}
