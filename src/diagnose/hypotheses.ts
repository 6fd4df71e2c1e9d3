import type { RunAnalysis } from "./analysis.js";
import {
  CAUSES,
  type Cause,
  type Finding,
  type Hypothesis,
  type NextStep,
  type Observation,
} from "./types.js";

/**
 * How much each rule's finding speaks for each cause class (0..1, times the finding's confidence). A finding
 * can support several causes: a plateau is as consistent with bad data as with a schedule that needs a decay —
 * the other findings and the experiments tell them apart.
 */
const SUPPORT: Record<string, Partial<Record<Cause, number>>> = {
  nan: { "training-strategy": 0.5, "pipeline-bug": 0.35, optimizer: 0.25 },
  frozen: { "pipeline-bug": 0.9, optimizer: 0.35 },
  divergence: { "training-strategy": 0.7, optimizer: 0.3, "data-quality": 0.1 },
  spikes: { "training-strategy": 0.45, optimizer: 0.25, "data-quality": 0.25 },
  plateau: { "data-quality": 0.35, "training-strategy": 0.3, capacity: 0.3 },
  "schedule-plateau": { "training-strategy": 0.55, "not-a-problem": 0.5 },
  "lr-too-low": { "training-strategy": 0.85 },
  "lr-too-high": { "training-strategy": 0.85, optimizer: 0.2 },
  overfit: { "data-quality": 0.6, capacity: 0.2 },
  overtraining: { "data-quality": 0.4, "training-strategy": 0.2 },
  memorization: { "data-quality": 0.6 },
  "init-loss": { "pipeline-bug": 0.7 },
  "unigram-plateau": { "pipeline-bug": 0.7, "data-quality": 0.25 },
  "ga-inflation": { "pipeline-bug": 0.45, "not-a-problem": 0.45 },
  "epoch-drops": { "data-quality": 0.6 },
  "eval-on-train": { "pipeline-bug": 0.5 },
  "expected-loss": { capacity: 0.15 },
  "config-lr": { "training-strategy": 0.6 },
  "config-warmup": { "training-strategy": 0.35, optimizer: 0.2 },
  "config-weight-decay": { optimizer: 0.45 },
  "config-batch": { "training-strategy": 0.3 },
  "config-fp16": { "pipeline-bug": 0.45, "training-strategy": 0.2, optimizer: 0.2 },
  "config-vocab": { "pipeline-bug": 0.8 },
  "config-pad-eos": { "pipeline-bug": 0.5, "data-quality": 0.15 },
};

/** Findings that speak against a cause (a run that diverges is a problem, whatever else is true). */
const AGAINST: Record<string, Partial<Record<Cause, number>>> = {
  nan: { "not-a-problem": 0.9 },
  frozen: { "not-a-problem": 0.95, capacity: 0.6, "data-quality": 0.4 },
  spikes: { "not-a-problem": 0.6 },
  "lr-too-high": { "not-a-problem": 0.7 },
  "config-fp16": { "not-a-problem": 0.3 },
  "epoch-drops": { "not-a-problem": 0.4 },
  divergence: { "not-a-problem": 0.9, capacity: 0.4 },
  "lr-too-low": { capacity: 0.4, "not-a-problem": 0.5 },
  memorization: { capacity: 0.5, "pipeline-bug": 0.4 },
  overfit: { "not-a-problem": 0.5 },
  "unigram-plateau": { "not-a-problem": 0.8 },
  "config-vocab": { "not-a-problem": 0.5 },
};

const SEVERITY_WEIGHT = { critical: 1, warning: 0.85, info: 0.6 } as const;

/** The rule name of the observation a corpus audit adds to a run's evidence (see `auditObservation`). */
export const CORPUS_AUDIT_RULE = "corpus-audit";

/** A prior so that a cause with no evidence is not ranked as if it had some. */
const PRIOR = 0.05;

/**
 * Rank the six cause classes for one run: each cause's confidence is a noisy-OR of the findings and
 * observations that support it (weight × confidence × severity), damped by those against it; evidence lists the
 * sentences behind both; `next` is the plateau experiment that settles the question.
 */
export function rankHypotheses(
  a: RunAnalysis,
  findings: Finding[],
  observations: Observation[],
  available: (command: string) => boolean,
): Hypothesis[] {
  const out: Hypothesis[] = [];
  for (const cause of CAUSES) {
    let notSupport = 1 - PRIOR;
    let against = 1;
    const forText: string[] = [];
    const againstText: string[] = [];
    for (const f of findings) {
      const w = SUPPORT[f.rule]?.[cause];
      if (w) {
        notSupport *= 1 - w * f.confidence * SEVERITY_WEIGHT[f.severity];
        forText.push(`${f.rule}: ${f.evidence.summary}`);
      }
      const x = AGAINST[f.rule]?.[cause];
      if (x) {
        against *= 1 - x * f.confidence;
        againstText.push(`${f.rule}: ${f.evidence.summary}`);
      }
    }
    for (const o of observations) {
      if (o.supports?.includes(cause)) {
        notSupport *= 1 - o.weight;
        forText.push(o.text);
      }
      if (o.against?.includes(cause)) {
        against *= 1 - o.weight;
        againstText.push(o.text);
      }
    }
    if (cause === "not-a-problem") {
      const problems = findings.filter(
        (f) =>
          f.severity !== "info" && !["schedule-plateau", "ga-inflation", "expected-loss"].includes(f.rule),
      );
      if (problems.length === 0) {
        notSupport *= 0.5;
        forText.push("no rule found a problem in the curves or the config");
      }
    }
    const confidence = (1 - notSupport) * against;
    out.push({
      cause,
      confidence: Math.round(confidence * 100) / 100,
      evidence_for: forText,
      evidence_against: againstText,
      next: nextStep(cause, a, findings, observations, available),
      run: a.id,
    });
  }
  return out.sort((x, y) => y.confidence - x.confidence);
}

