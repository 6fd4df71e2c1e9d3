import { join } from "node:path";
import {
  type ExternalPointResult,
  failIfEveryPointFailed,
  openExternalSweep,
  runExternalPoint,
} from "./external-point.js";
import { writeTrainerData } from "./external-process.js";
import { judgeLadder, type LadderResult, ladderPlan, ladderRaw } from "./ladder.js";
import type { Session } from "./session.js";
import { finishSweep, type SampleSettings, type SweepWhere } from "./sweep.js";

/**
 * The data ladder through the user's own trainer. plateau selects the held-out validation set, the N best
 * documents and the raw sample exactly as the embedded ladder does (openSweep, ladderRaw, ladderPlan), writes
 * each point's training documents (external-data/<kind>-<n>/train.jsonl, or .txt) and the one shared validation
 * set (external-data/validation/) in the trainer's format, and runs the command template once per rung and kind
 * with {data}, {eval_data}, {epochs}, {lr}, {out} (the point's own folder), {n} (its documents) and {seed}. Each
 * point is a child run of the ladder's parent run, its metrics tailed live from the trainer's logs.
 *
 * A point is judged on the trainer's final eval loss on the held-out set; a trainer that logged none fails its
 * point (the ladder compares held-out loss, never training loss). A point overfitted when its eval loss ended
 * above its best (it rose while training went on). Exponent, noise penalty, overfit onset and conclusion are the
 * embedded ladder's (judgeLadder). A crashed point is recorded and the ladder goes on; it fails when every point
 * fails. Ctrl-C stops the trainer's process group and the ladder; --resume keeps the points whose child run
 * completed and reruns the others from the start.
 */
export interface ExternalLadderSettings extends SampleSettings {
  engine: "external";
  cmd: string;
  sizes: number[];
  lr: number;
  epochs: number;
  seed: number;
  format: "jsonl" | "txt";
  pollMs?: number;
}

export interface ExternalLadderResult extends Omit<LadderResult, "points" | "rungs"> {
  engine: "external";
  judged_on: "eval";
  points: ExternalPointResult[];
  rungs: {
    size: number;
    raw?: ExternalPointResult;
    selected?: ExternalPointResult;
    noise_penalty?: number;
  }[];
}

const NO_EVAL =
  "the trainer logged no eval loss (eval_loss): the ladder compares loss on the held-out set, so the template must evaluate on {eval_data} (e.g. --validation_file_dir {eval_data} --eval_strategy epoch)";

export async function runExternalLadder(
  s: ExternalLadderSettings,
  where: SweepWhere,
  session: Session,
): Promise<ExternalLadderResult> {
  const sample = { ...s, n: Math.max(...s.sizes) };
  const { parent, settings, texts } = await openExternalSweep({
    protocol: "ladder",
    s,
    where,
    session,
    sample,
  });
  const raw = await ladderRaw(settings, parent.dir, where, texts.valTexts);
  const valDir = join(parent.dir, "external-data", "validation");
  writeTrainerData(valDir, "validation", texts.valTexts, settings.format);
  const { sizes, rungs } = ladderPlan(settings.sizes, texts.trainTexts, raw);
  session.log(
    `  rungs ${sizes.join(", ")} documents, raw and selected: ${rungs.length} runs, --epochs ${settings.epochs}, --lr ${settings.lr}`,
  );
  const points: ExternalPointResult[] = [];
  for (const r of rungs) {
    if (session.stopRequested()) break;
    const trainDir = join(parent.dir, "external-data", r.key);
    writeTrainerData(trainDir, "train", r.docs, settings.format);
    const p = await runExternalPoint(
      {
        key: r.key,
        label: r.label,
        protocol: "ladder",
        values: { kind: r.kind, size: r.size },
        cmd: settings.cmd,
        lr: settings.lr,
        epochs: settings.epochs,
        seed: settings.seed,
        trainDir,
        valDir,
        n: r.size,
        pollMs: settings.pollMs,
        needsEval: NO_EVAL,
      },
      parent,
      session,
    );
    points.push(p);
    if (p.status === "interrupted") break;
  }
  const interrupted = session.stopRequested();
  const j = judgeLadder(
    sizes,
    points.filter((p) => p.status === "completed"),
    (p) => p.val_loss,
    (p) => p.val_loss > p.best_val_loss + 1e-4,
  );
  const out: ExternalLadderResult = {
    protocol: "ladder",
    engine: "external",
    run_dir: parent.dir,
    judged_on: "eval",
    points,
    ...j,
    conclusion: `${j.conclusion} (judged on the trainer's final eval loss on the held-out set)`,
    status: interrupted ? "interrupted" : "completed",
  };
  if (!interrupted) failIfEveryPointFailed(parent, points, "ladder point", out);
  finishSweep(parent, out, out.status);
  return out;
}
