import { bucketMeans } from "../curves/downsample.js";
import { mannKendall, senSlope } from "../curves/mannkendall.js";
import { bicPenalty, pelt } from "../curves/pelt.js";
import { fitPowerLaw, type PowerLawFit, type Projection, projectPowerLaw } from "../curves/powerlaw.js";
import type { SlopeFit } from "../curves/regression.js";
import { robustSmooth } from "../curves/smooth.js";
import { type CoupledSpike, coupleSpikes, detectSpikes } from "../curves/spikes.js";
import { MAD_TO_SIGMA, mad, median, normalQuantile } from "../curves/stats.js";
import { slopePerDoubling } from "../curves/trend.js";
import type { Run } from "../runs/run.js";
import type { RunFacts } from "../runs/types.js";
import { type Curve, scaleCurve, standardCurves, stepRange } from "./curve.js";
import { gradAccum, tokensPerStep, vocabSize } from "./facts.js";
import {
  constantStretches,
  type LrStretch,
  type Schedule,
  scheduleFromFacts,
  scheduleFromLr,
} from "./schedule.js";

/** Tunable thresholds of the analysis; defaults are what the labelled benchmark was tuned with. */
export interface AnalysisOptions {
  /** A plateau is a stretch whose loss falls by less than this fraction of its level per doubling of steps. */
  plateauTolerance?: number;
  /** Confidence level of every interval. */
  level?: number;
  /** Robust z above which a point is a spike. */
  spikeThreshold?: number;
  /** Working resolution for trend statistics (bucket means). */
  workPoints?: number;
  /**
   * How far the learning-curve projection looks ahead: this many more tokens (steps when the run does not know
   * its tokens). Default: as many as the run has seen, i.e. the loss after training twice as long.
   */
  projectMore?: number;
}

export interface PlateauStretch {
  /** Step range of the flat stretch. */
  from: number;
  to: number;
  /** Median loss over the stretch. */
  level: number;
  /** Loss change per doubling of steps over the stretch, with its Newey–West interval. */
  slope: SlopeFit;
  tolerance: number;
  /**
   * True when the whole interval lies within the tolerance; false when the noise only allows "the slope is
   * within ±τ but its interval is wider than that" (a probable plateau).
   */
  confirmed: boolean;
  /** Start of the first window whose whole interval lies within the tolerance (≥ from). */
  confirmedFrom?: number;
  mk: { p: number; z: number; senPerDoubling: number; trend: string };
}

export interface SpikeEvent extends CoupledSpike {
  step: number;
  fromStep: number;
  toStep: number;
  gradStep?: number;
}

export interface LearningCurveFit {
  fit: PowerLawFit;
  /** The stretch it was fitted on and whether the LR is known to be constant there. */
  from: number;
  to: number;
  lrKnownConstant: boolean;
  /** x unit of the fit: tokens when the run knows them, else steps. */
  unit: "tokens" | "steps";
  /** Projection after `more` further units (default: as many as the run has seen so far). */
  projection?: Projection & { more: number; current: number };
}

/**
 * Everything the rules share about one run, computed once and lazily: the curves (finite points, ascending
 * steps), the GA-corrected training loss, a bucketed working copy for trend statistics, the noise level, the LR
 * schedule, spikes, change points, the trailing plateau test and the learning-curve fit.
 */
export class RunAnalysis {
  readonly id: string;
  readonly name: string;
  readonly facts: RunFacts;
  readonly format: string;
  /** The training loss as logged. */
  readonly trainLogged?: Curve;
  /** The training loss on the per-token scale (the logged one divided by the GA factor when inflation is found). */
  train?: Curve;
  readonly eval?: Curve;
  readonly evalName?: string;
  readonly lr?: Curve;
  readonly grad?: Curve;
  readonly opts: Required<AnalysisOptions>;
  /** Factor the logged training loss is divided by (1 unless GA inflation was found). */
  gaFactor = 1;
  private cache = new Map<string, unknown>();