/** Placeholders the user fills in when the run's facts do not say. */
function dataArg(a: RunAnalysis): string {
  return quoteArg(a.facts.data?.path ?? "<DATA>");
}

/** The run's last checkpoint (checkpoint events carry their folder), else a placeholder. */
function checkpointArg(a: RunAnalysis): string {
  let path: string | undefined;
  for (const ev of a.run.events) if (ev.kind === "checkpoint") path = ev.path;
  return quoteArg(path ?? "<CHECKPOINT>");
}

function quoteArg(s: string): string {
  return /^[\w@%+=:,./<>-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

function has(findings: Finding[], rule: string): Finding | undefined {
  return findings.find((f) => f.rule === rule);
}

/** The experiment for each cause; the command name's first word(s) decide availability. */
function nextStep(
  cause: Cause,
  a: RunAnalysis,
  findings: Finding[],
  observations: Observation[],
  available: (command: string) => boolean,
): NextStep {
  const mk = (name: string, args: string, why: string): NextStep => ({
    command: `plateau ${name}${args ? ` ${args}` : ""}`,
    why,
    available: available(name),
  });
  const data = dataArg(a);
  switch (cause) {
    case "data-quality":
      // once the corpus has been audited, the open question is whether its noise costs loss: the ladder's
      // raw-against-selected rungs answer it
      if (
        has(findings, "memorization") ||
        has(findings, "epoch-drops") ||
        has(findings, "overfit") ||
        observations.some((o) => o.rule === CORPUS_AUDIT_RULE)
      )
        return mk(
          "ladder",
          `--data ${data}`,
          "train on growing slices of the data against one held-out set: where validation stops improving tells whether more (or cleaner) data is what the model needs",
        );
      return mk(
        "audit",
        `${data} --out audit/`,
        "measure the corpus (duplicates, boilerplate, language, length, unigram entropy) before blaming the model; then `plateau ladder` compares raw against selected data",
      );
    case "training-strategy":
      if (has(findings, "schedule-plateau") || has(findings, "config-batch"))
        return mk(
          "cooldown",
          `--checkpoint ${checkpointArg(a)}`,
          "decay the LR from the plateau's checkpoint over a fraction of the steps: the gain is what the constant LR was hiding",
        );
      return mk(
        "lr-sweep",
        `--data ${data}`,
        "short runs at a fixed token budget across a log-spaced LR grid show whether the current LR is the limit",
      );
    case "capacity":
      return mk(
        "capacity",
        `--data ${data}`,
        "two or three model sizes on the same data and tokens: if the loss improves with N, the model is the limit",
      );
    case "optimizer":
      return mk(
        "optimizer",
        `--data ${data}`,
        "AdamW against SGD with momentum and Lion, each at its own swept LR, same budget: a different winner points at the optimizer settings",
      );
    case "pipeline-bug":
      if (has(findings, "ga-inflation") && a.gradAccum === undefined)
        return {
          command: `plateau diagnose ${quoteArg(a.run.manifest.source.path ?? "<LOGS>")} --fact grad_accum_steps=${Math.round(a.gaFactor)}`,
          why: "confirm the gradient-accumulation factor so the logged loss is read per token (or upgrade transformers past the 4.46–4.47 logging bug)",
          available: available("diagnose"),
        };
      return mk(
        "overfit",
        `--data ${data} -n 1000 --epochs 10`,
        "a working pipeline drives the loss on 1,000 samples toward 0 in 10 epochs and reproduces them; if it cannot, the bug is in data, labels, masks or the optimizer (MedicalGPT#426)",
      );
    case "not-a-problem": {
      const sp = has(findings, "schedule-plateau");
      // a cooldown answers it unless the schedule-plateau finding already measured what the decay gains
      if (sp ? sp.evidence.decay_gain === undefined : a.learningCurve?.lrKnownConstant)
        return mk(
          "cooldown",
          `--checkpoint ${checkpointArg(a)}`,
          "a short LR decay cashes in what a constant LR leaves on the table; if it does, the plateau was the schedule",
        );
      return mk(
        "doctor",
        `--run ${quoteArg(a.run.manifest.source.path ?? "<LOGS>")}${a.facts.data?.path ? ` --data ${data}` : ""}`,
        sp
          ? "the decay already cashed in the schedule's gain; the whole method (data audit, overfit test, capacity and data probes) shows what would lower the loss further"
          : "run the whole method to confirm: diagnosis, data audit, overfit test and the experiments the ranking calls for",
      );
    }
  }
}
