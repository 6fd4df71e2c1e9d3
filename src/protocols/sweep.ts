import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Qwen2Config } from "../engine/config.js";
import { estimateModel } from "../engine/estimate.js";
import type { Ops } from "../engine/ops.js";
import { newRunId } from "../runs/root.js";
import { RunWriter, readManifest } from "../runs/rundir.js";
import { DEFAULT_TRAIN, type TrainConfig } from "../train/config.js";
import type { TokenBlocks } from "../train/data/blocks.js";
import { writeJsonAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import { dataDir, loadStoredSamples, selectAndStore, storeSamples } from "./dataset.js";
import { runJob } from "./job.js";
import { defaultProxy, proxyOf } from "./proxy.js";
import type { Session } from "./session.js";
import { PROXY_SUBVOCAB, type ProtocolTokenizer, protocolTokenizer, tokenizeAndPack } from "./text.js";
import { trainRate } from "./timing.js";

/**
 * What the comparative protocols (LR sweep, capacity, optimizer, ladder, cooldown) share: a parent run directory
 * holding the settings (protocol.json), the samples (data/), and one child run per point; a fixed held-out
 * validation set; every point trained from the same seed on the same data order, so points differ only in what
 * the protocol varies. A resumed protocol skips completed points and continues an interrupted one exactly.
 */

export interface SweepCommon {
  data: string[];
  field?: string;
  /** Training documents (the best ones) and held-out validation documents. */
  n: number;
  heldOut: number;
  model: { name: string; config: Qwen2Config } | null;
  tokenizer?: string;
  subVocab?: number;
  seqLen: number;
  batch: number;
  /** Training tokens per point. */
  tokens: number;
  seed: number;
  /** Evaluate on the validation set every this many steps (and at the end). */
  evalEvery: number;
  threads?: number;
  backend?: "wasm" | "ref";
}

export const SWEEP_DEFAULTS = {
  n: 1000,
  heldOut: 100,
  seqLen: 256,
  batch: 4,
  tokens: 200_000,
  seed: 0,
  evalEvery: 25,
} as const;

export interface SweepData {
  tok: ProtocolTokenizer;
  train: TokenBlocks;
  val: TokenBlocks;
  trainTexts: string[];
  valTexts: string[];
}

export interface PointSpec {
  key: string;
  label: string;
  config: TrainConfig;
  /** Training blocks when a point uses its own (a ladder rung); default the sweep's. */
  train?: TokenBlocks;
  /** Stop after this many evaluations without a new best validation loss (0 = never). */
  patience?: number;
  values?: Record<string, number | string>;
}

export interface PointResult {
  key: string;
  label: string;
  status: "completed" | "failed" | "interrupted";
  steps: number;
  tokens: number;
  seconds: number;
  params: number;
  /** Mean training loss over the last 10 steps. */
  train_loss: number;
  val_loss: number;
  best_val_loss: number;
  best_step: number;
  stopped_early: boolean;
  diverged: boolean;
  values?: Record<string, number | string>;
}

export interface Parent {
  dir: string;
  id: string;
  run: RunWriter;
}

/** A sweep's end: result.json in its parent, the conclusion as the parent's summary, and its final status. */
export function finishSweep(
  parent: Parent,
  result: { conclusion: string },
  status: "completed" | "interrupted",
): void {
  writeJsonAtomic(join(parent.dir, "result.json"), result);
  parent.run.setSummary({ conclusion: result.conclusion });
  parent.run.finish(status);
}

/** A new parent run directory with its settings. */
export function createParent(
  runsDir: string,
  protocol: string,
  dataName: string,
  settings: unknown,
  out?: string,
): Parent {
  const slug = basename(dataName).replace(/\.[^.]+$/, "");
  const dir = out ?? join(runsDir, newRunId(`${protocol}-${slug}`));
  const id = basename(dir);
  const run = RunWriter.create(dir, { id, name: `${protocol} ${slug}`, protocol });
  writeJsonAtomic(join(dir, "protocol.json"), { protocol, settings });
  return { dir, id, run };
}

/** Reopen a parent run directory for --resume; returns its stored settings. */
export function reopenParent<S>(dir: string, protocol: string): { parent: Parent; settings: S } {
  const file = join(dir, "protocol.json");
  if (!existsSync(file)) throw new UserError(`not a ${protocol} run (no protocol.json)`, { file: dir });
  const saved = JSON.parse(readFileSync(file, "utf8")) as { protocol: string; settings: S };
  if (saved.protocol !== protocol)
    throw new UserError(`this run is a ${saved.protocol} run, not ${protocol}`, { file });
  const m = readManifest(dir);
  const run = RunWriter.resume(dir, 0);
  return { parent: { dir, id: m.id, run }, settings: saved.settings };
}

export interface SweepWhere {
  runsDir: string;
  out?: string;
  resume?: string;
}

export interface OpenedSweep<S> {
  parent: Parent;
  /** The stored settings on --resume (so a resumed sweep repeats the same points), else the given ones. */
  settings: S;
  texts: { trainTexts: string[]; valTexts: string[] };
}

/**
 * Start a sweep-style protocol (a parent run with child runs): a new parent with freshly selected samples, or,
 * with --resume, the parent as it was stored, with the samples it selected then.
 */
export async function openSweep<S extends SampleSettings>(
  protocol: string,
  s: S,
  where: SweepWhere,
  session: Session,
  what: string,
  sampleSettings: SampleSettings = s,
): Promise<OpenedSweep<S>> {
  if (where.resume) {
    const r = reopenParent<S>(where.resume, protocol);
    return { parent: r.parent, settings: r.settings, texts: storedSweepSamples(r.parent.dir) };
  }
  const parent = createParent(where.runsDir, protocol, s.data[0], s, where.out);
  session.log(`${what} → ${parent.dir}`);
  try {
    return { parent, settings: s, texts: await sweepSamples(sampleSettings, parent.dir, session) };
  } catch (e) {
    // bad input found while selecting (no usable document, an unreadable file): the parent is not alive
    parent.run.finish("failed");
    throw e;
  }
}

/** What the sample selection needs (an external trainer's sweep has no model or token budget). */
export type SampleSettings = Pick<SweepCommon, "data" | "field" | "n" | "heldOut">;

/** Select n + heldOut documents, store them, and split: every k-th selected document goes to validation. */
export async function sweepSamples(
  s: SampleSettings,
  dir: string,
  session: Session,
): Promise<{ trainTexts: string[]; valTexts: string[] }> {
  const sel = await selectAndStore(s.data, s.n + s.heldOut, dir, session, { field: s.field });
  const { train, val } = splitTexts(sel.texts, s.heldOut);
  storeSamples(dir, val, [], "val.jsonl");
  session.log(
    `  ${sel.texts.length} of ${sel.selection.read} documents selected: ${train.length} for training, ${val.length} held out for validation`,
  );
  return { trainTexts: train, valTexts: val };
}

/** Deterministic split: validation takes evenly spaced documents (so it spans the selection). */
export function splitTexts(texts: string[], heldOut: number): { train: string[]; val: string[] } {
  const h = Math.min(heldOut, Math.floor(texts.length / 2));
  const every = h > 0 ? texts.length / h : Number.POSITIVE_INFINITY;
  const valIdx = new Set<number>();
  for (let i = 0; i < h; i++) valIdx.add(Math.floor(i * every + every / 2));
  const train: string[] = [];
  const val: string[] = [];
  texts.forEach((t, i) => {
    (valIdx.has(i) ? val : train).push(t);
  });
  return { train, val };
}

/** The stored samples of a parent run (after --resume). */
export function storedSweepSamples(dir: string): { trainTexts: string[]; valTexts: string[] } {
  const all = loadStoredSamples(dir);
  const val = loadStoredSamples(dir, "val.jsonl");
  const valSet = new Set(val);
  return { trainTexts: all.filter((t) => !valSet.has(t)), valTexts: val };
}

export function tokenizeSweep(
  s: SweepCommon,
  texts: { trainTexts: string[]; valTexts: string[] },
): SweepData {
  const tok = protocolTokenizer(s.tokenizer, s.subVocab ?? PROXY_SUBVOCAB);
  const train = tokenizeAndPack(texts.trainTexts, tok, s.seqLen).blocks;
  const val = tokenizeAndPack(texts.valTexts, tok, s.seqLen).blocks;
  if (train.count === 0 || val.count === 0)
    throw new UserError(
      `too little text for blocks of ${s.seqLen} tokens (${train.count} training, ${val.count} validation blocks): raise -n / --held-out or lower --seq`,
      { field: "--seq" },
    );
  return { tok, train, val, ...texts };
}

/** The model the sweep trains: the given one's proxy (or the default proxy) on the sweep tokenizer. */
export function sweepModel(s: SweepCommon, tok: ProtocolTokenizer): Qwen2Config {
  const eos = tok.eosId ?? null;
  return s.model
    ? proxyOf(s.model.config, tok.vocabSize, eos, s.seqLen)
    : defaultProxy(tok.vocabSize, eos, s.seqLen);
}

/** A training config for one point (constant LR after warmup unless the point changes it). */
export function pointConfig(s: SweepCommon, model: Qwen2Config, lr: number, steps: number): TrainConfig {
  return {
    ...DEFAULT_TRAIN,
    model,
    seed: s.seed,
    micro_batch_size: s.batch,
    grad_accum_steps: 1,
    max_steps: steps,
    optimizer: { name: "adamw", lr, weight_decay: 0.1, betas: [0.9, 0.95], eps: 1e-8 },
    schedule: { kind: "constant", warmup_steps: Math.min(20, Math.floor(steps / 10)) },
    grad_clip: 1,
    shuffle: true,
    eval_every: s.evalEvery,
    generate_every: 0,
    checkpoint_every: 0,
    keep_checkpoints: 1,
  };
}

export function stepsFor(s: SweepCommon): number {
  return Math.max(1, Math.round(s.tokens / (s.batch * s.seqLen)));
}

/** Print the plan with a time estimate. */
export function announce(
  session: Session,
  ops: Ops,
  s: SweepCommon,
  model: Qwen2Config,
  points: number,
  what: string,
): void {
  const rate = trainRate(ops, model, s.batch, s.seqLen);
  const total = (points * s.tokens * 1.15) / rate.tokensPerSecond;
  const params = estimateModel(model, s.batch, s.seqLen).params.total;
  session.log(
    `  ${what}: ${points} runs × ${s.tokens.toLocaleString("en-US")} tokens on Qwen2 hidden ${model.hidden_size} × ${model.num_hidden_layers} layers (${(params / 1e6).toFixed(2)}M params); estimated ${Math.round(total)} s at ${Math.round(rate.tokensPerSecond)} tokens/s`,
  );
}

/** Train every point as a child run of the parent (completed ones are skipped); validation on `val`. */
export async function runPoints(
  parent: Parent,
  points: PointSpec[],
  data: SweepData,
  ops: Ops,
  session: Session,
): Promise<PointResult[]> {
  const out: PointResult[] = [];
  for (const p of points) {
    if (session.stopRequested()) break;
    const dir = join(parent.dir, p.key);
    let best = Number.POSITIVE_INFINITY;
    let bestStep = 0;
    let sinceBest = 0;
    let stoppedEarly = false;
    let lastVal = Number.NaN;
    const trainLosses: number[] = [];
    const train = p.train ?? data.train;
    const params = estimateModel(p.config.model, p.config.micro_batch_size, train.seqLen).params.total;
    const job = await runJob({
      dir,
      name: `${parent.id} ${p.label}`,
      protocol: parent.run.manifest.protocol ?? "sweep",
      parent: parent.id,
      config: p.config,
      data: { train, eval: [{ name: "val", blocks: data.val }], tokenizer: data.tok },
      ops,
      facts: {
        model: { architecture: "qwen2", params },
        tokens_per_step: p.config.micro_batch_size * train.seqLen,
        seq_len: train.seqLen,
        max_steps: p.config.max_steps,
        lr: { peak: p.config.optimizer.lr, schedule: p.config.schedule.kind },
        optimizer: { name: p.config.optimizer.name },
        seed: p.config.seed,
        data: { documents: data.trainTexts.length, tokens: train.count * train.seqLen, eval_is_train: false },
        framework: "plateau",
      },
      session,
      label: p.label,
      hooks: {
        onStep: (r) => {
          trainLosses.push(r.loss);
          if (trainLosses.length > 10) trainLosses.shift();
        },
        shouldStop: () => stoppedEarly,
        onEval: (r) => {
          lastVal = r.loss;
          if (r.loss < best - 1e-4) {
            best = r.loss;
            bestStep = r.step;
            sinceBest = 0;
          } else if (r.step > 0) {
            sinceBest++;
            if (p.patience && sinceBest >= p.patience) stoppedEarly = true;
          }
        },
      },
    });
    if (job.status === "skipped") {
      out.push(job.manifest.summary?.point as PointResult);
      continue;
    }
    const status = job.result.status === "interrupted" && stoppedEarly ? "completed" : job.result.status;
    const mean = trainLosses.reduce((a, b) => a + b, 0) / Math.max(1, trainLosses.length);
    const r: PointResult = {
      key: p.key,
      label: p.label,
      status,
      steps: job.trainer.step,
      tokens: job.trainer.tokensSeen,
      seconds: job.trainer.trainSeconds,
      params,
      train_loss: mean,
      val_loss: lastVal,
      best_val_loss: best,
      best_step: bestStep,
      stopped_early: stoppedEarly,
      diverged:
        status === "failed" || !Number.isFinite(mean) || mean > 1.5 * Math.log(p.config.model.vocab_size),
      ...(p.values ? { values: p.values } : {}),
    };
    job.run.setSummary({ point: r });
    job.run.finish(status);
    out.push(r);
    session.log(
      `  ${p.label}: val ${fmt(r.val_loss)} (best ${fmt(r.best_val_loss)} at step ${r.best_step}), train ${fmt(r.train_loss)}${r.stopped_early ? ", stopped early" : ""}${r.diverged ? ", DIVERGED" : ""}`,
    );
  }
  return out;
}

export function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : String(x);
}

export { dataDir };
