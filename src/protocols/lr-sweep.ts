import { join } from "node:path";
import { createOps } from "../engine/backend.js";
import type { Ops } from "../engine/ops.js";
import { RunWriter } from "../runs/rundir.js";
import { trainStep } from "../train/step.js";
import { attachTensorBoard } from "../train/tensorboard.js";
import { Trainer } from "../train/trainer.js";
import type { Session } from "./session.js";
import {
  announce,
  createParent,
  finishSweep,
  fmt,
  openSweep,
  type Parent,
  type PointResult,
  pointConfig,
  runPoints,
  type SweepCommon,
  type SweepData,
  type SweepWhere,
  stepsFor,
  sweepModel,
  sweepSamples,
  tokenizeSweep,
} from "./sweep.js";

/**
 * Two ways to ask "is the learning rate the limit?":
 *
 * The sweep (default): short runs at a fixed token budget across a log-spaced LR grid, same seed and data order,
 * judged on the held-out validation loss (Wortsman et al. 2023 measure LR sensitivity this way). The best LR is
 * the grid point with the lowest final validation loss; a best point at the edge of the grid means the grid must
 * be extended before concluding; when every LR within 10× of the best ends within 1% of it, the loss is
 * insensitive to the LR there and the LR is not what limits it.
 *
 * The range test (--range, fastai's lr_find): one run from the initial weights with the LR raised exponentially
 * from 1e-7 to 10 over 100 steps; the training loss is smoothed (EMA β = 0.98, debiased), the test stops when the
 * smoothed loss exceeds 4× its minimum. Suggestions follow fastai on the points [num_it/10 : −5]: `valley` (the
 * longest decreasing stretch, at start + ⌊len/3⌋ + ⌊len/6⌋), `steep` (steepest descent d loss / d log lr),
 * `minimum` (LR at the lowest loss / 10), and `slide` (walk left from the end until the loss gradient stops
 * changing by more than 0.005 within 15 points). It measures the first 100 steps of training only: for an LLM a
 * sweep at a realistic budget is the better evidence, and the report says so.
 */
export interface LrSweepSettings extends SweepCommon {
  lrs: number[];
  /** The LR of the run being diagnosed, if known (for the comparison in the report). */
  currentLr?: number;
}

export interface LrSweepResult {
  protocol: "lr-sweep";
  run_dir: string;
  points: PointResult[];
  best: { lr: number; val_loss: number } | null;
  at_edge: boolean;
  insensitive: boolean;
  current?: { lr: number; val_loss_at_nearest: number; nearest: number; gap: number };
  conclusion: string;
  status: "completed" | "interrupted";
}

export function logGrid(min: number, max: number, points: number): number[] {
  if (points === 1) return [min];
  const out: number[] = [];
  for (let i = 0; i < points; i++) out.push(Number((min * (max / min) ** (i / (points - 1))).toPrecision(3)));
  return out;
}

export async function runLrSweep(
  s: LrSweepSettings,
  where: SweepWhere,
  session: Session,
): Promise<LrSweepResult> {
  const { parent, settings, texts } = await openSweep(
    "lr-sweep",
    s,
    where,
    session,
    `LR sweep on ${s.data.join(", ")}`,
  );
  const data = tokenizeSweep(settings, texts);
  const ops = await createOps({ backend: settings.backend, threads: settings.threads });
  try {
    const model = sweepModel(settings, data.tok);
    announce(session, ops, settings, model, settings.lrs.length, `LRs ${settings.lrs.join(", ")}`);
    const steps = stepsFor(settings);
    const points = settings.lrs.map((lr) => ({
      key: `lr-${lr.toExponential(2)}`,
      label: `lr ${lr.toExponential(2)}`,
      config: pointConfig(settings, model, lr, steps),
      values: { lr },
    }));
    const results = await runPoints(parent, points, data, ops, session);
    const out = summarize(parent.dir, settings, results, session.stopRequested());
    finishSweep(parent, out, out.status);
    return out;
  } finally {
    ops.dispose();
  }
}

function summarize(
  dir: string,
  s: LrSweepSettings,
  points: PointResult[],
  interrupted: boolean,
): LrSweepResult {
  const j = judgeLrSweep(s.lrs, points, s.currentLr);
  const out: LrSweepResult = {
    protocol: "lr-sweep",
    run_dir: dir,
    points,
    best: j.best ? { lr: j.best.lr, val_loss: j.best.loss } : null,
    at_edge: j.at_edge,
    insensitive: j.insensitive,
    ...(j.current ? { current: j.current } : {}),
    conclusion: j.conclusion,
    status: interrupted ? "interrupted" : "completed",
  };
  return out;
}

/** Which loss a sweep is judged on: the held-out validation loss, or (an external trainer that did not evaluate) the training loss. */
export interface SweepMetric {
  of: (p: PointResult) => number;
  /** "validation" / "training", in the conclusion. */
  name: string;
  short: string;
}

