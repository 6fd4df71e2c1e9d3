import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Run } from "../runs/run.js";
import { RUN_FILES, RunWriter, readManifest } from "../runs/rundir.js";
import { attachTensorBoard } from "../train/tensorboard.js";
import { writeJsonAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import { fillTemplate, lastStep, runTrainer, trainerFailure } from "./external-process.js";
import type { Session } from "./session.js";
import {
  fmt,
  type OpenedSweep,
  openSweep,
  type PointResult,
  type SampleSettings,
  type SweepWhere,
} from "./sweep.js";

/**
 * One point of a sweep-style protocol run through the user's trainer: the command template filled for it, the
 * trainer run as a child run of the protocol's parent (metrics tailed live), and its outcome as a PointResult
 * (final and best eval loss, final training loss). A point whose child run completed before is kept (--resume);
 * an unfinished or failed one starts again from scratch. A trainer that exits non-zero, or logs no loss (or no
 * eval loss when the protocol needs held-out loss), fails only its point.
 */

export interface ExternalPointResult extends PointResult {
  /** First logged training loss (the divergence test compares the final one with it). */
  first_train_loss: number;
  /** The trainer's exit and stderr tail, for a failed point. */
  error?: string;
  command: string;
}

export interface ExternalPointSpec {
  key: string;
  label: string;
  protocol: string;
  values: Record<string, number | string>;
  cmd: string;
  lr: number;
  epochs: number;
  seed: number;
  trainDir: string;
  valDir: string;
  /** Training documents of this point. */
  n: number;
  pollMs?: number;
  /** Fail a point whose trainer logged no eval loss, with this reason (for protocols judged on held-out loss). */
  needsEval?: string;
}

/** Refuse an empty template or one with an unknown placeholder before any data is selected. */
export function checkTemplate(cmd: string): void {
  if (!cmd.trim()) throw new UserError("give the trainer command with --cmd", { field: "--cmd" });
  fillTemplate(cmd, { data: "", eval_data: "", epochs: "", lr: "", out: "", n: "", seed: "" });
}

/** When every point failed (and none was interrupted), fail the parent run and say why with the first error. */
export function failIfEveryPointFailed(
  parent: { dir: string; run: RunWriter },
  points: ExternalPointResult[],
  where: string,
  result: unknown,
): void {
  if (!points.length || !points.every((p) => p.status === "failed")) return;
  writeJsonAtomic(join(parent.dir, "result.json"), result);
  parent.run.setSummary({ conclusion: `every ${where} failed` });
  parent.run.finish("failed");
  throw new UserError(`the trainer failed at every ${where}; at ${points[0].label}: ${points[0].error}`, {
    file: join(parent.dir, points[0].key, "trainer.stderr.log"),
  });
}

/**
 * Open a protocol's parent run for an external trainer: the template checked (a new run), the samples selected
 * or, with --resume, the stored ones; a resumed run that trained on the embedded engine is refused.
 */
export async function openExternalSweep<S extends SampleSettings & { engine: string; cmd: string }>(o: {
  protocol: string;
  s: S;
  where: SweepWhere;
  session: Session;
  /** What selects the samples, when it differs from the settings (the ladder selects its largest rung). */
  sample?: SampleSettings;
}): Promise<OpenedSweep<S>> {
  const { protocol, s, where } = o;
  if (!where.resume) checkTemplate(s.cmd);
  const what = `${protocol} through an external trainer on ${s.data.join(", ")}`;
  const opened = await openSweep(protocol, s, where, o.session, what, o.sample ?? s);
  if (opened.settings.engine !== "external")
    throw new UserError(
      `this ${protocol} run used the embedded engine: resume it without --engine external`,
      {
        file: opened.parent.dir,
      },
    );
  return opened;
}

export async function runExternalPoint(
  p: ExternalPointSpec,
  parent: { dir: string; id: string },
  session: Session,
): Promise<ExternalPointResult> {
  const { key, label } = p;
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
  const command = fillTemplate(p.cmd, {
    data: p.trainDir,
    eval_data: p.valDir,
    epochs: String(p.epochs),
    lr: String(p.lr),
    out: outDir,
    n: String(p.n),
    seed: String(p.seed),
  });
  const run = RunWriter.create(dir, {
    id: `${parent.id}/${key}`,
    name: `${parent.id} ${label}`,
    protocol: p.protocol,
    parent: parent.id,
    source: { kind: "plateau", path: dir, command: [command] },
    facts: {
      epochs: p.epochs,
      lr: { peak: p.lr },
      seed: p.seed,
      data: { documents: p.n, eval_is_train: false },
      framework: "external",
    },
  });
  attachTensorBoard(run);
  session.log(`  ${label} $ ${command}`);
  const t = await runTrainer({ command, runDir: dir, outDir, run, session, pollMs: p.pollMs ?? 1000, label });
  const base = {
    key,
    label,
    steps: t.logged ? lastStep(t.logged) : 0,
    tokens: Number.NaN,
    seconds: t.seconds,
    params: Number.NaN,
    stopped_early: false,
    values: p.values,
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
  if (p.needsEval && !Number.isFinite(l.val_loss)) return failed(p.needsEval);
  const r: ExternalPointResult = { ...base, ...l, status: "completed", diverged: diverged(t.logged!) };
  run.setSummary({ point: r });
  run.finish("completed");
  session.log(
    `  ${label}: ${Number.isFinite(r.val_loss) ? `eval ${fmt(r.val_loss)} (best ${fmt(r.best_val_loss)} at step ${r.best_step}), ` : ""}train ${fmt(r.train_loss)}${r.diverged ? ", DIVERGED" : ""}`,
  );
  return r;
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