  constructor(
    readonly run: Run,
    facts: RunFacts,
    opts: AnalysisOptions = {},
  ) {
    this.id = run.id;
    this.name = run.name;
    this.facts = facts;
    this.format = run.manifest.source.format ?? run.manifest.source.kind;
    const c = standardCurves(run);
    this.trainLogged = c.train && c.train.step.length > 0 ? c.train : undefined;
    this.train = this.trainLogged;
    this.eval = c.eval && c.eval.step.length > 0 ? c.eval : undefined;
    this.evalName = c.evalName;
    this.lr = c.lr && c.lr.step.length > 0 ? c.lr : undefined;
    this.grad = c.grad && c.grad.step.length > 0 ? c.grad : undefined;
    this.opts = {
      plateauTolerance: opts.plateauTolerance ?? 0.01,
      level: opts.level ?? 0.95,
      spikeThreshold: opts.spikeThreshold ?? 6,
      workPoints: opts.workPoints ?? 1000,
      projectMore: opts.projectMore ?? 0,
    };
  }

  private memo<T>(key: string, f: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, f());
    return this.cache.get(key) as T;
  }

  /** Divide the training loss by k from now on (GA inflation found); clears what was derived from it. */
  applyGaFactor(k: number): void {
    if (!this.trainLogged) return;
    this.gaFactor = k;
    this.train = scaleCurve(this.trainLogged, k);
    this.cache.clear();
  }

  get vocab(): number | undefined {
    return vocabSize(this.facts);
  }
  get gradAccum(): number | undefined {
    return gradAccum(this.facts);
  }
  get tokensPerStep(): number | undefined {
    return tokensPerStep(this.facts);
  }

  /** Step span of the training loss (or of whatever was logged). */
  get firstStep(): number {
    return this.train?.step[0] ?? this.eval?.step[0] ?? 0;
  }
  get lastStep(): number {
    const t = this.train;
    const tl = t ? t.step[t.step.length - 1] : 0;
    const e = this.eval;
    const el = e ? e.step[e.step.length - 1] : 0;
    const nf = this.trainLogged?.nonFinite.at(-1)?.step ?? 0;
    return Math.max(tl, el, nf);
  }

  /** Tokens seen at a step: the logged tokens column when present, else step × tokens per step. */
  tokensAt(step: number): number | undefined {
    const t = this.train;
    if (t) {
      const [a] = stepRange(t, step, Number.POSITIVE_INFINITY);
      const i = Math.min(a, t.step.length - 1);
      if (Number.isFinite(t.tokens[i]) && t.step[i] === step) return t.tokens[i];
      // the last logged tokens value scaled to this step
      for (let k = t.step.length - 1; k >= 0; k--) {
        if (Number.isFinite(t.tokens[k]) && t.step[k] > 0) return (t.tokens[k] / t.step[k]) * step;
      }
    }
    const tps = this.tokensPerStep;
    return tps !== undefined ? tps * step : undefined;
  }

  /** Bucket means of the training loss at the working resolution. */
  get work(): { x: Float64Array; y: Float64Array; from: Int32Array; to: Int32Array } {
    return this.memo("work", () => {
      const t = this.train;
      if (!t) return bucketMeans([], [], 1);
      return bucketMeans(t.step, t.value, this.opts.workPoints);
    });
  }

  /** A robust smooth of the working copy (running median + mean over ~2% of the points). */
  get smooth(): Float64Array {
    return this.memo("smooth", () => {
      const w = this.work;
      const win = Math.max(5, Math.floor(w.y.length / 50)) | 1;
      return robustSmooth(w.y, win);
    });
  }

  /** Noise σ of a logged training-loss point (robust: MAD of first differences / √2). */
  get noise(): number {
    return this.memo("noise", () => noiseSigma(this.train?.value ?? new Float64Array()));
  }

  /** Noise σ of a working-resolution point. */
  get workNoise(): number {
    return this.memo("workNoise", () => noiseSigma(this.work.y));
  }

  get schedule(): Schedule {
    return this.memo("schedule", () => {
      if (this.lr) return scheduleFromLr(this.lr, this.lastStep);
      return scheduleFromFacts(this.facts, this.firstStep, this.lastStep);
    });
  }

  /** Median training loss over a step range. */
  levelBetween(from: number, to: number): number {
    const t = this.train;
    if (!t) return Number.NaN;
    const [a, b] = stepRange(t, from, to);
    return median(t.value.subarray(a, b));
  }

  /** Loss spikes on the full-resolution training loss, each paired with a grad-norm spike when one is near. */
  get spikes(): SpikeEvent[] {
    return this.memo("spikes", () => {
      const t = this.train;
      if (!t || t.value.length < 30) return [];
      const level = median(t.value);
      // the baseline must outlast the spikes: 1% of the run (a spike that recovers within ~0.5% of the run
      // stands out), and at least 21 points
      const window = Math.max(21, Math.floor(0.01 * t.value.length) | 1);
      const ls = detectSpikes(t.value, {
        window,
        threshold: this.opts.spikeThreshold,
        minScale: 1e-4 * Math.abs(level),
        skipStart: Math.max(Math.floor(window / 2), initialDescentEnd(t)),
      });
      let gs: ReturnType<typeof detectSpikes> = [];
      let gx: Float64Array = new Float64Array();
      if (this.grad) {
        const pos: number[] = [];
        const xs: number[] = [];
        for (let i = 0; i < this.grad.value.length; i++) {
          if (this.grad.value[i] > 0) {
            pos.push(Math.log(this.grad.value[i]));
            xs.push(this.grad.step[i]);
          }
        }
        gx = Float64Array.from(xs);
        if (pos.length >= 30)
          gs = detectSpikes(pos, { window, threshold: this.opts.spikeThreshold, minScale: 1e-3 });
      }
      const tol = 3 * Math.max(t.interval, this.grad?.interval ?? 0);
      return coupleSpikes(ls, t.step, gs, gx, tol).map((s) => ({
        ...s,
        step: t.step[s.index],
        fromStep: t.step[s.from],
        toStep: t.step[s.to],
        gradStep: s.coupled ? gx[s.coupled.index] : undefined,
      }));
    });
  }

  /**
   * Change points of the working copy after the initial descent: PELT with the piecewise-linear cost, penalty = BIC
   * (3 parameters per change, σ from the MAD of differences), raised until at most 6 remain — a smooth power
   * law is not a sequence of events, and a chart with 30 markers says nothing.
   */
  get changePoints(): number[] {
    return this.memo("changePoints", () => {
      const w = this.work;
      // after the initial descent: its curvature is not an event
      const t = this.train;
      const startStep = t ? t.step[initialDescentEnd(t)] : 0;
      let i0 = 0;
      while (i0 < w.x.length && w.x[i0] < startStep) i0++;
      const y = w.y.subarray(i0);
      const n = y.length;
      if (n < 30) return [];
      const minSize = Math.max(5, Math.floor(n / 25));
      let pen = bicPenalty(y, 3);
      if (!(pen > 0)) pen = 1e-12;
      let cps: number[] = [];
      for (let k = 0; k < 30; k++) {
        cps = pelt(y, { penalty: pen, model: "linear", minSize }).changePoints;
        if (cps.length <= 6) break;
        pen *= 2;
      }
      return cps.map((i) => Math.round(w.x[i0 + i]));
    });
  }

  /**
   * The earliest step from which the rest of the run is flat: among trailing windows starting at 5%..80% of the
   * span, the earliest whose loss falls by less than the tolerance τ per doubling of steps (the whole 95% interval
   * above −τ) and is not confidently rising, provided no later window is confidently falling faster than τ.
   * Undefined when the end of the run is still going down (or the data cannot tell).
   */
  get trailingPlateau(): PlateauStretch | undefined {
    return this.memo("trailingPlateau", () => this.plateauIn(this.firstStep, this.lastStepTrain));
  }

  get lastStepTrain(): number {
    const t = this.train;
    return t ? t.step[t.step.length - 1] : 0;
  }

  /** Plateau test restricted to [from, to]: the earliest start in it from which everything up to `to` is flat. */
  plateauIn(from: number, to: number): PlateauStretch | undefined {
    const w = this.work;
    const idx: number[] = [];
    for (let i = 0; i < w.x.length; i++) if (w.x[i] >= from && w.x[i] <= to && w.x[i] > 0) idx.push(i);
    if (idx.length < 20) return undefined;
    const x0 = w.x[idx[0]];
    const x1 = w.x[idx[idx.length - 1]];
    // Every trailing window from 5% to 80% of the span. The start is the earliest window that is flat — confirmed
    // when its whole interval lies above −τ (and it is not confidently rising), or, when the noise is too large
    // to confirm anything, probable when the slope itself is within ±τ, its interval no wider than ±3τ, and the
    // next longer window within ±2τ (a short noisy tail does not count) — provided no later, shorter window is
    // clearly falling or rising. Short windows have wide intervals and HAC undercovers in small samples, so a
    // window may only veto when Mann–Kendall (Hamed–Rao) agrees with its interval.
    const wins: { sel: number[]; level: number; tol: number; fit: SlopeFit; trend?: string }[] = [];
    for (let f = 0.05; f <= 0.8 + 1e-9; f += 0.05) {
      const s = x0 + f * (x1 - x0);
      const sel = idx.filter((i) => w.x[i] >= s);
      if (sel.length < 20) continue;
      const xs = sel.map((i) => w.x[i]);
      const ys = sel.map((i) => w.y[i]);
      const level = median(ys);
      const tol = this.opts.plateauTolerance * Math.abs(level);
      wins.push({
        sel,
        level,
        tol,
        fit: slopePerDoubling(xs, ys, { lag: "robust", level: this.opts.level }),
      });
    }
    // Vetoes are many tests at once (one per later window): Bonferroni-corrected, both for the interval and for
    // Mann–Kendall, so one noisy short window cannot overrule a long flat one.
    const alpha = (1 - this.opts.level) / Math.max(1, wins.length);
    const zStrict = normalQuantile(1 - alpha / 2);
    const vetoes = (v: (typeof wins)[number]): boolean => {
      // under a slow wobble (data-order drift) a window of a few dozen points drifts like a trend, and both
      // tests are fooled: such a short tail may not overrule the long window
      if (v.sel.length < 40) return false;
      const falling = v.fit.slope + zStrict * v.fit.se < -v.tol;
      const rising = v.fit.slope - zStrict * v.fit.se > v.tol;
      if (!falling && !rising) return false;
      if (v.trend === undefined) {
        const ys = v.sel.map((i) => w.y[i]);
        const mk = mannKendall(ys.length > 400 ? thin(ys, 400) : ys, { lag: 10, alpha });
        v.trend = mk.trend;
      }
      return falling ? v.trend === "decreasing" : v.trend === "increasing";
    };
    const pick = (flat: (v: (typeof wins)[number], k: number) => boolean) => {
      for (let k = 0; k < wins.length; k++) {
        if (!flat(wins[k], k)) continue;
        if (wins.slice(k + 1).some(vetoes)) continue;
        return wins[k];
      }
      return undefined;
    };
    const isConfirmed = (v: (typeof wins)[number]) =>
      v.fit.ciLow > -v.tol && v.fit.ciLow <= v.tol && v.fit.slope < v.tol;
    // a probable plateau must not be a short noisy tail: the next longer window must be nearly as flat
    const isProbable = (v: (typeof wins)[number], k: number) =>
      v.sel.length >= 30 &&
      Math.abs(v.fit.slope) < v.tol &&
      v.fit.ciHigh - v.fit.slope < 3 * v.tol &&
      (k === 0 || Math.abs(wins[k - 1].fit.slope) < 2 * v.tol);
    const found = pick((v, k) => isConfirmed(v) || isProbable(v, k));
    // confirmed when this window, or a later one within it, has its whole interval inside the tolerance
    const firstConfirmed = found ? wins.slice(wins.indexOf(found)).find(isConfirmed) : undefined;
    const confirmed = firstConfirmed !== undefined;
    if (!found) return undefined;
    const sel = found.sel.length > 400 ? thin(found.sel, 400) : found.sel;
    const ys = sel.map((i) => w.y[i]);
    const mk = mannKendall(ys, { lag: 10 });
    const sen = senSlope(
      ys,
      sel.map((i) => Math.log2(w.x[i])),
    );
    return {
      from: w.x[found.sel[0]],
      to: w.x[found.sel[found.sel.length - 1]],
      level: found.level,
      slope: found.fit,
      tolerance: found.tol,
      confirmed,
      confirmedFrom: firstConfirmed ? w.x[firstConfirmed.sel[0]] : undefined,
      mk: { p: mk.p, z: mk.z, senPerDoubling: sen.slope, trend: mk.trend },
    };
  }

  /**
   * The learning-curve fit L(t) = L∞ + a·t^−b on the last constant-LR stretch (or, when the LR is unknown, the
   * last 60% of the run, flagged as an assumption), with the projected loss after as many more tokens (or steps)
   * as the run has seen.
   */
  get learningCurve(): LearningCurveFit | undefined {
    return this.memo("learningCurve", () => {
      const t = this.train;
      if (!t || t.step.length < 20) return undefined;
      const span = this.lastStepTrain - this.firstStep;
      const sched = this.schedule;
      let stretch: LrStretch | undefined;
      let known = false;
      if (sched.source !== "unknown") {
        const cs = constantStretches(sched, 0.2 * span);
        stretch = cs[cs.length - 1];
        if (!stretch) return undefined;
        known = true;
      } else {
        stretch = {
          kind: "constant",
          from: this.firstStep + 0.4 * span,
          to: this.lastStepTrain,
          lrFrom: Number.NaN,
          lrTo: Number.NaN,
        };
      }
      const w = this.work;
      const xs: number[] = [];
      const ys: number[] = [];
      const useTokens = this.tokensAt(this.lastStepTrain) !== undefined;
      for (let i = 0; i < w.x.length; i++) {
        if (w.x[i] < stretch.from || w.x[i] > stretch.to || w.x[i] <= 0) continue;
        xs.push(useTokens ? (this.tokensAt(w.x[i]) as number) : w.x[i]);
        ys.push(w.y[i]);
      }
      if (xs.length < 20) return undefined;
      const fit = fitPowerLaw(xs, ys, { level: this.opts.level });
      const res: LearningCurveFit = {
        fit,
        from: stretch.from,
        to: Math.min(stretch.to, this.lastStepTrain),
        lrKnownConstant: known,
        unit: useTokens ? "tokens" : "steps",
      };
      if (fit.ok) {
        const current = xs[xs.length - 1];
        const more = this.opts.projectMore > 0 ? this.opts.projectMore : current;
        const p = projectPowerLaw(fit, current + more);
        res.projection = { ...p, more, current };
      }
      return res;
    });
  }

  /** Epoch boundaries (steps where the integer part of the logged epoch increases). */
  get epochBoundaries(): number[] {
    return this.memo("epochBoundaries", () => {
      const t = this.train;
      if (!t) return [];
      const out: number[] = [];
      let prev = Number.NaN;
      for (let i = 0; i < t.step.length; i++) {
        const e = t.epoch[i];
        if (!Number.isFinite(e)) continue;
        // epochs are often rounded to 2 decimals in old HF logs: 0.999 → 1.0 boundary is where floor changes
        const fl = Math.floor(e + 1e-6);
        if (Number.isFinite(prev) && fl > prev) out.push(t.step[i]);
        prev = fl;
      }
      return out;
    });
  }
}

