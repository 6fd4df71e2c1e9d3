import { openCorpus } from "../data/read/corpus.js";
import { createOps } from "../engine/backend.js";
import { Rng } from "../util/rng.js";
import { olsSlope } from "./capacity.js";
import { loadStoredSamples, storeSamples } from "./dataset.js";
import type { Session } from "./session.js";
import {
  announce,
  finishSweep,
  fmt,
  openSweep,
  type PointResult,
  type PointSpec,
  pointConfig,
  runPoints,
  type SweepCommon,
  type SweepWhere,
  stepsFor,
  sweepModel,
  tokenizeSweep,
} from "./sweep.js";
import { tokenizeAndPack } from "./text.js";

/**
 * The data ladder: train on growing slices of the data (×4 per rung by default) against ONE fixed held-out
 * validation set of selected documents, each rung to the same token budget or until the validation loss stops
 * improving (3 evaluations without a new best), at every size twice — on a random sample of the raw corpus and on
 * the N best documents (plateau select). It answers three questions:
 *
 *   scaling      validation loss against data size, with the exponent of L ∝ D^(−α) fitted by least squares on
 *                log L vs log D (two parameters: with three rungs a three-parameter law would fit exactly and
 *                say nothing); α near 0 means more of this data does not help
 *   noise        the noise penalty: raw minus selected validation loss at each size (> 0: the raw data's noise
 *                costs loss; cleaning pays)
 *   overfitting  the sizes at which training stopped early because the validation loss rose while the training
 *                loss fell: below that size the model memorises rather than learns
 */
export interface LadderSettings extends SweepCommon {
  sizes: number[];
  lr: number;
  patience: number;
}

export interface LadderResult {
  protocol: "ladder";
  run_dir: string;
  points: PointResult[];
  rungs: { size: number; raw?: PointResult; selected?: PointResult; noise_penalty?: number }[];
  exponent: { selected: number; raw: number };
  overfit_below: number | null;
  conclusion: string;
  status: "completed" | "interrupted";
}

/** Rung sizes: ×4 from `start` while below `max`, always ending at `max`. */
export function ladderSizes(start: number, max: number): number[] {
  const out: number[] = [];
  for (let n = start; n < max; n *= 4) out.push(n);
  out.push(max);
  return out;
}

/**
 * The raw side of the ladder: a seeded uniform sample of the largest rung's size from the raw corpus, the
 * held-out validation documents excluded; stored in the parent (raw.jsonl) and reloaded from it on --resume.
 */
export async function ladderRaw(
  s: Pick<LadderSettings, "data" | "field" | "seed" | "sizes">,
  parentDir: string,
  where: SweepWhere,
  valTexts: string[],
): Promise<string[]> {
  if (where.resume) return loadStoredSamples(parentDir, "raw.jsonl");
  const raw = await rawSample(s.data, Math.max(...s.sizes), s.seed, new Set(valTexts), s.field);
  storeSamples(parentDir, raw, [], "raw.jsonl");
  return raw;
}

export interface PlannedRung {
  key: string;
  label: string;
  kind: "selected" | "raw";
  size: number;
  docs: string[];
}

/**
 * The ladder's points: at every size the corpus can fill, the first n selected documents and the first n of the
 * raw sample (a size one side cannot fill is skipped on that side).
 */
export function ladderPlan(
  wanted: number[],
  selected: string[],
  raw: string[],
): { sizes: number[]; rungs: PlannedRung[] } {
  const sizes = wanted.filter((n) => n <= Math.max(selected.length, raw.length));
  const rungs: PlannedRung[] = [];
  for (const n of sizes)
    for (const kind of ["selected", "raw"] as const) {
      const docs = (kind === "selected" ? selected : raw).slice(0, n);
      if (docs.length < n) continue;
      rungs.push({ key: `${kind}-${n}`, label: `${kind} ${n} docs`, kind, size: n, docs });
    }
  return { sizes, rungs };
}

/**
 * Judge the ladder's points (keyed `selected-N` / `raw-N`): the noise penalty per rung, the scaling exponent of
 * each kind, where overfitting begins, and the conclusion. `lossOf` is the held-out loss a point is judged on;
 * `overfitted` whether its validation loss rose while it trained.
 */
