import { Run } from "../runs/run.js";
import type { RunFacts } from "../runs/types.js";
import { SERIES } from "../runs/types.js";
import { Rng } from "../util/rng.js";

/**
 * Labelled synthetic training runs for the diagnosis benchmark and tests.
 *
 * The loss follows a schedule-aware learning curve in the spirit of Tissue et al. (2024): the loss falls with
 * the LR area S₁(s) = Σ lr/peak (normalised by the run length), L = E + (L₀ − E)·(1 + S₁/u₀)^(−α), minus an
 * annealing bonus C·m(s) where m is a slow average of how far the LR has decayed — so a constant LR flattens and
 * a decay cashes in, as real runs do. L₀ = ln V (151,936 for Qwen). Per-step noise (σ, scaled down as the loss
 * approaches 0) is averaged over the logging interval like HF and Megatron do (σ/√k), plus an AR(1) wobble
 * (φ = 0.9 per logged point, half the σ) so the statistics face autocorrelated noise.
 */

export const SCENARIOS = [
  "healthy",
  "healthy-constant",
  "plateau",
  "lr-too-low",
  "lr-too-high",
  "divergence",
  "frozen",
  "overfit",
  "memorization",
  "ga-inflation",
  "schedule-plateau",
  "epoch-drops",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface SyntheticOptions {
  scenario: Scenario;
  seed: number;
  /** Optimizer steps in the run. */
  steps: number;
  /** Log every k steps (the logged loss is the mean over the interval). */
  logEvery: number;
  /** Per-step noise σ of the training loss, in nats, at a loss of ~2.5. */
  noise: number;
}

/** A finding the diagnosis must produce: rule id and, when it is about a stretch, its step range. */
export interface SyntheticLabel {
  rule: string;
  from?: number;
  to?: number;
}

export interface SyntheticRun {
  run: Run;
  scenario: Scenario;
  labels: SyntheticLabel[];
  /** Rules that must not fire on this run (the false-alarm check for healthy runs). */
  forbidden: string[];
}

export const QWEN_VOCAB = 151_936;

/** What a healthy run must not be told: no plateau, divergence or spike alarm, no LR or NaN finding. */
const HEALTHY_FORBIDDEN = [
  "plateau",
  "divergence",
  "spikes",
  "lr-too-high",
  "lr-too-low",
  "schedule-plateau",
  "nan",
];
const LN_V = Math.log(QWEN_VOCAB);
/** A usual peak LR for a ~1.1B model (GPT-3's 1.3B used 2e-4; TinyLlama 4e-4). */
const GOOD_LR = 3e-4;

export type LrShape = "cosine" | "constant" | "wsd";

/**
 * The learning curve's parameters: LR shape and peak, the loss floor E, the power α and scale u₀ of the
 * progress in LR area, and the annealing bonus C a full decay cashes in.
 */
export interface CurveParams {
  shape: LrShape;
  peak: number;
  E: number;
  alpha: number;
  u0: number;
  C: number;
}

/**
 * The per-step loss and LR of a run (index = step, 0..steps): L = E + (ln V − E)·(1 + S₁/u₀)^(−α) − C·m(s),
 * S₁ the LR area (relative to a usual LR, over the run length), m a slow average (2% of the run) of how far the LR
 * has decayed from its peak. Cosine decays to 10% of the peak; WSD holds the peak for 75% of the run then decays
 * linearly to 0. `edit` may change each step's loss (spikes, divergence, epoch drops).
 */
export function simulateLoss(
  p: CurveParams & { steps: number; warmup: number; lnV?: number },
  edit: (step: number, loss: number) => number = (_s, L) => L,
): { loss: Float64Array; lr: Float64Array } {
  const T = p.steps;
  const warm = Math.max(1, p.warmup);
  const L0 = p.lnV ?? LN_V;
  const lrAt = (s: number): number => {
    if (s < warm) return (p.peak * (s + 1)) / warm;
    if (p.shape === "constant") return p.peak;
    if (p.shape === "cosine")
      return p.peak * (0.1 + 0.45 * (1 + Math.cos((Math.PI * (s - warm)) / (T - warm))));
    const d = Math.round(0.75 * T);
    return s < d ? p.peak : p.peak * Math.max(0, (T - s) / (T - d));
  };
  const loss = new Float64Array(T + 1);
  const lr = new Float64Array(T + 1);
  let area = 0;
  let anneal = 0;
  const annealRate = 1 / Math.max(1, 0.02 * T);
  for (let s = 0; s <= T; s++) {
    lr[s] = lrAt(s);
    area += lr[s] / GOOD_LR / T;
    anneal += (Math.max(0, 1 - lr[s] / p.peak) - anneal) * annealRate;
    let L = p.E + (L0 - p.E) * (1 + area / p.u0) ** -p.alpha;
    if (s >= warm) L -= p.C * anneal;
    loss[s] = edit(s, L);
  }
  return { loss, lr };
}

export function syntheticRun(o: SyntheticOptions): SyntheticRun {
  const rng = new Rng(`${o.scenario}/${o.seed}/${o.steps}/${o.logEvery}/${o.noise}`);
  const T = o.steps;
  const k = Math.max(1, Math.round(o.logEvery));
  const labels: SyntheticLabel[] = [];
  const forbidden: string[] = [];
  const facts: RunFacts = {
    vocab_size: QWEN_VOCAB,
    model: { architecture: "qwen2", params: 1.1e9 },
    tokens_per_step: 524_288,
    precision: "bf16",
  };
  const alt = o.seed % 2 === 0;
  let p: CurveParams = { shape: "cosine", peak: GOOD_LR, E: 2.3, alpha: 0.45, u0: 0.002, C: 0.25 };
  let noiseMul = 1;
  let stepsPerEpoch = Math.round(T * 1.6); // under one epoch unless a scenario repeats data
  let extra: (s: number, L: number) => number = (_s, L) => L;
  let gaK = 1;
  let evalMode: "none" | "heldout" | "overfit" | "memorize" = "none";
  let nanFrom = Number.POSITIVE_INFINITY;
  let frozen = false;
  const spikeAt: { s: number; h: number; tau: number }[] = [];
  let gradGrowthFrom = Number.POSITIVE_INFINITY;

  switch (o.scenario) {
    case "healthy":
      forbidden.push(...HEALTHY_FORBIDDEN);
      break;
    case "healthy-constant":
      p = { ...p, shape: "constant", C: 0 };
      forbidden.push(...HEALTHY_FORBIDDEN);
      break;
    case "plateau":
      p = { ...p, shape: alt ? "constant" : "cosine", E: 2.8, alpha: 1.5, u0: 0.01, C: 0 };
      labels.push({ rule: "plateau", from: Math.round(0.6 * T), to: T });
      break;
    case "lr-too-low":
      // 100× below a usual LR: progress follows the LR area, so the same curve stretched 100× in steps
      p = { ...p, shape: alt ? "constant" : "cosine", peak: GOOD_LR / 100 };
      labels.push({ rule: "lr-too-low" });
      break;
    case "lr-too-high": {
      p = { ...p, peak: GOOD_LR * 10, E: 2.7 };
      noiseMul = 1.5;
      const n = 4 + rng.int(5);
      for (let i = 0; i < n; i++) {
        const s = Math.round(T * (0.15 + 0.8 * ((i + rng.float() * 0.6) / n)));
        // at least 8σ of a logged point above the curve, so every labelled spike is there to be found
        const h = 1 + rng.float() + (8 * 1.5 * o.noise) / Math.sqrt(k);
        spikeAt.push({ s, h, tau: Math.max(2 * k, Math.round(0.002 * T)) });
      }
      labels.push({ rule: "spikes" }, { rule: "lr-too-high" });
      break;
    }
    case "divergence": {
      p = { ...p, shape: alt ? "constant" : "cosine", peak: GOOD_LR * 3 };
      const sd = Math.round(T * (0.5 + 0.25 * rng.float()));
      extra = (s, L) => (s > sd ? L + 4 * ((s - sd) / (T - sd)) ** 1.5 : L);
      gradGrowthFrom = sd;
      labels.push({ rule: "divergence", from: sd, to: T });
      if (alt) {
        nanFrom = Math.round(T * 0.97);
        labels.push({ rule: "nan", from: nanFrom, to: T });
      }
      break;
    }
    case "frozen":
      frozen = true;
      labels.push({ rule: "frozen" });
      break;
    case "overfit":
      p = { ...p, E: 1.6, u0: 0.001 };
      stepsPerEpoch = Math.round(T / 6);
      evalMode = "overfit";
      labels.push({ rule: "overfit", from: Math.round(0.45 * T), to: T });
      break;
    case "memorization":
      p = { ...p, E: 0.02, alpha: 1.2, u0: 0.003, C: 0 };
      stepsPerEpoch = Math.round(T / 20);
      evalMode = "memorize";
      facts.model = { architecture: "qwen2", params: 1.1e8 };
      facts.tokens_per_step = 32_768;
      facts.data = { tokens: 32_768 * stepsPerEpoch, documents: 1000 };
      labels.push({ rule: "memorization" });
      break;
    case "ga-inflation":
      p = { ...p, shape: alt ? "constant" : "cosine", E: 2.6 };
      gaK = [4, 8, 16][o.seed % 3];
      if (alt) facts.grad_accum_steps = gaK;
      evalMode = "heldout";
      labels.push({ rule: "ga-inflation" });
      break;
    case "schedule-plateau":
      p = { ...p, shape: "wsd", E: 2.75, alpha: 1.5, u0: 0.003, C: 0.16 };
      labels.push({ rule: "schedule-plateau", from: Math.round(0.4 * T), to: Math.round(0.75 * T) });
      break;
    case "epoch-drops": {
      stepsPerEpoch = Math.round(T / 4);
      const drop = (e: number) => 0.12 + 0.04 * e;
      extra = (s, L) => {
        let d = 0;
        for (let e = 1; e < 4; e++) {
          const b = e * stepsPerEpoch;
          const w = Math.max(1, Math.round(0.003 * T));
          if (s >= b) d += drop(e) * Math.min(1, (s - b + 1) / w);
        }
        return L - d;
      };
      labels.push({
        rule: "epoch-drops",
        from: stepsPerEpoch,
        to: 3 * stepsPerEpoch,
      });
      break;
    }
  }

  // --- the per-step true loss -----------------------------------------------------------------------------
  const warm = Math.max(1, Math.round(0.02 * T));
  const { loss: trueLoss, lr } = simulateLoss({ ...p, steps: T, warmup: warm }, (s, L) => {
    let v = extra(s, L);
    for (const sp of spikeAt) if (s >= sp.s) v += sp.h * Math.exp(-(s - sp.s) / sp.tau);
    return frozen ? 11.0666 : v;
  });
  const prefix = new Float64Array(T + 2);
  for (let s = 0; s <= T; s++) prefix[s + 1] = prefix[s] + trueLoss[s];

  // --- what the logger wrote ----------------------------------------------------------------------------------
  const run = Run.imported({
    id: `${o.scenario}-s${o.seed}-T${T}-k${k}-n${o.noise}`,
    name: `synthetic ${o.scenario} (seed ${o.seed}, ${T} steps, every ${k}, σ ${o.noise})`,
    source: { kind: "import", format: "synthetic" },
    facts: {
      ...facts,
      lr: {
        peak: p.peak,
        schedule: p.shape === "cosine" ? "cosine" : p.shape === "constant" ? "constant_with_warmup" : "wsd",
        warmup_steps: warm,
      },
    },
  });
  const train = run.seriesFor(SERIES.trainLoss);
  const lrS = run.seriesFor(SERIES.lr);
  const grad = run.seriesFor(SERIES.gradNorm);
  let ar = 0;
  const evalEvery = Math.max(k, Math.round(T / 40));
  for (let s = k; s <= T; s += k) {
    const mean = (prefix[s + 1] - prefix[s + 1 - k]) / k;
    const sigma = ((o.noise * noiseMul) / Math.sqrt(k)) * Math.min(1, mean / 2.5);
    ar = 0.9 * ar + Math.sqrt(1 - 0.81) * rng.normal();
    let v = frozen ? mean : mean + sigma * (rng.normal() + 0.5 * ar);
    if (s >= nanFrom) v = Number.NaN;
    const tokens = s * (facts.tokens_per_step ?? 0);
    const epoch = s / stepsPerEpoch;
    const at = (value: number) => ({ step: s, value, tokens, epoch });
    train.push(at(frozen ? Math.round(v * 1e4) / 1e4 : v * gaK));
    lrS.push(at(lr[s]));
    let g = frozen ? 0 : (0.4 + 2 * Math.exp(-s / (0.05 * T))) * Math.exp(0.08 * rng.normal());
    if (s > gradGrowthFrom) g *= Math.exp((6 * (s - gradGrowthFrom)) / (T - gradGrowthFrom));
    for (const sp of spikeAt) if (s >= sp.s && s - sp.s < Math.max(k, sp.tau)) g *= 4 + 6 * rng.float();
    if (s >= nanFrom) g = Number.NaN;
    grad.push(at(g));
    if (evalMode !== "none" && s % evalEvery === 0) {
      let e = trueLoss[s];
      if (evalMode === "heldout") e += 0.02;
      if (evalMode === "overfit") e += 0.05 + 1.2 * Math.max(0, s / T - 0.45) ** 1.2;
      if (evalMode === "memorize") e = 3.2 + 2 * Math.max(0, s / T - 0.3);
      run.seriesFor(SERIES.evalLoss).push(at(e + 0.003 * rng.normal()));
    }
  }
  return { run, scenario: o.scenario, labels, forbidden };
}
