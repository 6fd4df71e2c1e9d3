import type { RunFacts } from "../runs/types.js";
import type { Curve } from "./curve.js";

/** A piece of the learning-rate schedule. */
export interface LrStretch {
  kind: "warmup" | "constant" | "decay" | "rise";
  from: number;
  to: number;
  /** LR at the start and end of the stretch. */
  lrFrom: number;
  lrTo: number;
}

export interface Schedule {
  /** Where the schedule came from: the logged LR, the stated schedule, or nothing. */
  source: "logged" | "facts" | "unknown";
  peak?: number;
  warmupEnd?: number;
  stretches: LrStretch[];
  /** A short name: constant, cosine-like decay, warmup-stable-decay, … */
  description: string;
}

/** Relative LR change that still counts as constant: cosine loses 0.5% in its first 4.5% of steps. */
const CONSTANT_TOL = 0.005;

/**
 * Cut the logged LR into warmup, constant, decay and rise stretches. A constant stretch keeps every point within
 * ±0.5% of its first value; monotone runs of change become warmup (at the start), decay or rise; touching
 * stretches of the same kind are joined.
 */
export function scheduleFromLr(lrFull: Curve, lastStep: number): Schedule {
  // LR schedules are smooth or piecewise constant: 4,000 evenly spaced points (and the last) place every
  // boundary to within 0.03% of the run, and keep the scan linear however long the run
  const lr = decimate(lrFull, 4000);
  const n = lr.step.length;
  if (n === 0) return { source: "unknown", stretches: [], description: "unknown" };
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, lr.value[i]);
  const span = Math.max(1, lastStep - lr.step[0]);
  // a constant stretch must last: two equal-looking points of a slow linear decay are not one
  const minSpan = 0.02 * span;
  const constantEnd = (i: number): number => {
    const v0 = lr.value[i];
    const tol = CONSTANT_TOL * Math.max(Math.abs(v0), 1e-30);
    let j = i;
    while (j + 1 < n && Math.abs(lr.value[j + 1] - v0) <= tol) j++;
    return j - i >= 2 && lr.step[j] - lr.step[i] >= minSpan ? j : -1;
  };
  const raw: LrStretch[] = [];
  let i = 0;
  while (i < n) {
    const c = constantEnd(i);
    if (c >= 0) {
      raw.push({
        kind: "constant",
        from: lr.step[i],
        to: lr.step[c],
        lrFrom: lr.value[i],
        lrTo: lr.value[c],
      });
      i = c + 1;
      continue;
    }
    // a monotone change, up to where a lasting constant stretch begins or the direction turns
    const up = i + 1 < n && lr.value[i + 1] > lr.value[i];
    let j = i;
    while (
      j + 1 < n &&
      (up ? lr.value[j + 1] >= lr.value[j] : lr.value[j + 1] <= lr.value[j]) &&
      constantEnd(j + 1) < 0
    )
      j++;
    raw.push({
      kind: up ? (raw.length === 0 ? "warmup" : "rise") : "decay",
      from: lr.step[i],
      to: lr.step[j],
      lrFrom: lr.value[i],
      lrTo: lr.value[j],
    });
    i = j + 1;
  }
  // join touching stretches of the same kind
  const merged: LrStretch[] = [];
  for (const s of raw) {
    const prev = merged[merged.length - 1];
    if (prev && prev.kind === s.kind && s.kind !== "constant") {
      prev.to = s.to;
      prev.lrTo = s.lrTo;
    } else merged.push({ ...s });
  }
  if (merged.length > 0) merged[merged.length - 1].to = Math.max(merged[merged.length - 1].to, lastStep);
  const warm = merged[0]?.kind === "warmup" ? merged[0].to : undefined;
  return { source: "logged", peak, warmupEnd: warm, stretches: merged, description: describe(merged, span) };
}

function decimate(c: Curve, max: number): Curve {
  const n = c.step.length;
  if (n <= max) return c;
  const k = Math.ceil(n / max);
  const idx: number[] = [];
  for (let i = 0; i < n; i += k) idx.push(i);
  if (idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  const pick = (a: Float64Array) => Float64Array.from(idx, (i) => a[i]);
  return { ...c, step: pick(c.step), value: pick(c.value), tokens: pick(c.tokens), epoch: pick(c.epoch) };
}

function describe(st: LrStretch[], span: number): string {
  // stretches under 5% of the run (the flat top of a cosine, a logging blip) do not change the description
  const kinds = st.filter((s) => s.kind === "warmup" || s.to - s.from >= 0.05 * span).map((s) => s.kind);
  const core = kinds.filter((k) => k !== "warmup");
  if (core.length === 0) return kinds.length ? "warmup only" : "unknown";
  if (core.every((k) => k === "constant"))
    return kinds[0] === "warmup" ? "constant after warmup" : "constant";
  if (core[0] === "constant" && core[core.length - 1] === "decay") return "constant then decay (WSD-like)";
  if (core.every((k) => k === "decay")) return "decaying (cosine/linear-like)";
  return "mixed";
}

/** A schedule from the stated facts when the LR was not logged (HF lr_scheduler_type names). */
export function scheduleFromFacts(f: RunFacts, firstStep: number, lastStep: number): Schedule {
  const name = (f.lr?.schedule ?? "").toLowerCase();
  if (!name) return { source: "unknown", stretches: [], description: "unknown" };
  const warm = typeof f.lr?.warmup_steps === "number" ? f.lr.warmup_steps : 0;
  const peak = f.lr?.peak;
  const constant = name === "constant" || name === "constant_with_warmup";
  const stretches: LrStretch[] = [];
  if (warm > firstStep)
    stretches.push({ kind: "warmup", from: firstStep, to: warm, lrFrom: 0, lrTo: peak ?? 1 });
  stretches.push({
    kind: constant ? "constant" : "decay",
    from: Math.max(warm, firstStep),
    to: lastStep,
    lrFrom: peak ?? 1,
    lrTo: constant ? (peak ?? 1) : 0,
  });
  return {
    source: "facts",
    peak,
    warmupEnd: warm > 0 ? warm : undefined,
    stretches,
    description: constant ? (warm > 0 ? "constant after warmup" : "constant") : `${name} (stated)`,
  };
}

/** The constant stretches at least `minSpan` steps long. */
export function constantStretches(s: Schedule, minSpan: number): LrStretch[] {
  return s.stretches.filter((x) => x.kind === "constant" && x.to - x.from >= minSpan);
}

/** The stretch containing `step`, if any. */
export function stretchAt(s: Schedule, step: number): LrStretch | undefined {
  return s.stretches.find((x) => x.from <= step && step <= x.to);
}