export function judgeLadder<P extends PointResult>(
  sizes: number[],
  results: P[],
  lossOf: (p: P) => number,
  overfitted: (p: P) => boolean,
): Pick<LadderResult, "exponent" | "overfit_below" | "conclusion"> & {
  rungs: { size: number; raw?: P; selected?: P; noise_penalty?: number }[];
} {
  // a failed point has no loss to compare
  const ok = (p: P | undefined) => (p && p.status !== "failed" ? p : undefined);
  const rungs = sizes.map((size) => {
    const sel = ok(results.find((p) => p.key === `selected-${size}`));
    const rw = ok(results.find((p) => p.key === `raw-${size}`));
    return {
      size,
      ...(rw ? { raw: rw } : {}),
      ...(sel ? { selected: sel } : {}),
      ...(sel && rw ? { noise_penalty: lossOf(rw) - lossOf(sel) } : {}),
    };
  });
  const exp = (kind: "raw" | "selected") => {
    const pts = rungs.filter((r) => r[kind] && Number.isFinite(lossOf(r[kind]!)));
    return -olsSlope(
      pts.map((r) => Math.log(r.size)),
      pts.map((r) => Math.log(lossOf(r[kind]!))),
    );
  };
  const exponent = { selected: exp("selected"), raw: exp("raw") };
  const stopped = rungs.filter((r) => r.selected && overfitted(r.selected)).map((r) => r.size);
  const overfitBelow = stopped.length ? Math.max(...stopped) : null;
  const penalties = rungs.map((r) => r.noise_penalty).filter((x): x is number => x !== undefined);
  const meanPenalty = penalties.length ? penalties.reduce((a, b) => a + b, 0) / penalties.length : Number.NaN;
  const parts: string[] = [];
  parts.push(
    Number.isFinite(exponent.selected)
      ? `on selected data the validation loss scales as D^(−α) with α = ${fmt(exponent.selected)}${exponent.selected < 0.01 ? " (flat: more of this data does not help)" : ""}`
      : "too few rungs for a scaling exponent",
  );
  if (Number.isFinite(meanPenalty))
    parts.push(
      meanPenalty > 0.01
        ? `raw data costs ${fmt(meanPenalty)} nats on average against selected data: cleaning the corpus pays`
        : `raw and selected data end within ${fmt(Math.abs(meanPenalty))} nats: noise is not what limits the loss`,
    );
  parts.push(
    overfitBelow !== null
      ? `the validation loss rose while training at ${stopped.join(", ")} documents: below ~${overfitBelow} documents the model memorises rather than learns`
      : "no rung overfitted within its token budget",
  );
  return { rungs, exponent, overfit_below: overfitBelow, conclusion: `${parts.join("; ")}.` };
}

/** A seeded uniform sample of k documents of the raw corpus (reservoir sampling: one pass, k texts in memory). */
async function rawSample(
  paths: string[],
  k: number,
  seed: number,
  exclude: Set<string>,
  field?: string,
): Promise<string[]> {
  const rng = new Rng(`${seed}/ladder-raw`);
  const keep: string[] = [];
  let seen = 0;
  for await (const batch of openCorpus(paths, { field }).batches()) {
    for (const d of batch) {
      if (exclude.has(d.text)) continue;
      seen++;
      if (keep.length < k) keep.push(d.text);
      else {
        const j = rng.int(seen);
        if (j < k) keep[j] = d.text;
      }
    }
  }
  return keep;
}

export async function runLadder(
  s: LadderSettings,
  where: SweepWhere,
  session: Session,
): Promise<LadderResult> {
  const maxSize = Math.max(...s.sizes);
  const { parent, settings, texts } = await openSweep(
    "ladder",
    s,
    where,
    session,
    `data ladder on ${s.data.join(", ")}`,
    { ...s, n: maxSize },
  );
  const raw = await ladderRaw(s, parent.dir, where, texts.valTexts);
  const data = tokenizeSweep(settings, texts);
  const ops = await createOps({ backend: settings.backend, threads: settings.threads });
  try {
    const model = sweepModel(settings, data.tok);
    const steps = stepsFor(settings);
    const { sizes, rungs: planned } = ladderPlan(settings.sizes, texts.trainTexts, raw);
    const points: PointSpec[] = [];
    for (const r of planned) {
      const train = tokenizeAndPack(r.docs, data.tok, settings.seqLen).blocks;
      if (train.count === 0) continue;
      points.push({
        key: r.key,
        label: r.label,
        config: pointConfig(settings, model, settings.lr, steps),
        train,
        patience: settings.patience,
        values: { kind: r.kind, size: r.size, blocks: train.count },
      });
    }
    announce(
      session,
      ops,
      settings,
      model,
      points.length,
      `rungs ${sizes.join(", ")} documents, raw and selected`,
    );
    const results = await runPoints(parent, points, data, ops, session);
    const out: LadderResult = {
      protocol: "ladder",
      run_dir: parent.dir,
      points: results,
      ...judgeLadder(
        sizes,
        results,
        (p) => p.best_val_loss,
        (p) => p.stopped_early,
      ),
      status: session.stopRequested() ? "interrupted" : "completed",
    };
    finishSweep(parent, out, out.status);
    return out;
  } finally {
    ops.dispose();
  }
}
