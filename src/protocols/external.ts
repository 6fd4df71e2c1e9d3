import { mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { newRunId } from "../runs/root.js";
import type { Run } from "../runs/run.js";
import { RunWriter } from "../runs/rundir.js";
import { attachTensorBoard } from "../train/tensorboard.js";
import { writeJsonAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import type { CheckResult } from "./checks.js";
import { selectAndStore } from "./dataset.js";
import { fillTemplate, lastStep, runTrainer, trainerFailure, writeTrainerData } from "./external-process.js";
import type { OverfitResult } from "./overfit.js";
import { writeOverfitReport } from "./overfit-report.js";
import type { Session } from "./session.js";
import { type EpochRecord, judge, likelyCauses, type OverfitCriteria } from "./verdict.js";

/**
 * The overfit test through the user's own trainer (MedicalGPT's pretraining.py, HF run_clm.py, torchrun or
 * DeepSpeed across GPUs): plateau selects the samples, writes them in the trainer's input format, fills the
 * command template, starts and supervises the process, and reads its logs live into a plateau run directory.
 *
 * Template placeholders: {data} (folder with the samples: train.jsonl with a `text` field, or train.txt one per
 * line), {eval_data} (the same folder: the test evaluates on the samples it trains on), {epochs}, {lr}, {out}
 * (the trainer's --output_dir), {n}, {seed}. Values are shell-quoted. The process runs in its own process group;
 * its stdout and stderr are kept in the run directory (trainer.stdout.log, trainer.stderr.log); Ctrl-C is
 * forwarded to the whole group. While it runs, trainer_state.json (also inside checkpoint-N/), TensorBoard event
 * files and HF stdout log lines are read with src/logs and appended to metrics.jsonl (and the run's TensorBoard
 * file). The verdict is the same as the embedded test's; memorisation needs the model, which plateau cannot load
 * from an arbitrary trainer, so it is reported as not measured and the verdict rests on the loss criterion.
 */
export interface ExternalSettings {
  cmd: string;
  data: string[];
  field?: string;
  n: number;
  epochs: number;
  lr: number;
  seed: number;
  criteria: OverfitCriteria;
  format: "jsonl" | "txt";
  /** Vocabulary size of the user's model (for the initial-loss check), when known. */
  vocabSize?: number;
  pollMs?: number;
}

export { fillTemplate, readTrainerLogs, shellQuote } from "./external-process.js";

export async function runExternalOverfit(
  s: ExternalSettings,
  where: { runsDir: string; out?: string },
  session: Session,
): Promise<OverfitResult> {
  if (!s.cmd.trim()) throw new UserError("give the trainer command with --cmd", { field: "--cmd" });
  const runDir = resolve(
    where.out ?? join(where.runsDir, newRunId(`overfit-external-${basename(s.data[0] ?? "data")}`)),
  );
  session.log(`overfit test through an external trainer → ${runDir}`);
  const sel = await selectAndStore(s.data, s.n, runDir, session, { field: s.field });
  const dataDir = join(runDir, "external-data");
  writeTrainerData(dataDir, "train", sel.texts, s.format);
  const outDir = join(runDir, "trainer-output");
  mkdirSync(outDir, { recursive: true });
  const command = fillTemplate(s.cmd, {
    data: dataDir,
    eval_data: dataDir,
    epochs: String(s.epochs),
    lr: String(s.lr),
    out: outDir,
    n: String(sel.texts.length),
    seed: String(s.seed),
  });
  const run = RunWriter.create(runDir, {
    id: basename(runDir),
    name: basename(runDir),
    protocol: "overfit",
    source: { kind: "plateau", path: runDir, command: [command] },
    facts: {
      epochs: s.epochs,
      lr: { peak: s.lr },
      data: { documents: sel.texts.length, eval_is_train: true },
      framework: "external",
    },
  });
  attachTensorBoard(run);
  writeJsonAtomic(join(runDir, "protocol.json"), {
    protocol: "overfit",
    engine: "external",
    settings: s,
    command,
  });
  session.log(`  $ ${command}`);
  const { code, signal, interrupted, seconds, logged } = await runTrainer({
    command,
    runDir,
    outDir,
    run,
    session,
    pollMs: s.pollMs ?? 1000,
  });
  if (interrupted) {
    run.finish("interrupted");
    session.log("  the trainer was interrupted; its output stays in the run directory");
  } else if (code !== 0) {
    run.event({ kind: "error", step: 0, message: `trainer exited with ${signal ?? `code ${code}`}` });
    run.finish("failed");
    throw new UserError(trainerFailure(runDir, { code, signal }), {
      file: join(runDir, "trainer.stderr.log"),
    });
  }
  const epochs = logged ? epochRecords(logged) : [];
  if (!interrupted && epochs.length < 2)
    throw new UserError(
      "the trainer ran but plateau found no loss in its output (trainer_state.json, TensorBoard events or stdout log lines)",
      {
        file: outDir,
      },
    );
  const first = epochs[0]?.loss ?? Number.NaN;
  const last = epochs[epochs.length - 1]?.loss ?? Number.NaN;
  const j = judge({ ...s.criteria, min_memorization: 0 }, first, last, 1);
  const outcomes = [
    j.outcomes[0],
    {
      name: "memorization" as const,
      passed: true,
      value: Number.NaN,
      threshold: "not measured (the external trainer's model is not loaded)",
    },
  ];
  const verdict = interrupted ? "interrupted" : j.verdict;
  const checks: CheckResult[] = [
    {
      id: "external",
      title: "pipeline checks",
      status: "skipped",
      detail:
        "label shift, causal mask, frozen parameters and padding are checked on plateau's own pipeline; with an external trainer plateau sees only its logs",
    },
  ];
  if (s.vocabSize) {
    const lnV = Math.log(s.vocabSize);
    const rel = (first - lnV) / lnV;
    checks.push({
      id: "initial-loss",
      title: "initial loss ≈ ln V",
      status: Math.abs(rel) > 0.15 ? "warning" : "ok",
      detail: `first logged loss ${first.toFixed(3)} vs ln V = ${lnV.toFixed(3)} (${(100 * rel).toFixed(0)}%; a from-scratch model starts near ln V, a pretrained one far below)`,
    });
  }
  const result: OverfitResult = {
    verdict,
    criteria: { ...s.criteria, outcomes },
    initial_loss: first,
    final_loss: last,
    memorization: Number.NaN,
    epochs,
    run_dir: runDir,
    model: {
      target: "external trainer",
      proxy: false,
      reason: `trained by the external command (${command.split(/\s+/).slice(0, 3).join(" ")} …)`,
      params: Number.NaN,
      config: {},
      tokenizer: "the trainer's",
      estimated_seconds: Number.NaN,
    },
    data: {
      paths: s.data,
      samples: sel.texts.length,
      blocks: Number.NaN,
      seq_len: Number.NaN,
      tokens: Number.NaN,
      chars_per_token: Number.NaN,
      dropped_tokens: Number.NaN,
      selection: sel.selection,
    },
    training: {
      steps: logged ? lastStep(logged) : 0,
      batch: Number.NaN,
      lr: s.lr,
      optimizer: "the trainer's",
      epochs: s.epochs,
      seconds,
      tokens_per_s: Number.NaN,
    },
    checks,
    causes: verdict === "fail" ? likelyCauses({ ...s.criteria, min_memorization: 0 }, epochs, checks) : [],
  };
  if (!interrupted) {
    run.setSummary({ verdict, initial_loss: first, final_loss: last });
    run.finish("completed");
  }
  writeJsonAtomic(join(runDir, "result.json"), result);
  writeOverfitReport(runDir, result);
  return result;
}

/** Per-epoch records from the logged losses: eval loss on the samples when the trainer evaluated, else train loss. */
export function epochRecords(logged: Run): EpochRecord[] {
  const ev = logged.series.get("eval/loss");
  const tr = logged.series.get("train/loss");
  const src = ev && ev.length >= 2 ? ev : tr;
  if (!src || src.length === 0) return [];
  const out: EpochRecord[] = [
    { epoch: 0, step: src.step[0], loss: src.value[0], memorization: Number.NaN, prefix: Number.NaN },
  ];
  if (!src.has("epoch")) {
    out.push({
      epoch: 1,
      step: src.step[src.length - 1],
      loss: src.value[src.length - 1],
      memorization: Number.NaN,
      prefix: Number.NaN,
    });
    return out;
  }
  let next = 1;
  for (let i = 0; i < src.length; i++) {
    const e = src.epoch[i];
    const lastInEpoch = i === src.length - 1 || Math.floor(src.epoch[i + 1] + 1e-9) >= next;
    if (e + 1e-9 >= next || (lastInEpoch && i === src.length - 1)) {
      out.push({
        epoch: Math.max(next, Math.round(e)),
        step: src.step[i],
        loss: src.value[i],
        memorization: Number.NaN,
        prefix: Number.NaN,
      });
      next = Math.floor(e + 1e-9) + 1;
    }
  }
  return out;
}
