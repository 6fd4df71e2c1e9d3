import type { Run } from "../../runs/run.js";
import type { RunFacts } from "../../runs/types.js";
import { decodeNumber } from "../../util/finite-json.js";
import { pruneFacts } from "../facts/merge.js";
import { isPointKey, seriesName } from "../names.js";
import { builder, type ParseContext, readPythonJson } from "./context.js";

/**
 * HF Trainer's trainer_state.json (transformers trainer_callback.py TrainerState, saved with sort_keys and
 * Python's NaN/Infinity literals). log_history holds three kinds of entries:
 *
 *   train   {loss, learning_rate, grad_norm?, epoch, step, num_input_tokens_seen?, …}   every logging_steps
 *   eval    {eval_loss, eval_<set>_loss, eval_runtime, eval_<metric>, epoch, step}     every eval_steps
 *   final   {train_loss (run average), train_runtime, train_samples_per_second, total_flos, epoch, step}
 *
 * Old files (transformers ~4.2x) lack grad_norm, logging_steps, train_batch_size and round loss and epoch;
 * entries without `step` (e.g. predict_* added by custom code) are placed at the previous entry's step.
 */

const FINAL_KEYS = ["train_runtime", "train_samples_per_second", "train_steps_per_second"];

export function parseTrainerState(ctx: ParseContext): Run | undefined {
  const data = readPythonJson(ctx.file, ctx.problems);
  if (data === undefined) return undefined;
  const b = builder(ctx, "hf-trainer-state");
  if (!data || typeof data !== "object" || !Array.isArray((data as { log_history?: unknown }).log_history)) {
    b.problem("not a trainer_state.json: no `log_history` list");
    return undefined;
  }
  const state = data as Record<string, unknown>;
  const history = state.log_history as unknown[];
  let lastStep = 0;
  const tokensAt: [number, number][] = [];
  const final: Record<string, number> = {};
  for (let i = 0; i < history.length; i++) {
    const e = history[i];
    if (!e || typeof e !== "object" || Array.isArray(e)) {
      b.problem(`log_history[${i}] is not an object; skipped`);
      continue;
    }
    const entry = e as Record<string, unknown>;
    let step = decodeNumber(entry.step);
    if (step === undefined || !Number.isFinite(step)) {
      step = lastStep;
      b.problem(
        `log_history[${i}] has no \`step\`; placed at step ${step} (the previous entry's)`,
        {},
        "info",
      );
    }
    lastStep = step;
    const epoch = decodeNumber(entry.epoch);
    const tokens = decodeNumber(entry.num_input_tokens_seen);
    const extra = { epoch, tokens };
    const isFinal = FINAL_KEYS.some((k) => k in entry) || ("train_loss" in entry && !("loss" in entry));
    if (isFinal) {
      for (const [k, v] of Object.entries(entry)) {
        const x = decodeNumber(v);
        if (x !== undefined && k !== "step" && k !== "epoch") final[k] = x;
      }
      continue;
    }
    const evalValues: Record<string, number> = {};
    for (const [k, v] of Object.entries(entry)) {
      if (isPointKey(k) || k === "num_input_tokens_seen") continue;
      const x = decodeNumber(v);
      if (x === undefined) {
        if (v === null && (k === "loss" || k === "eval_loss"))
          b.problem(`log_history[${i}].${k} is null; skipped`);
        continue;
      }
      b.point(seriesName(k), step, x, extra);
      if (k.startsWith("eval_")) evalValues[k.slice(5)] = x;
    }
    if (tokens !== undefined && Number.isFinite(tokens)) {
      b.point("train/tokens", step, tokens, extra);
      if ("loss" in entry) tokensAt.push([step, tokens]);
    }
    if (Object.keys(evalValues).length > 0) b.event(evalEvent(step, evalValues));
  }
  if (Object.keys(final).length > 0) {
    b.run.manifest.summary = { ...(b.run.manifest.summary ?? {}), hf_final: final };
  }
  b.facts(stateFacts(state, tokensAt));
  return b.finish();
}

/** An eval event: `eval_loss` → set "eval"; `eval_<set>_loss` alone → set <set>, its keys without the prefix. */
function evalEvent(step: number, values: Record<string, number>) {
  if ("loss" in values) return { kind: "eval" as const, step, set: "eval", values };
  const m = Object.keys(values)
    .map((k) => /^(.+)_loss$/.exec(k))
    .find((x) => x);
  if (!m) return { kind: "eval" as const, step, set: "eval", values };
  const set = m[1];
  const own: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) own[k.startsWith(`${set}_`) ? k.slice(set.length + 1) : k] = v;
  return { kind: "eval" as const, step, set, values: own };
}

function stateFacts(state: Record<string, unknown>, tokensAt: [number, number][]): RunFacts {
  const n = (k: string) => {
    const v = decodeNumber(state[k]);
    return v !== undefined && Number.isFinite(v) ? v : undefined;
  };
  const maxSteps = n("max_steps");
  const facts: RunFacts = {
    framework: "transformers",
    max_steps: maxSteps !== undefined && maxSteps > 0 ? maxSteps : undefined,
    epochs: n("num_train_epochs"),
    // TrainerState.train_batch_size is the per-process batch (per_device_train_batch_size × GPUs under
    // DataParallel), i.e. one micro-batch; gradient accumulation is not in trainer_state.json.
    micro_batch_size: n("train_batch_size"),
    tokens_per_step: tokensPerStep(tokensAt),
    hf_state: {
      global_step: n("global_step"),
      logging_steps: n("logging_steps"),
      eval_steps: n("eval_steps"),
      save_steps: n("save_steps"),
      total_flos: n("total_flos"),
      best_metric: n("best_metric"),
      best_model_checkpoint:
        typeof state.best_model_checkpoint === "string" ? state.best_model_checkpoint : undefined,
    },
  };
  return pruneFacts(facts);
}

/** Tokens per optimizer step from num_input_tokens_seen, when it grows at one constant rate. */
export function tokensPerStep(at: [number, number][]): number | undefined {
  const rates: number[] = [];
  for (let i = 1; i < at.length; i++) {
    const ds = at[i][0] - at[i - 1][0];
    if (ds > 0) rates.push((at[i][1] - at[i - 1][1]) / ds);
  }
  if (rates.length === 0) return undefined;
  rates.sort((a, b) => a - b);
  const med = rates[Math.floor(rates.length / 2)];
  // Packed batches give an exact constant; padded ones vary a little. Report the median, rounded.
  return med > 0 ? Math.round(med) : undefined;
}