export const VALIDATION_METRIC: SweepMetric = { of: (p) => p.val_loss, name: "validation", short: "val" };

/**
 * The verdict of an LR sweep from its points (each with `values.lr`): the best LR is the finished, non-diverged
 * point with the lowest loss; at the edge of a grid of more than two points the grid must be extended; every LR
 * within 10× of the best ending within 1% of it means the loss is insensitive to the LR there.
 */
export function judgeLrSweep(
  lrs: number[],
  points: PointResult[],
  currentLr?: number,
  metric: SweepMetric = VALIDATION_METRIC,
): {
  best: { lr: number; loss: number } | null;
  at_edge: boolean;
  insensitive: boolean;
  current?: LrSweepResult["current"];
  conclusion: string;
} {
  const loss = metric.of;
  const ok = points.filter((p) => p.status !== "failed" && !p.diverged && Number.isFinite(loss(p)));
  const best = ok.length ? ok.reduce((a, b) => (loss(b) < loss(a) ? b : a)) : undefined;
  const lrOf = (p: PointResult) => Number(p.values?.lr);
  const bestLr = best ? lrOf(best) : Number.NaN;
  const sorted = [...lrs].sort((a, b) => a - b);
  const atEdge =
    best !== undefined && (bestLr === sorted[0] || bestLr === sorted[sorted.length - 1]) && lrs.length > 2;
  const near = ok.filter((p) => lrOf(p) >= bestLr / 10 && lrOf(p) <= bestLr * 10);
  const insensitive =
    best !== undefined && near.length >= 3 && near.every((p) => loss(p) <= loss(best) * 1.01);
  let current: LrSweepResult["current"];
  if (currentLr && best) {
    const nearest = ok.reduce((a, b) =>
      Math.abs(Math.log(lrOf(b) / currentLr)) < Math.abs(Math.log(lrOf(a) / currentLr)) ? b : a,
    );
    current = {
      lr: currentLr,
      nearest: lrOf(nearest),
      val_loss_at_nearest: loss(nearest),
      gap: loss(nearest) - loss(best),
    };
  }
  let conclusion: string;
  if (!best) conclusion = "every LR diverged or failed: lower the grid (--min-lr) and check the data";
  else if (atEdge)
    conclusion = `the best LR (${bestLr.toExponential(2)}) is at the edge of the grid: extend the grid past it before concluding`;
  else if (insensitive)
    conclusion = `the ${metric.name} loss is within 1% across a 100× LR range around ${bestLr.toExponential(2)}: the LR is not what limits this model on this data`;
  else
    conclusion = `best LR ${bestLr.toExponential(2)} (${metric.short} ${fmt(loss(best))})${current ? `; the run's LR ${current.lr.toExponential(2)} is ${fmt(current.gap)} nats behind at the nearest grid point` : ""}`;
  return {
    best: best ? { lr: bestLr, loss: loss(best) } : null,
    at_edge: atEdge,
    insensitive,
    ...(current ? { current } : {}),
    conclusion,
  };
}

// ---- range test ----------------------------------------------------------------------------------------------

export interface RangeTestSettings extends SweepCommon {
  startLr: number;
  endLr: number;
  iterations: number;
}

export interface RangeTestResult {
  protocol: "lr-range";
  run_dir: string;
  lrs: number[];
  losses: number[];
  smoothed: number[];
  stopped: "diverged" | "end" | "interrupted";
  suggestions: { valley?: number; steep?: number; minimum?: number; slide?: number };
  conclusion: string;
}

export async function runRangeTest(
  s: RangeTestSettings,
  where: { runsDir: string; out?: string },
  session: Session,
): Promise<RangeTestResult> {
  const parent = createParent(where.runsDir, "lr-range", s.data[0], s, where.out);
  session.log(`LR range test on ${s.data.join(", ")} → ${parent.dir}`);
  const texts = await sweepSamples(s, parent.dir, session);
  const data = tokenizeSweep(s, texts);
  const ops = await createOps({ backend: s.backend, threads: s.threads });
  try {
    const r = rangeTest(s, data, ops, parent, session);
    finishSweep(parent, r, r.stopped === "interrupted" ? "interrupted" : "completed");
    return r;
  } finally {
    ops.dispose();
  }
}

