import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadWeightsInto, MODEL_FILE, saveHfModel } from "../engine/hf-checkpoint.js";
import type { Qwen2Model } from "../engine/model.js";
import { SafetensorsFile, writeSafetensors } from "../engine/safetensors.js";
import { fsyncDir, writeJsonAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import type { RngState } from "../util/rng.js";
import type { Optimizer } from "./optim/index.js";

/**
 * A training checkpoint is a directory `step-00000100/` holding
 *   model.safetensors + config.json   the weights as a HF Qwen2ForCausalLM checkpoint (loadable by HF as is)
 *   optimizer.safetensors             the optimizer's state buffers, flat, in the parameter layout
 *   trainer_state.json                step, optimizer step count, data position, RNG state, the train config
 * It is written into a hidden temporary directory and renamed into place, so a crash (even kill -9) at any
 * moment leaves every `step-*` directory complete: the newest one is the checkpoint to resume from.
 */
export const OPTIMIZER_FILE = "optimizer.safetensors";
export const STATE_FILE = "trainer_state.json";
const STEP_DIR = /^step-(\d+)$/;

export interface TrainerState<C = unknown> {
  format: "plateau-trainer-state";
  version: 1;
  /** Optimizer updates completed. */
  step: number;
  optimizer: { name: string; steps: number };
  /** Sequences served by the training batch loader. */
  data_position: number;
  /** Fingerprint of the training data, to refuse resuming on different data. */
  data_fingerprint: string;
  rng: RngState;
  tokens_seen: number;
  train_seconds: number;
  config: C;
}

export function stepDirName(step: number): string {
  return `step-${String(step).padStart(8, "0")}`;
}

/** Write a checkpoint under `root` atomically; returns its directory. */
export function saveCheckpoint(
  root: string,
  model: Qwen2Model,
  optimizer: Optimizer,
  state: TrainerState,
): string {
  mkdirSync(root, { recursive: true });
  const final = join(root, stepDirName(state.step));
  const tmp = join(root, `.tmp-${stepDirName(state.step)}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  saveHfModel(tmp, model);
  writeSafetensors(
    join(tmp, OPTIMIZER_FILE),
    optimizer.state().map((s) => ({ name: s.name, shape: [s.data.length], data: s.data })),
    { format: "plateau", optimizer: optimizer.name },
  );
  writeJsonAtomic(join(tmp, STATE_FILE), state);
  if (existsSync(final)) {
    // same step saved again (after a resume): swap, so a complete directory is always there
    const old = join(root, `.old-${stepDirName(state.step)}-${process.pid}`);
    renameSync(final, old);
    renameSync(tmp, final);
    rmSync(old, { recursive: true, force: true });
  } else renameSync(tmp, final);
  fsyncDir(root);
  return final;
}

/** Checkpoint directories under root, oldest first. */
export function listCheckpoints(root: string): { step: number; dir: string }[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => ({ m: STEP_DIR.exec(name), name }))
    .filter((e) => e.m && existsSync(join(root, e.name, STATE_FILE)))
    .map((e) => ({ step: Number(e.m![1]), dir: join(root, e.name) }))
    .sort((a, b) => a.step - b.step);
}

export function latestCheckpoint(root: string): string | undefined {
  const all = listCheckpoints(root);
  return all.length ? all[all.length - 1].dir : undefined;
}

/** Keep the newest `keep` checkpoints (0 keeps all); leftovers of interrupted writes are removed too. */
export function pruneCheckpoints(root: string, keep: number): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    if (name.startsWith(".tmp-step-") && !name.endsWith(`-${process.pid}`))
      rmSync(join(root, name), { recursive: true, force: true });
  }
  if (keep <= 0) return;
  const all = listCheckpoints(root);
  for (const c of all.slice(0, Math.max(0, all.length - keep)))
    rmSync(c.dir, { recursive: true, force: true });
}

export function readTrainerState<C>(dir: string): TrainerState<C> {
  const file = join(dir, STATE_FILE);
  let st: TrainerState<C>;
  try {
    st = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`cannot read the trainer state: ${(err as Error).message}`, { file });
  }
  if (st?.format !== "plateau-trainer-state" || st.version !== 1)
    throw new UserError("not a plateau trainer state (format/version)", { file });
  return st;
}

/** Restore weights and optimizer state from a checkpoint directory into an existing model and optimizer. */
export function loadCheckpointInto(dir: string, model: Qwen2Model, optimizer: Optimizer): void {
  loadWeightsInto(model, [join(dir, MODEL_FILE)]);
  const f = new SafetensorsFile(join(dir, OPTIMIZER_FILE));
  try {
    for (const s of optimizer.state()) {
      const t = f.tensors.get(s.name);
      if (t?.shape.length !== 1 || t.shape[0] !== s.data.length)
        throw new UserError(`optimizer state ${s.name} missing or of the wrong size`, { file: f.path });
      f.readFloat32(s.name, s.data);
    }
  } finally {
    f.close();
  }
}
