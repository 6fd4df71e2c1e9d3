/**
 * What a diagnosis says, in the JSON shape `plateau diagnose --json` prints (snake_case, as in the issue):
 *
 *   {"runs": [{"id", "source", "format", "series", "facts"}],
 *    "findings": [{"rule", "severity", "confidence", "evidence", "steps"}],
 *    "hypotheses": [{"cause", "confidence", "evidence_for", "evidence_against", "next": {"command", "why"}}]}
 *
 * Two additions the shape needs to stay unambiguous with several runs or unbuilt commands: a finding's evidence
 * carries the run id and a one-line summary; a hypothesis carries its run id, and its `next` says whether the
 * command exists yet (`available`).
 */

export type Severity = "info" | "warning" | "critical";

export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Evidence: named numbers (and a few strings), always with the run and a sentence a person can read. */
export interface Evidence {
  run: string;
  summary: string;
  [key: string]: number | string | boolean | number[] | null | undefined;
}

export interface Finding {
  /** Stable rule id (`plateau`, `ga-inflation`, `config-fp16`, …). */
  rule: string;
  severity: Severity;
  /** 0..1: how sure the rule is that what it describes is really there. */
  confidence: number;
  evidence: Evidence;
  /** Step ranges [from, to] the finding is about (inclusive), ascending; empty when it is about the config. */
  steps: [number, number][];
}

export const CAUSES = [
  "data-quality",
  "training-strategy",
  "capacity",
  "optimizer",
  "pipeline-bug",
  "not-a-problem",
] as const;
export type Cause = (typeof CAUSES)[number];

export interface NextStep {
  /** A plateau command line, runnable once `available` is true. */
  command: string;
  why: string;
  /** False when the command is planned but not built yet in this version of plateau. */
  available: boolean;
}

export interface Hypothesis {
  cause: Cause;
  confidence: number;
  evidence_for: string[];
  evidence_against: string[];
  next: NextStep;
  run: string;
}

export interface RunSummaryJson {
  id: string;
  source: string;
  format: string;
  series: string[];
  facts: Record<string, unknown>;
}

export interface DiagnosisJson {
  runs: RunSummaryJson[];
  findings: Finding[];
  hypotheses: Hypothesis[];
}

/**
 * A remark a rule makes that is not a problem but bears on a cause (the first loss matches ln V, so the
 * initialisation and label shift look right): it becomes evidence for or against hypotheses, not a finding.
 */
export interface Observation {
  rule: string;
  text: string;
  supports?: Cause[];
  against?: Cause[];
  /** 0..1, how much the remark weighs. */
  weight: number;
}
