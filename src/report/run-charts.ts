import { chartIndices, take } from "../curves/downsample.js";
import { densityEma, TENSORBOARD_DEFAULT_WEIGHT, tensorboardEma } from "../curves/ema.js";
import { projectPowerLaw } from "../curves/powerlaw.js";
import { quantile } from "../curves/stats.js";
import { initialDescentEnd } from "../diagnose/analysis.js";
import type { Curve } from "../diagnose/curve.js";
import type { RunDiagnosis } from "../diagnose/diagnose.js";
import { unigramEntropy } from "../diagnose/facts.js";
import type { ChartMarker, ChartRegion, ChartSeries, ChartSpec } from "./chart-spec.js";
import { PALETTE } from "./chart-spec.js";

export interface RunChartOptions {
  /** Chart width in pixels: the M4 bucket count (default 1000). */
  width?: number;
  /** Prefix for chart ids (unique per page; never taken from run names). */
  idPrefix: string;
}

/**
 * TensorBoard's weight for a series drawn `width` pixels wide: 0.6 (its default) when every point has its own
 * pixel, else the weight whose time constant 1/(1 − w) spans two pixels' worth of points — so 200,000 points
 * smooth as visibly as 1,000 do (TensorBoard's fixed per-point weight makes long runs look unsmoothed).
 */
export function autoEmaWeight(points: number, width: number): number {
  const perPixel = points / Math.max(1, width);
  return Math.max(TENSORBOARD_DEFAULT_WEIGHT, 1 - 1 / (2 * perPixel));
}

/**
 * A noisy series as chart series: the raw values (faint), a smoothing for the linear x axis (TensorBoard's EMA at
 * autoEmaWeight) and one for the log x axis (a density-aware EMA over ln step, half-life two pixels of the log
 * axis), all computed on every point, then the union of the M4 selections on both axes, so the chart is
 * pixel-exact whichever axis the reader picks and no spike is lost.
 */
export function smoothedSeries(c: Curve, label: string, color: string, width: number): ChartSeries[] {
  const n = c.step.length;
  if (n === 0) return [];
  const lin = tensorboardEma(c.value, autoEmaWeight(n, width));
  // the log-axis smoothing runs over ln(step) of the points a log axis can show (step > 0)
  const pos = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) if (c.step[i] > 0) pos[m++] = i;
  const lnx = new Float64Array(m);
  const ys = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    lnx[k] = Math.log(c.step[pos[k]]);
    ys[k] = c.value[pos[k]];
  }
  const range = m > 1 ? lnx[m - 1] - lnx[0] : 1;
  const logSm = densityEma(lnx, ys, (2 * range) / width);
  const logFull = new Float64Array(n).fill(Number.NaN);
  for (let k = 0; k < m; k++) logFull[pos[k]] = logSm[k];
  const idx = chartIndices(c.step, [c.value, lin, logFull], width);
  const x = take(c.step, idx);
  const out: ChartSeries[] = [
    { label: `${label} (raw)`, x, y: round(take(c.value, idx)), color, alpha: 0.28, width: 1 },
  ];
  if (n > 20) {
    out.push({ label: `${label} (smoothed)`, x, y: round(take(lin, idx)), color, width: 2, view: "linear" });
    out.push({ label: `${label} (smoothed)`, x, y: round(take(logFull, idx)), color, width: 2, view: "log" });
  }
  return out;
}

/** A sparse or unsmoothed series (eval, LR), downsampled only when it is long. */
export function plainSeries(
  c: Curve,
  label: string,
  color: string,
  width: number,
  points = false,
): ChartSeries {
  const idx = chartIndices(c.step, [c.value], width);
  return {
    label,
    x: take(c.step, idx),
    y: round(take(c.value, idx)),
    color,
    width: 2,
    points,
    spanGaps: true,
  };
}

/**
 * The loss axis without the initial descent: from the lowest value to the 99.5th percentile of what follows
 * the descent (eval included), with 5% margins. Undefined when the run is short or has no descent to hide.
 */
function lossRange(d: RunDiagnosis): [number, number] | undefined {
  const a = d.analysis;
  const t = a.train;
  if (!t || t.value.length < 20) return undefined;
  const start = initialDescentEnd(t);
  if (start === 0) return undefined;
  const vals = Array.from(t.value.subarray(start));
  if (a.eval) for (const v of a.eval.value) vals.push(v);
  let lo = Number.POSITIVE_INFINITY;
  for (const v of vals) if (v < lo) lo = v;
  const hi = quantile(vals, 0.995);
  if (!(hi > lo)) return undefined;
  const m = 0.05 * (hi - lo);
  return [Number((lo - m).toPrecision(6)), Number((hi + m).toPrecision(6))];
}

/** Seven significant digits: float32 precision, a third of the bytes. */
function round(a: number[]): (number | null)[] {
  return a.map((v) => (Number.isFinite(v) ? Number(v.toPrecision(7)) : null));
}

/**
 * The charts of one diagnosed run: the loss (train raw and smoothed, eval, the power-law fit and its
 * projection, plateau and problem regions, spikes and change points, ln V), the learning rate, and the gradient
 * norm (log y). The charts share the cursor.
 */
