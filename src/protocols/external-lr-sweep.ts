import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ExternalPointResult,
  failIfEveryPointFailed,
  openExternalSweep,
  runExternalPoint,
} from "./external-point.js";
import { writeTrainerData } from "./external-process.js";
import { judgeLrSweep, type LrSweepResult, type SweepMetric, VALIDATION_METRIC } from "./lr-sweep.js";
import type { Session } from "./session.js";
import { finishSweep, type SampleSettings, type SweepWhere } from "./sweep.js";

export type { ExternalPointResult };

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
  const { parent, settings, texts } = await openExternalSweep({ protocol: "lr-sweep", s, where, session });
  const trainDir = join(parent.dir, "external-data", "train");
  const valDir = join(parent.dir, "external-data", "validation");
  writeTrainerData(trainDir, "train", texts.trainTexts, settings.format);
  writeTrainerData(valDir, "validation", texts.valTexts, settings.format);
  session.log(`  LRs ${settings.lrs.join(", ")}; --epochs ${settings.epochs} per LR`);
  const points: ExternalPointResult[] = [];
  for (const lr of settings.lrs) {
    if (session.stopRequested()) break;
    const p = await runExternalPoint(
      {
        key: `lr-${lr.toExponential(2)}`,
        label: `lr ${lr.toExponential(2)}`,
        protocol: "lr-sweep",
        values: { lr },
        cmd: settings.cmd,
        lr,
        epochs: settings.epochs,
        seed: settings.seed,
        trainDir,
        valDir,
        n: texts.trainTexts.length,
        pollMs: settings.pollMs,
      },
      parent,
      session,
    );
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
  if (!interrupted) failIfEveryPointFailed(parent, points, "LR", out);
  finishSweep(parent, out, out.status);
  return out;
}
