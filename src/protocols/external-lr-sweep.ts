import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Run } from "../runs/run.js";
import { RUN_FILES, RunWriter, readManifest } from "../runs/rundir.js";
import { attachTensorBoard } from "../train/tensorboard.js";
import { writeJsonAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import { fillTemplate, lastStep, runTrainer, trainerFailure, writeTrainerData } from "./external-process.js";
import {
  finishParent,
  judgeLrSweep,
  type LrSweepResult,
  type SweepMetric,
  VALIDATION_METRIC,
} from "./lr-sweep.js";
import type { Session } from "./session.js";
import { fmt, openSweep, type PointResult, type SampleSettings, type SweepWhere } from "./sweep.js";

/**
 * The LR sweep through the user's own trainer, for a full-size model on the user's GPUs. plateau selects the
 * N best documents and a held-out validation set once (as the embedded sweep does), writes them in the trainer's
 * format (external-data/train/train.jsonl and external-data/validation/validation.jsonl with a `text` field, or
 * .txt one document per line), and runs the command template once per LR with {lr} filled, {data} = the train
 * folder, {eval_data} = the validation folder, {epochs}, {out} = the point's own output folder, {n}, {seed}.
 * Each LR is a child run of the sweep's parent run, its metrics tailed live from the trainer's logs.
 *
 * A point's loss is its final logged eval loss when the trainer evaluated (every finished point logged
 * eval_loss), else its final logged training loss; the result says which (`judged_on`). A point diverged when a
 * logged loss is not finite or its final loss is above its first (training loss; also eval loss when logged
 * twice or more). The best LR, edge-of-grid and insensitivity judgement is the embedded sweep's
 * (`judgeLrSweep`). A trainer that exits non-zero fails only its point (the stderr tail is kept); the sweep fails
 * when every point fails. Ctrl-C stops the trainer's process group and the sweep; --resume skips the LRs whose
 * child run completed and reruns the others from the start (the trainer's own checkpoints are not resumed).
 */
export interface ExternalLrSweepSettings extends SampleSettings {
  engine: "external";
  cmd: string;
  lrs: number[];
  epochs: number;
  seed: number;
  format: "jsonl" | "txt";
  /** The LR of the run being diagnosed, if known. */
  currentLr?: number;
  pollMs?: number;
}

export interface ExternalPointResult extends PointResult {
  /** First logged training loss (the divergence test compares the final one with it). */
  first_train_loss: number;
  /** The trainer's exit and stderr tail, for a failed point. */
  error?: string;
  command: string;
}

export interface ExternalLrSweepResult extends Omit<LrSweepResult, "best" | "points"> {
  engine: "external";
  /** The loss each point is judged on: the trainer's eval loss on the held-out set, or its training loss. */
  judged_on: "eval" | "train";
  points: ExternalPointResult[];
  best: { lr: number; loss: number } | null;
}

const TRAINING_METRIC: SweepMetric = { of: (p) => p.train_loss, name: "training", short: "train" };

/** Whether a parent run directory holds an LR sweep through an external trainer (for --resume). */
export function isExternalSweep(dir: string): boolean {
  const file = join(dir, "protocol.json");
  if (!existsSync(file)) return false;
  try {
    return (
      (JSON.parse(readFileSync(file, "utf8")) as { settings?: { engine?: string } }).settings?.engine ===
      "external"
    );
  } catch {
    return false;
  }
}

export async function runExternalLrSweep(
  s: ExternalLrSweepSettings,
  where: SweepWhere,
  session: Session,
): Promise<ExternalLrSweepResult> {
  if (!where.resume) checkTemplate(s.cmd);
  const { parent, settings, texts } = await openSweep(
    "lr-sweep",
    s,
    where,
    session,
    `LR sweep through an external trainer on ${s.data.join(", ")}`,
  );
  if (settings.engine !== "external")
    throw new UserError("this LR sweep ran on the embedded engine: resume it without --engine external", {
      file: parent.dir,
    });
  const trainDir = join(parent.dir, "external-data", "train");
  const valDir = join(parent.dir, "external-data", "validation");
  writeTrainerData(trainDir, "train", texts.trainTexts, settings.format);
  writeTrainerData(valDir, "validation", texts.valTexts, settings.format);
  session.log(`  LRs ${settings.lrs.join(", ")}; --epochs ${settings.epochs} per LR`);
  const points: ExternalPointResult[] = [];
  for (const lr of settings.lrs) {
    if (session.stopRequested()) break;
    const p = await runPoint(settings, lr, parent, { trainDir, valDir, n: texts.trainTexts.length }, session);
    points.push(p);
    if (p.status === "interrupted") break;
  }
  const finished = points.filter((p) => p.status === "completed");
  const judgedOn = finished.length && finished.every((p) => Number.isFinite(p.val_loss)) ? "eval" : "train";
  const j = judgeLrSweep(
    settings.lrs,
    points.filter((p) => p.status !== "interrupted"),
    settings.currentLr,
    judgedOn === "eval" ? VALIDATION_METRIC : TRAINING_METRIC,
  );
  const interrupted = session.stopRequested();
  const out: ExternalLrSweepResult = {
    protocol: "lr-sweep",
    engine: "external",
    run_dir: parent.dir,
    judged_on: judgedOn,
    points,
    ...j,
    conclusion: `${j.conclusion} (judged on the trainer's ${judgedOn === "eval" ? "eval loss on the held-out set" : "training loss: it logged no eval_loss"})`,
    status: interrupted ? "interrupted" : "completed",
  };
  writeJsonAtomic(join(parent.dir, "result.json"), out);
  if (!interrupted && points.length > 0 && points.every((p) => p.status === "failed")) {
    parent.run.setSummary({ conclusion: "every LR failed" });
    parent.run.finish("failed");
    throw new UserError(`the trainer failed at every LR; at ${points[0].label}: ${points[0].error}`, {
      file: join(parent.dir, points[0].key, "trainer.stderr.log"),
    });
  }
  finishParent(parent, out, out.status);
  return out;
}

/** Refuse a template with an unknown placeholder before any data is selected. */
function checkTemplate(cmd: string): void {
  if (!cmd.trim()) throw new UserError("give the trainer command with --cmd", { field: "--cmd" });
  fillTemplate(cmd, { data: "", eval_data: "", epochs: "", lr: "", out: "", n: "", seed: "" });
}

async function runPoint(
  s: ExternalLrSweepSettings,
  lr: number,
  parent: { dir: string; id: string },
  data: { trainDir: string; valDir: string; n: number },
  session: Session,
): Promise<ExternalPointResult> {
  const key = `lr-${lr.toExponential(2)}`;
  const label = `lr ${lr.toExponential(2)}`;
  const dir = join(parent.dir, key);
  if (existsSync(join(dir, RUN_FILES.manifest))) {
    const m = readManifest(dir);
    const done = m.summary?.point as ExternalPointResult | undefined;
    if (m.status === "completed" && done) {
      session.log(`  ${label}: completed before, kept`);
      // run.json stores NaN (a loss the trainer did not log) as null
      return Object.fromEntries(
        Object.entries(done).map(([k, v]) => [k, v === null ? Number.NaN : v]),
      ) as unknown as ExternalPointResult;
    }
    // an unfinished or failed point starts again from scratch: the trainer's partial output would mix runs
    rmSync(dir, { recursive: true, force: true });
  }
  const outDir = join(dir, "trainer-output");
  mkdirSync(outDir, { recursive: true });
  const command = fillTemplate(s.cmd, {
    data: data.trainDir,
    eval_data: data.valDir,
    epochs: String(s.epochs),
    lr: String(lr),
    out: outDir,
    n: String(data.n),
    seed: String(s.seed),
  });
  const run = RunWriter.create(dir, {
    id: `${parent.id}/${key}`,
    name: `${parent.id} ${label}`,
    protocol: "lr-sweep",
    parent: parent.id,
    source: { kind: "plateau", path: dir, command: [command] },
    facts: {
      epochs: s.epochs,
      lr: { peak: lr },
      seed: s.seed,
      data: { documents: data.n, eval_is_train: false },
      framework: "external",
    },
  });
  attachTensorBoard(run);
  session.log(`  ${label} $ ${command}`);
  const t = await runTrainer({
    command,
    runDir: dir,
    outDir,
    run,
    session,
    pollMs: s.pollMs ?? 1000,
    label,
  });
  const base = {
    key,
    label,
    steps: t.logged ? lastStep(t.logged) : 0,
    tokens: Number.NaN,
    seconds: t.seconds,
    params: Number.NaN,
    stopped_early: false,
    values: { lr },
    command,
  };
  const failed = (error: string): ExternalPointResult => {
    run.event({ kind: "error", step: base.steps, message: error });
    run.finish("failed");
    session.log(`  ${label}: FAILED — ${error}`);
    return { ...base, ...losses(undefined), status: "failed", diverged: false, error };
  };
  if (t.interrupted) {
    run.finish("interrupted");
    return { ...base, ...losses(t.logged), status: "interrupted", diverged: false };
  }
  if (t.code !== 0) return failed(trainerFailure(dir, t));
  const l = losses(t.logged);
  if (!t.logged?.series.get("train/loss")?.length)
    return failed(
      "plateau found no loss in the trainer's output (trainer_state.json, TensorBoard events or stdout log lines)",
    );
  const p: ExternalPointResult = { ...base, ...l, status: "completed", diverged: diverged(t.logged!) };
  run.setSummary({ point: p });
  run.finish("completed");
  session.log(
    `  ${label}: ${Number.isFinite(p.val_loss) ? `eval ${fmt(p.val_loss)} (best ${fmt(p.best_val_loss)} at step ${p.best_step}), ` : ""}train ${fmt(p.train_loss)}${p.diverged ? ", DIVERGED" : ""}`,
  );
  return p;
}

/** Final and first training loss, final and best eval loss (NaN where the trainer did not log them). */
function losses(logged: Run | undefined): {
  train_loss: number;
  first_train_loss: number;
  val_loss: number;
  best_val_loss: number;
  best_step: number;
} {
  const tr = logged?.series.get("train/loss");
  const ev = logged?.series.get("eval/loss");
  let best = Number.NaN;
  let bestStep = 0;
  for (let i = 0; i < (ev?.length ?? 0); i++)
    if (Number.isFinite(ev!.value[i]) && !(ev!.value[i] >= best)) {
      best = ev!.value[i];
      bestStep = ev!.step[i];
    }
  return {
    train_loss: tr?.length ? tr.value[tr.length - 1] : Number.NaN,
    first_train_loss: tr?.length ? tr.value[0] : Number.NaN,
    val_loss: ev?.length ? ev.value[ev.length - 1] : Number.NaN,
    best_val_loss: best,
    best_step: bestStep,
  };
}

/** A logged loss that is not finite, or a final loss above the first (training; eval when logged twice or more). */
function diverged(logged: Run): boolean {
  for (const name of ["train/loss", "eval/loss"]) {
    const s = logged.series.get(name);
    if (!s?.length) continue;
    for (let i = 0; i < s.length; i++) if (!Number.isFinite(s.value[i])) return true;
    if (s.length >= 2 && s.value[s.length - 1] > s.value[0]) return true;
  }
  return false;
}
