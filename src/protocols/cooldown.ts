import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { createOps } from "../engine/backend.js";
import { readQwen2Config } from "../engine/config.js";
import { CONFIG_FILE } from "../engine/hf-checkpoint.js";
import { latestCheckpoint, readTrainerState } from "../train/checkpoint.js";
import type { TrainConfig } from "../train/config.js";
import { UserError } from "../util/errors.js";
import type { Session } from "./session.js";
import {
  announce,
  finishSweep,
  fmt,
  openSweep,
  type PointResult,
  pointConfig,
  runPoints,
  type SweepCommon,
  type SweepWhere,
  tokenizeSweep,
} from "./sweep.js";
import { protocolTokenizer } from "./text.js";

/**
 * Cooldown probe: from one checkpoint, continue two ways for the same steps on the same data order — (a) at the
 * constant LR the run was using, (b) decaying that LR to zero (linear, or 1−√ as in WSD schedules). The gain of
 * (b) over (a) in validation loss is what the constant LR was hiding: at a fixed step size the loss settles where
 * gradient noise balances progress, and decaying the step lets it go lower (MiniCPM, Hägele et al. 2024; a
 * public 1.5B GPT run went 2.908 → 2.774 in its final warmdown). A gain above 1% of the loss says the plateau is
 * (at least partly) the schedule. Both arms start with fresh optimizer moments from the checkpoint's weights, so
 * the comparison is fair even when the checkpoint holds no optimizer state (a HF model directory).
 */
export interface CooldownSettings extends SweepCommon {
  checkpoint: string;
  lr: number;
  steps: number;
  decay: "linear" | "1-sqrt" | "cosine";
}

export interface CooldownResult {
  protocol: "cooldown";
  run_dir: string;
  points: PointResult[];
  gain: number;
  relative_gain: number;
  conclusion: string;
  status: "completed" | "interrupted";
}

/** The HF model directory inside a checkpoint reference (a run directory, a checkpoints/ folder, a step-N/). */
export function resolveCheckpoint(ref: string): string {
  if (existsSync(join(ref, CONFIG_FILE))) return ref;
  for (const root of [join(ref, "checkpoints"), ref]) {
    if (!existsSync(root) || !statSync(root).isDirectory()) continue;
    const latest = latestCheckpoint(root);
    if (latest) return latest;
  }
  throw new UserError(
    "no model checkpoint here (expected config.json + model.safetensors, or a plateau run)",
    { file: ref },
  );
}

/** The LR a plateau checkpoint was trained at, when it says. */
export function checkpointLr(dir: string): number | undefined {
  try {
    return readTrainerState<TrainConfig>(dir).config.optimizer.lr;
  } catch {
    return undefined;
  }
}

export async function runCooldown(
  s: CooldownSettings,
  where: SweepWhere,
  session: Session,
): Promise<CooldownResult> {
  const { parent, settings, texts } = await openSweep(
    "cooldown",
    s,
    where,
    session,
    `cooldown probe from ${s.checkpoint}`,
  );
  const model = readQwen2Config(join(settings.checkpoint, CONFIG_FILE));
  // the checkpoint's tokenizer: the full one, or the sub-vocabulary a plateau proxy was trained on
  const full = protocolTokenizer(settings.tokenizer);
  const added = full.bpe.spec.added.length;
  const subK = model.vocab_size >= full.vocabSize ? undefined : model.vocab_size - added;
  const data = tokenizeSweep({ ...settings, subVocab: subK ?? full.bpe.bpeVocabSize }, texts);
  if (data.tok.vocabSize > model.vocab_size)
    throw new UserError(
      `the checkpoint's vocabulary (${model.vocab_size}) is smaller than the tokenizer's (${data.tok.vocabSize}): give its tokenizer with --tokenizer`,
      { file: settings.checkpoint },
    );
  const ops = await createOps({ backend: settings.backend, threads: settings.threads });
  try {
    const base = pointConfig(
      settings,
      { ...model, max_position_embeddings: Math.max(model.max_position_embeddings, settings.seqLen) },
      settings.lr,
      settings.steps,
    );
    const arms: { key: string; label: string; config: TrainConfig }[] = [
      {
        key: "constant",
        label: "constant LR",
        config: { ...base, init_from: settings.checkpoint, schedule: { kind: "constant", warmup_steps: 0 } },
      },
      {
        key: "decay",
        label: `${settings.decay} decay to 0`,
        config: {
          ...base,
          init_from: settings.checkpoint,
          schedule:
            settings.decay === "cosine"
              ? { kind: "cosine", warmup_steps: 0, min_lr_ratio: 0 }
              : {
                  kind: "wsd",
                  warmup_steps: 0,
                  decay_steps: settings.steps,
                  decay_type: settings.decay,
                  min_lr_ratio: 0,
                },
        },
      },
    ];
    announce(
      session,
      ops,
      { ...settings, tokens: settings.steps * settings.batch * settings.seqLen },
      model,
      2,
      `constant vs decayed LR ${settings.lr} over ${settings.steps} steps`,
    );
    const results = await runPoints(parent, arms, data, ops, session);
    const c = results.find((p) => p.key === "constant");
    const d = results.find((p) => p.key === "decay");
    const gain = c && d ? c.val_loss - d.val_loss : Number.NaN;
    const rel = c ? gain / c.val_loss : Number.NaN;
    const conclusion = !(c && d)
      ? "the probe did not finish both arms"
      : rel > 0.01
        ? `decaying the LR gained ${fmt(gain)} nats (${(100 * rel).toFixed(1)}%) over keeping it constant (${fmt(c.val_loss)} → ${fmt(d.val_loss)}): the plateau is partly the schedule — a cooldown cashes it in`
        : `decaying the LR gained ${fmt(gain)} nats (${(100 * rel).toFixed(1)}%): the plateau is not the constant LR`;
    const out: CooldownResult = {
      protocol: "cooldown",
      run_dir: parent.dir,
      points: results,
      gain,
      relative_gain: rel,
      conclusion,
      status: session.stopRequested() ? "interrupted" : "completed",
    };
    finishSweep(parent, out, out.status);
    return out;
  } finally {
    ops.dispose();
  }
}
