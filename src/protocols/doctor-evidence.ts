import type { AuditSummary } from "../data/audit/summary.js";
import { CORPUS_AUDIT_RULE } from "../diagnose/hypotheses.js";
import type { Cause, Hypothesis, Observation } from "../diagnose/types.js";

/**
 * What the doctor's own measurements add to the evidence the logs gave: the corpus audit becomes an observation
 * for (or against) "data quality", so a corpus with 45% noise is not ranked as if nobody had looked at it.
 *
 * Weight: the flagged fraction × 1.6, capped at 0.85 — a corpus where a third of the documents are flagged
 * weighs about as much as a strong curve finding (0.5); one where almost nothing is flagged (< 5%) speaks
 * against data quality instead. The audit alone never makes data quality certain: noise costs loss only if the
 * model spends capacity on it, which is what the ladder's raw-against-selected rungs measure.
 */
export const AUDIT_WEIGHT_PER_FLAGGED = 1.6;
export const AUDIT_WEIGHT_MAX = 0.85;
export const AUDIT_CLEAN_BELOW = 0.05;

export function auditObservation(s: AuditSummary): Observation {
  const docs = Math.max(1, s.totals.docs);
  const f = s.totals.flagged / docs;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const kinds = noiseLine(s);
  const dup = s.duplicates.exact + s.duplicates.near;
  const text = `corpus audit: ${s.totals.flagged} of ${s.totals.docs} documents flagged (${pct(f)})${kinds ? `: ${kinds}` : ""}; ${dup} duplicates (${s.duplicates.exact} exact, ${s.duplicates.near} near)`;
  if (f < AUDIT_CLEAN_BELOW) return { rule: CORPUS_AUDIT_RULE, text, against: ["data-quality"], weight: 0.4 };
  return {
    rule: CORPUS_AUDIT_RULE,
    text,
    supports: ["data-quality"],
    weight: Math.min(AUDIT_WEIGHT_MAX, AUDIT_WEIGHT_PER_FLAGGED * f),
  };
}

/** The four most frequent noise kinds with their shares ("structure 27.4%, duplicate 18.4%, …"). */
export function noiseLine(s: AuditSummary): string {
  return Object.entries(s.noise)
    .filter(([, v]) => v && v.docs > 0)
    .sort((a, b) => (b[1]?.docs ?? 0) - (a[1]?.docs ?? 0))
    .slice(0, 4)
    .map(([k, v]) => `${k} ${(100 * (v?.fraction ?? 0)).toFixed(1)}%`)
    .join(", ");
}

/** How each cause reads in the doctor's one-sentence answer. */
export const CAUSE_TEXT: Record<Cause, string> = {
  "data-quality": "the data: noise and duplicates in the corpus",
  "training-strategy": "the training strategy: learning rate, batch or schedule",
  capacity: "the model's capacity",
  optimizer: "the optimizer's settings",
  "pipeline-bug": "a bug in the training pipeline",
  "not-a-problem": "nothing broken: a constant-LR plateau that an LR decay would cash in",
};

/**
 * Which experiment settles each cause, and whether the doctor can run it here. The doctor's embedded runs train
 * a proxy (a few million parameters on a sub-vocabulary), so it runs only the experiments whose answer carries
 * over from a proxy to the user's model:
 *
 *   ladder     raw against selected data at the same budget: whether the corpus's noise costs loss is a
 *              property of the data, and shows at any scale (signal-to-noise test)
 *   optimizer  AdamW against SGD-momentum and Lion, each at its own best LR: a ranking, not a setting
 *
 * and hands the others back as commands: the best LR, the value of more parameters and the gain of an LR decay
 * are properties of the user's model and checkpoint, and a proxy's numbers would answer a different question.
 */
export type DoctorProtocol = "ladder" | "optimizer";

export interface PlannedExperiment {
  protocol: DoctorProtocol;
  cause: Cause;
  why: string;
}

export interface PlanSkip {
  what: string;
  why: string;
  command: string;
}

/**
 * The plan: causes in order of confidence (≥ 0.2), at most `max` experiments, and — when `budget` is given — only
 * while the estimated seconds of the experiments so far fit in it (one that does not fit is handed back as a
 * command, like the ones a proxy cannot settle).
 */
export function planDoctorExperiments(
  hs: Hypothesis[],
  max: number,
  budget?: { seconds: number; cost: (p: DoctorProtocol) => number },
): { run: PlannedExperiment[]; skipped: PlanSkip[] } {
  let spent = 0;
  const run: PlannedExperiment[] = [];
  const skipped: PlanSkip[] = [];
  const seen = new Set<string>();
  for (const h of hs) {
    if (h.confidence < 0.2) break;
    if (seen.has(h.cause)) continue;
    seen.add(h.cause);
    const why = `${h.cause} (${h.confidence.toFixed(2)}): ${h.next.why}`;
    const cmd = h.next.command;
    const name = cmd.split(/\s+/)[1];
    if (h.cause === "data-quality" || h.cause === "optimizer") {
      const protocol: DoctorProtocol = h.cause === "data-quality" ? "ladder" : "optimizer";
      if (run.some((p) => p.protocol === protocol)) continue;
      const cost = budget?.cost(protocol) ?? 0;
      if (run.length < max && (!budget || spent + cost <= budget.seconds)) {
        run.push({ protocol, cause: h.cause, why });
        spent += cost;
      } else
        skipped.push({
          what: `${protocol} probe (${h.cause} ${h.confidence.toFixed(2)})`,
          why:
            run.length >= max
              ? `the doctor runs at most ${max} experiment(s) (--experiments)`
              : `it would take about ${Math.round(cost)} s, past the doctor's experiment budget of ${Math.round(budget?.seconds ?? 0)} s (--experiment-minutes)`,
          command: cmd.startsWith(`plateau ${protocol} `) ? cmd : `plateau ${protocol} --data <DATA>`,
        });
      continue;
    }
    if (h.cause === "pipeline-bug" && name === "overfit") continue; // the doctor's own step 3
    if (skipped.some((x) => x.command === cmd)) continue;
    if (name === "cooldown")
      skipped.push({
        what: `cooldown probe (${h.cause} ${h.confidence.toFixed(2)})`,
        why: "the gain of an LR decay is a property of your checkpoint: it needs the plateau's weights (a proxy trained here would measure its own schedule, not yours)",
        command: cmd,
      });
    else if (name === "capacity" || name === "lr-sweep")
      skipped.push({
        what: `${name === "capacity" ? "capacity probe" : "LR sweep"} (${h.cause} ${h.confidence.toFixed(2)})`,
        why:
          name === "capacity"
            ? "whether more parameters help your model is not what a few-million-parameter proxy shows in a few minutes; compare the expected loss in the diagnosis and run the probe at your scale"
            : "the best LR depends on the model's width and batch: a proxy's optimum does not carry over to your model",
        command: cmd,
      });
  }
  return { run, skipped };
}
