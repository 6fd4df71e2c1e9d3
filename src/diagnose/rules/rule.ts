import type { RunAnalysis } from "../analysis.js";
import type { Evidence, Finding, Observation, Severity } from "../types.js";

/** What a rule returns: findings (problems, or facts worth a line) and observations for the hypotheses. */
export interface RuleOutput {
  findings?: Finding[];
  observations?: Observation[];
}

/**
 * A diagnosis rule: one module each, a stable id, and a check over one run's analysis. `prior` holds the
 * findings of the rules that ran before (rules run in the order of rules/index.ts), so a rule can stand down
 * when a more specific one already explains the curve (no plateau on a frozen run).
 */
export interface Rule {
  id: string;
  /** One line for --help and the report's method section. */
  title: string;
  check(a: RunAnalysis, prior: Finding[]): RuleOutput;
}

/** Round to 4 significant digits for evidence (the report must stay readable; raw data stays in the run). */
export function sig(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

export function finding(
  a: RunAnalysis,
  rule: string,
  severity: Severity,
  confidence: number,
  summary: string,
  evidence: Omit<Evidence, "run" | "summary"> = {},
  steps: [number, number][] = [],
): Finding {
  const clean: Evidence = { run: a.id, summary };
  for (const [k, v] of Object.entries(evidence)) {
    if (v === undefined) continue;
    clean[k] = typeof v === "number" ? sig(v, 6) : v;
  }
  return {
    rule,
    severity,
    confidence: Math.round(Math.max(0, Math.min(1, confidence)) * 100) / 100,
    evidence: clean,
    steps: steps.map(([f, t]) => [Math.round(f), Math.round(t)] as [number, number]),
  };
}

export function has(prior: Finding[], rule: string): Finding | undefined {
  return prior.find((f) => f.rule === rule);
}

/** "2.81" style numbers in summaries. */
export function f2(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : String(x);
}
export function f3(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : String(x);
}
export function fmtStep(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}