/** Robust noise σ of consecutive points: 1.4826·MAD(Δy)/√2 (insensitive to trends and level shifts). */
export function noiseSigma(y: ArrayLike<number>): number {
  if (y.length < 3) return Number.NaN;
  const d = new Float64Array(y.length - 1);
  for (let i = 1; i < y.length; i++) d[i - 1] = y[i] - y[i - 1];
  return (MAD_TO_SIGMA * mad(d)) / Math.SQRT2;
}

/**
 * Index where the initial descent from the loss at initialisation ends: the first point whose running level is
 * within half of the way from the first value to the run's median. Spikes and trends are not judged there.
 */
export function initialDescentEnd(c: Curve): number {
  const n = c.value.length;
  if (n < 10) return 0;
  const med = median(c.value);
  const first = median(c.value.subarray(0, Math.min(5, n)));
  if (!(first > med)) return 0;
  const target = med + 0.5 * (first - med);
  for (let i = 0; i < n; i++) if (c.value[i] <= target) return i;
  return 0;
}

/** Every k-th value so that about `m` remain (for the O(n²) statistics). */
function thin<T>(a: T[], m: number): T[] {
  const k = a.length / m;
  const out: T[] = [];
  for (let i = 0; i < m; i++) out.push(a[Math.floor(i * k)]);
  return out;
}

export { stepRange };