function rangeTest(
  s: RangeTestSettings,
  data: SweepData,
  ops: Ops,
  parent: Parent,
  session: Session,
): RangeTestResult {
  const model = sweepModel(s, data.tok);
  const config = pointConfig(s, model, 1, s.iterations);
  const t = Trainer.create(config, { ops, data: { train: data.train } });
  const run = RunWriter.create(join(parent.dir, "range"), {
    id: `${parent.id}/range`,
    name: `${parent.id} range test`,
    protocol: "lr-range",
    parent: parent.id,
  });
  attachTensorBoard(run);
  const lrs: number[] = [];
  const losses: number[] = [];
  const smoothed: number[] = [];
  const beta = 0.98;
  let avg = 0;
  let best = Number.POSITIVE_INFINITY;
  let stopped: RangeTestResult["stopped"] = "end";
  const bar = session.progress({ label: "lr range", total: s.iterations, unit: "steps" });
  for (let i = 0; i < s.iterations; i++) {
    if (session.stopRequested()) {
      stopped = "interrupted";
      break;
    }
    const lr = s.startLr * (s.endLr / s.startLr) ** (i / Math.max(1, s.iterations - 1));
    const b = t.loader.next();
    const st = trainStep(
      t.model,
      t.optimizer,
      [{ ids: b.ids.slice(), targets: b.targets!.slice(), B: b.B, T: b.T }],
      lr,
      config.grad_clip,
    );
    avg = beta * avg + (1 - beta) * st.loss;
    const sm = avg / (1 - beta ** (i + 1));
    lrs.push(lr);
    losses.push(st.loss);
    smoothed.push(sm);
    run.log(i + 1, {
      "train/loss": st.loss,
      "train/loss_smoothed": sm,
      "train/lr": lr,
      "train/grad_norm": st.gradNorm,
    });
    bar.update(i + 1, `lr ${lr.toExponential(1)} loss ${sm.toFixed(3)}`);
    if (!Number.isFinite(sm) || (i > 0 && sm > 4 * best)) {
      stopped = "diverged";
      break;
    }
    if (sm < best) best = sm;
  }
  bar.finish();
  run.finish(stopped === "interrupted" ? "interrupted" : "completed");
  const suggestions = suggestLrs(lrs, smoothed, s.iterations);
  const fmtLr = (x?: number) => (x === undefined ? "—" : x.toExponential(2));
  const conclusion =
    suggestions.valley === undefined
      ? "too few points before the loss diverged to suggest an LR: start lower (--start-lr) or use more iterations"
      : `suggested LR (valley) ${fmtLr(suggestions.valley)}; steep ${fmtLr(suggestions.steep)}, minimum/10 ${fmtLr(suggestions.minimum)}, slide ${fmtLr(suggestions.slide)} — from the first ${lrs.length} steps only; confirm with the sweep at a realistic budget`;
  const out: RangeTestResult = {
    protocol: "lr-range",
    run_dir: parent.dir,
    lrs,
    losses,
    smoothed,
    stopped,
    suggestions,
    conclusion,
  };
  session.log(`  ${conclusion}`);
  return out;
}

/** fastai's suggestion functions on the smoothed losses, skipping the first num_it/10 and the last 5 points. */
export function suggestLrs(
  lrsAll: number[],
  lossesAll: number[],
  numIt: number,
): RangeTestResult["suggestions"] {
  let lrs = lrsAll.slice(Math.floor(numIt / 10), -5);
  let losses = lossesAll.slice(Math.floor(numIt / 10), -5);
  const nan = losses.findIndex((x) => !Number.isFinite(x));
  if (nan >= 0) {
    lrs = lrs.slice(0, nan);
    losses = losses.slice(0, nan);
  }
  if (losses.length < 2) return {};
  // minimum: the LR at the lowest loss, divided by 10
  let iMin = 0;
  for (let i = 1; i < losses.length; i++) if (losses[i] < losses[iMin]) iMin = i;
  const minimum = lrs[iMin] / 10;
  // steep: the most negative d loss / d log lr between consecutive points
  let iSteep = 0;
  let gSteep = Number.POSITIVE_INFINITY;
  for (let i = 0; i + 1 < losses.length; i++) {
    const g = (losses[i + 1] - losses[i]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i]));
    if (g < gSteep) {
      gSteep = g;
      iSteep = i;
    }
  }
  // valley: longest decreasing subsequence, as fastai computes it
  const n = losses.length;
  const lds = new Array<number>(n).fill(1);
  let maxStart = 0;
  let maxEnd = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[maxEnd] < lds[i]) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd];
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  const iValley = Math.max(0, Math.min(n - 1, maxStart + Math.floor(sections) + Math.floor(sections / 2)));
  // slide: from the end, step left while the loss gradient (np.gradient, unit spacing) keeps changing
  const grad = losses.map((_, i) =>
    i === 0
      ? losses[1] - losses[0]
      : i === n - 1
        ? losses[n - 1] - losses[n - 2]
        : (losses[i + 1] - losses[i - 1]) / 2,
  );
  const lrDiff = 15;
  let r = n - 1;
  let l = r - lrDiff;
  let slide = l >= 0 ? lrs[l] : lrs[0];
  while (l >= 0 && Math.abs(grad[r] - grad[l]) > 0.005) {
    slide = lrs[l];
    r--;
    l--;
  }
  return { valley: lrs[iValley], steep: lrs[iSteep], minimum, slide };
}
