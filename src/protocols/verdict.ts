import { type CauseId, type CheckResult, LIKELY_CAUSES } from "./checks.js";

/**
 * The overfit test's verdict. A working pipeline drives the loss on a small set of samples far down in a few
 * epochs AND reproduces those samples when it generates; MedicalGPT's maintainer put it as "1000 samples, 10
 * epochs, watch the loss and the model's output" (MedicalGPT#426). Both halves are needed: a leak of the
 * answer into the input (labels not shifted, a broken causal mask) makes the loss fall to ~0 while greedy
 * generation, which has no future to peek at, reproduces nothing.
 *
 *   loss         final loss on the samples ≤ max_loss nats (0.5: the model gives the right next token a
 *                geometric-mean probability ≥ e^−0.5 ≈ 0.61) OR ≤ max_loss_ratio × the initial loss (0.1: it
 *                removed 90% of the loss it started with — for a from-scratch model the start is ≈ ln V)
 *   memorization greedy continuation of training-block prompts reproduces ≥ min_memorization (0.8) of the
 *                reference tokens at their exact positions
 */
export interface OverfitCriteria {
  max_loss: number;
  max_loss_ratio: number;
  min_memorization: number;
}

export const DEFAULT_CRITERIA: OverfitCriteria = {
  max_loss: 0.5,
  max_loss_ratio: 0.1,
  min_memorization: 0.8,
};

export interface EpochRecord {
  epoch: number;
  step: number;
  /** Mean token loss on the evaluation subset of the training samples. */
  loss: number;
  memorization: number;
  prefix: number;
  /** One decoded generation, for the report. */
  sample?: { prompt: string; completion: string; reference: string };
  seconds?: number;
}

export interface CriterionOutcome {
  name: "loss" | "memorization";
  passed: boolean;
  value: number;
  threshold: string;
}

export interface LikelyCause {
  cause: CauseId;
  description: string;
  /** confirmed: a check found it; likely: the curves' signature points to it and no check ruled it out; ruled-out: a check passed. */
  status: "confirmed" | "likely" | "possible" | "ruled-out";
  evidence: string[];
}

export function judge(
  c: OverfitCriteria,
  initial: number,
  final: number,
  memorization: number,
): { verdict: "pass" | "fail"; outcomes: CriterionOutcome[] } {
  const lossOk = Number.isFinite(final) && (final <= c.max_loss || final <= c.max_loss_ratio * initial);
  const memOk = Number.isFinite(memorization) && memorization >= c.min_memorization;
  return {
    verdict: lossOk && memOk ? "pass" : "fail",
    outcomes: [
      {
        name: "loss",
        passed: lossOk,
        value: final,
        threshold: `≤ ${c.max_loss} nats or ≤ ${c.max_loss_ratio} × initial (${(c.max_loss_ratio * initial).toFixed(3)})`,
      },
      { name: "memorization", passed: memOk, value: memorization, threshold: `≥ ${c.min_memorization}` },
    ],
  };
}

/**
 * The curve signatures, turned into likely causes, then settled by the checks: a check that found a problem
 * confirms its cause; one that passed rules its cause out.
 */
export function likelyCauses(
  c: OverfitCriteria,
  epochs: EpochRecord[],
  checks: CheckResult[],
): LikelyCause[] {
  const out = new Map<CauseId, LikelyCause>();
  const add = (cause: CauseId, status: LikelyCause["status"], evidence: string) => {
    const prev = out.get(cause);
    const rank = { confirmed: 3, likely: 2, possible: 1, "ruled-out": 0 };
    if (!prev) out.set(cause, { cause, description: LIKELY_CAUSES[cause], status, evidence: [evidence] });
    else {
      prev.evidence.push(evidence);
      if (status === "confirmed" || (prev.status !== "ruled-out" && rank[status] > rank[prev.status]))
        prev.status = status;
    }
  };
  const first = epochs[0];
  const last = epochs[epochs.length - 1];
  if (first && last) {
    const drop = (first.loss - last.loss) / first.loss;
    const lossReached = last.loss <= c.max_loss || last.loss <= c.max_loss_ratio * first.loss;
    const f = (x: number) => x.toFixed(3);
    if (!Number.isFinite(first.loss)) {
      add("numerics", "likely", `the loss on the samples is ${first.loss} at step 0, before any update`);
    } else if (!Number.isFinite(last.loss) || last.loss > first.loss * 1.02) {
      add(
        "lr-too-high",
        "likely",
        `the loss went from ${f(first.loss)} to ${f(last.loss)}: it rose or diverged`,
      );
    } else if (lossReached && last.memorization < c.min_memorization) {
      const why = `the loss fell to ${f(last.loss)} but greedy generation reproduces only ${(100 * last.memorization).toFixed(0)}% of the samples: the model saw the answer during training`;
      add("labels-unshifted", "likely", why);
      add("causal-mask", "likely", why);
      add("labels-double-shift", "possible", why);
      add(
        "capacity",
        "possible",
        `memorisation reached ${(100 * last.memorization).toFixed(0)}% (criterion ${(100 * c.min_memorization).toFixed(0)}%): if the leak checks pass, the model is still memorising — more epochs or a larger model`,
      );
    } else if (drop < 0.1) {
      const why = `the loss barely moved (${f(first.loss)} → ${f(last.loss)}, ${(100 * drop).toFixed(1)}%)`;
      add("frozen", "likely", why);
      add("lr-too-low", "likely", why);
    } else if (!lossReached) {
      const why = `the loss fell from ${f(first.loss)} to ${f(last.loss)} (${(100 * drop).toFixed(0)}%) but not to the criterion`;
      add("lr-too-low", "possible", why);
      add("lr-too-high", "possible", why);
      add("labels-double-shift", "possible", why);
      add("capacity", "possible", why);
    }
  }
  for (const ch of checks) {
    if (!ch.cause && ch.status !== "ok") continue;
    if (ch.status === "problem" && ch.cause) add(ch.cause, "confirmed", `${ch.title}: ${ch.detail}`);
    else if (ch.status === "ok") {
      for (const cause of RULES_OUT[ch.id] ?? []) {
        const prev = out.get(cause);
        if (prev && prev.status !== "confirmed") {
          prev.status = "ruled-out";
          prev.evidence.push(`${ch.title}: ${ch.detail}`);
        }
      }
    }
  }
  // a confirmed cause explains the curves: the other causes of the same signature are only possible now
  if ([...out.values()].some((x) => x.status === "confirmed"))
    for (const x of out.values()) if (x.status === "likely") x.status = "possible";
  const order = { confirmed: 0, likely: 1, possible: 2, "ruled-out": 3 };
  return [...out.values()].sort((a, b) => order[a.status] - order[b.status]);
}

/** Which causes a passing check rules out. */
const RULES_OUT: Record<string, CauseId[]> = {
  "label-alignment": ["labels-unshifted", "labels-double-shift"],
  "causal-mask": ["causal-mask"],
  "parameters-moved": ["frozen"],
  "pad-in-loss": ["pad-in-loss"],
  tokenizer: ["tokenizer"],
  "lr-probe": ["lr-too-low", "lr-too-high"],
};
