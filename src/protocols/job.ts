import { existsSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import type { Ops } from "../engine/ops.js";
import { RUN_FILES, RunWriter, readManifest } from "../runs/rundir.js";
import type { RunFacts, RunManifest } from "../runs/types.js";
import { latestCheckpoint } from "../train/checkpoint.js";
import type { TrainConfig } from "../train/config.js";
import { type TrainData, Trainer, type TrainHooks, type TrainResult } from "../train/trainer.js";
import type { Session } from "./session.js";

/**
 * One training job of a protocol (the overfit run, a rung of a ladder, a point of a sweep) in its own run
 * directory: started fresh, resumed exactly from its last checkpoint after Ctrl-C or a crash, or skipped when
 * it already completed (its run.json summary is returned). Metrics go to metrics.jsonl and a TensorBoard event
 * file every step; a progress bar shows tokens/s and the ETA.
 */
export interface JobSpec {
  dir: string;
  name: string;
  protocol: string;
  /** Parent run id (the protocol's run) for nested jobs. */
  parent?: string;
  config: TrainConfig;
  data: TrainData;
  ops: Ops;
  facts: RunFacts;
  session: Session;
  /** Progress bar label. */
  label: string;
  hooks?: TrainHooks;
  /** Called with the trainer before training starts (fresh or resumed). */
  onTrainer?(t: Trainer, resumed: boolean, run: RunWriter): void;
}

export type JobOutcome =
  | {
      status: "completed" | "interrupted" | "failed";
      trainer: Trainer;
      result: TrainResult;
      run: RunWriter;
      resumed: boolean;
    }
  | { status: "skipped"; manifest: RunManifest };

export async function runJob(spec: JobSpec): Promise<JobOutcome> {
  const ckRoot = join(spec.dir, RUN_FILES.checkpoints);
  let trainer: Trainer;
  let run: RunWriter;
  let resumed = false;
  if (existsSync(join(spec.dir, RUN_FILES.manifest))) {
    const m = readManifest(spec.dir);
    if (m.status === "completed") return { status: "skipped", manifest: m };
    if (latestCheckpoint(ckRoot)) {
      trainer = Trainer.resume(
        ckRoot,
        { ops: spec.ops, data: spec.data },
        { max_steps: spec.config.max_steps },
      );
      run = RunWriter.resume(spec.dir, trainer.step);
      resumed = true;
    } else {
      // started but killed before its first checkpoint: nothing to keep
      rmSync(spec.dir, { recursive: true, force: true });
    }
  }
  if (!resumed) {
    trainer = Trainer.create(spec.config, { ops: spec.ops, data: spec.data });
    run = RunWriter.create(spec.dir, {
      id: spec.parent ? `${spec.parent}/${basename(spec.dir)}` : basename(spec.dir),
      name: spec.name,
      protocol: spec.protocol,
      ...(spec.parent ? { parent: spec.parent } : {}),
      facts: spec.facts,
    });
  }
  const t = trainer!;
  const w = run!;
  Object.assign(t.opts, { run: w, checkpointDir: ckRoot });
  spec.onTrainer?.(t, resumed, w);
  const c = t.config;
  const bar = spec.session.progress({
    label: spec.label,
    total: c.max_steps * t.tokensPerStep,
    unit: "tokens",
  });
  bar.update(t.step * t.tokensPerStep);
  const extra = spec.hooks ?? {};
  t.opts.hooks = {
    ...extra,
    onStep: (r, tr) => {
      bar.update(r.tokensSeen, `step ${r.step}/${c.max_steps} loss ${r.loss.toFixed(3)}`);
      return extra.onStep?.(r, tr);
    },
    shouldStop: () => spec.session.stopRequested() || (extra.shouldStop?.() ?? false),
  };
  let result: TrainResult;
  try {
    result = await t.run();
  } catch (err) {
    w.event({ kind: "error", step: t.step, message: (err as Error).message });
    w.finish("failed");
    throw err;
  } finally {
    bar.finish();
  }
  return { status: result.status, trainer: t, result, run: w, resumed };
}
