/**
 * Learning-rate schedules with warmup, as multipliers of the peak LR, following HF transformers'
 * optimization.py formulas exactly (so a plateau run and a HF Trainer run with the same settings use the same
 * LR at every step). `step` is the 0-based index of the optimizer update, as HF's LambdaLR sees it: with
 * warmup the first update uses LR 0, and the peak is reached at step = warmup.
 *
 *   warmup (all kinds):  step / warmup                                  for step < warmup
 *   constant:            1
 *   linear:              max(0, (total − step) / (total − warmup))
 *   cosine:              min_ratio + (1 − min_ratio) · ½(1 + cos(π · progress)),  progress = (step − warmup)/(total − warmup)
 *   wsd:                 1 until total − decay, then the decay shape (linear, cosine or 1−sqrt) down to min_ratio
 *                        over `decay` steps (HF get_wsd_schedule)
 */
export type ScheduleKind = "constant" | "linear" | "cosine" | "wsd";

export interface ScheduleConfig {
  kind: ScheduleKind;
  warmup_steps: number;
  /** Total optimizer steps of the run (needed by linear, cosine, wsd). */
  total_steps: number;
  /** wsd: steps of the final decay (default 10% of total). */
  decay_steps?: number;
  /** wsd decay shape (HF default cosine). */
  decay_type?: "linear" | "cosine" | "1-sqrt";
  /** Floor as a fraction of the peak (cosine and wsd; HF's min_lr_rate / min_lr_ratio). */
  min_lr_ratio?: number;
}

export function lrMultiplier(s: ScheduleConfig, step: number): number {
  const w = s.warmup_steps;
  if (step < w) return step / Math.max(1, w);
  const total = s.total_steps;
  const minR = s.min_lr_ratio ?? 0;
  switch (s.kind) {
    case "constant":
      return 1;
    case "linear":
      return Math.max(0, (total - step) / Math.max(1, total - w));
    case "cosine": {
      const progress = (step - w) / Math.max(1, total - w);
      const c = 0.5 * (1 + Math.cos(Math.PI * progress));
      return Math.max(0, minR + (1 - minR) * c);
    }
    case "wsd": {
      const decay = s.decay_steps ?? Math.round(0.1 * total);
      const decayStart = total - decay;
      if (step < decayStart) return 1;
      const progress = Math.min(1, (step - decayStart) / Math.max(1, decay));
      let f: number;
      if (s.decay_type === "linear") f = 1 - progress;
      else if (s.decay_type === "1-sqrt") f = 1 - Math.sqrt(progress);
      else f = 0.5 * (1 + Math.cos(Math.PI * progress));
      return minR + (1 - minR) * f;
    }
  }
}