export function runChartSpecs(d: RunDiagnosis, o: RunChartOptions): ChartSpec[] {
  const width = o.width ?? 1000;
  const a = d.analysis;
  const group = `${o.idPrefix}-sync`;
  const specs: ChartSpec[] = [];
  const loss: ChartSeries[] = [];
  if (a.train) {
    const label = a.gaFactor !== 1 ? `train loss (logged ÷ ${a.gaFactor})` : "train loss";
    loss.push(...smoothedSeries(a.train, label, PALETTE.train, width));
  }
  if (a.eval) loss.push(plainSeries(a.eval, a.evalName ?? "eval loss", PALETTE.eval, width, true));
  let xMax = a.lastStep;
  // no learning curve through a run that diverges or does not learn: the fit would describe the breakage
  const broken = d.findings.some((f) => f.rule === "divergence" || f.rule === "frozen");
  const lc = broken ? undefined : a.learningCurve;
  if (lc?.fit.ok && lc.projection) {
    // the fit runs in tokens or steps; the chart's x is steps
    const perStep =
      lc.unit === "tokens" ? (a.tokensAt(a.lastStepTrain) ?? 0) / Math.max(1, a.lastStepTrain) : 1;
    if (perStep > 0) {
      const x0 = Math.max(1, lc.from);
      // drawn a quarter run past the end: far enough to see where it heads, not so far that the data shrinks
      const x1 = Math.min((lc.projection.current + lc.projection.more) / perStep, 1.25 * a.lastStepTrain);
      xMax = Math.max(xMax, x1);
      const xs: number[] = [];
      const ys: number[] = [];
      for (let k = 0; k <= 120; k++) {
        const s = x0 * (x1 / x0) ** (k / 120);
        xs.push(Math.round(s));
        ys.push(projectPowerLaw(lc.fit, s * perStep).value);
      }
      loss.push({
        label: `power-law fit, L∞ = ${lc.fit.lInf.toFixed(3)}`,
        x: xs,
        y: round(ys),
        color: PALETTE.fit,
        width: 2,
        dash: [6, 4],
        spanGaps: true,
      });
    }
  }
  const regions: ChartRegion[] = [];
  const regionOf: Record<string, [string, string]> = {
    plateau: ["plateau", PALETTE.plateau],
    "schedule-plateau": ["constant-LR plateau", PALETTE.schedule],
    overfit: ["overfitting", PALETTE.problem],
    divergence: ["diverging", PALETTE.problem],
    overtraining: ["no eval gain", PALETTE.plateau],
  };
  for (const f of d.findings) {
    const r = regionOf[f.rule];
    if (!r) continue;
    for (const [from, to] of f.steps) regions.push({ from, to, label: r[0], color: r[1] });
  }
  const markers: ChartMarker[] = [];
  for (const s of a.spikes) {
    markers.push({
      x: s.step,
      y: s.value,
      label: `spike +${(s.value - s.baseline).toFixed(2)}`,
      color: PALETTE.spike,
      kind: "spike",
    });
  }
  for (const cp of a.changePoints)
    markers.push({ x: cp, label: "change point", color: PALETTE.change, kind: "change" });
  const nan = a.trainLogged?.nonFinite[0];
  if (nan) markers.push({ x: nan.step, label: "NaN", color: PALETTE.spike, kind: "nan" });
  const lines = [];
  const V = a.vocab;
  if (V !== undefined)
    lines.push({ y: Math.log(V), label: `ln V = ${Math.log(V).toFixed(2)}`, color: PALETTE.reference });
  const H = unigramEntropy(a.facts);
  if (H !== undefined)
    lines.push({ y: H, label: `unigram entropy ${H.toFixed(2)}`, color: PALETTE.reference });
  if (loss.length) {
    const yRange = lossRange(d);
    specs.push({
      id: `${o.idPrefix}-loss`,
      title: "Loss",
      height: 360,
      xLabel: "step",
      yLabel: "loss (nats/token)",
      series: loss,
      yRange,
      regions,
      markers,
      lines,
      syncGroup: group,
    });
  }
  if (a.lr) {
    const wEnd = a.schedule.warmupEnd;
    specs.push({
      id: `${o.idPrefix}-lr`,
      title: `Learning rate — ${a.schedule.description}`,
      height: 180,
      xLabel: "step",
      yLabel: "LR",
      series: [plainSeries(a.lr, "learning rate", PALETTE.lr, width)],
      markers:
        wEnd !== undefined ? [{ x: wEnd, label: "warmup end", color: PALETTE.change, kind: "event" }] : [],
      syncGroup: group,
    });
  }
  if (a.grad) {
    const gradSpikes: ChartMarker[] = a.spikes
      .filter((s) => s.gradStep !== undefined)
      .map((s) => ({
        x: s.gradStep as number,
        label: "coupled grad-norm spike",
        color: PALETTE.spike,
        kind: "event" as const,
      }));
    specs.push({
      id: `${o.idPrefix}-grad`,
      title: "Gradient norm",
      height: 200,
      xLabel: "step",
      yLabel: "grad norm",
      // a log axis when the norm spans decades and is never 0 (a frozen run logs zeros)
      logY: a.grad.value.every((v) => v > 0),
      series: smoothedSeries(a.grad, "grad norm", PALETTE.grad, width),
      markers: gradSpikes,
      syncGroup: group,
    });
  }
  // one x range for the run's charts, so the LR and grad-norm panes line up under the loss
  for (const sp of specs) sp.xRange = [Math.min(a.firstStep, a.lr?.step[0] ?? a.firstStep), xMax];
  return specs;
}
