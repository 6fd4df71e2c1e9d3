import type { Run } from "../runs/run.js";
import type { RunFacts } from "../runs/types.js";
import { type AnalysisOptions, RunAnalysis } from "./analysis.js";
import { rankHypotheses } from "./hypotheses.js";
import { RULES, type Rule } from "./rules/index.js";
import {
  type DiagnosisJson,
  type Finding,
  type Hypothesis,
  type Observation,
  type RunSummaryJson,
  SEVERITY_ORDER,
} from "./types.js";

export interface DiagnoseOptions extends AnalysisOptions {
  /** Facts to add to (or override in) every run's facts, e.g. from `--fact`. */
  facts?: RunFacts;
  /** Whether a plateau command exists in this build (for hypotheses' next steps); default: none do. */
  available?: (command: string) => boolean;
  /** The rules to run (default: all, in RULES order). */
  rules?: Rule[];
}

/** One run's diagnosis, with the analysis the report draws from. */
export interface RunDiagnosis {
  analysis: RunAnalysis;
  findings: Finding[];
  observations: Observation[];
  hypotheses: Hypothesis[];
}

/** Diagnose one run: every rule in order, then the ranked hypotheses. */
export function diagnoseRun(run: Run, opts: DiagnoseOptions = {}): RunDiagnosis {
  const facts = mergeFacts(run.manifest.facts, opts.facts ?? {});
  const a = new RunAnalysis(run, facts, opts);
  const findings: Finding[] = [];
  const observations: Observation[] = [];
  for (const rule of opts.rules ?? RULES) {
    const out = rule.check(a, findings);
    if (out.findings) findings.push(...out.findings);
    if (out.observations) observations.push(...out.observations);
  }
  findings.sort(
    (x, y) =>
      SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity] ||
      y.confidence - x.confidence ||
      x.rule.localeCompare(y.rule),
  );
  const hypotheses = rankHypotheses(a, findings, observations, opts.available ?? (() => false));
  return { analysis: a, findings, observations, hypotheses };
}

/**
 * The same diagnosis with more evidence from outside the logs (a corpus audit, an experiment): the findings stay,
 * the observations grow, and the causes are ranked again.
 */
export function withObservations(
  d: RunDiagnosis,
  extra: Observation[],
  available: (command: string) => boolean = () => false,
): RunDiagnosis {
  const observations = [...d.observations, ...extra];
  return { ...d, observations, hypotheses: rankHypotheses(d.analysis, d.findings, observations, available) };
}

export function diagnoseRuns(runs: Run[], opts: DiagnoseOptions = {}): RunDiagnosis[] {
  return runs.map((r) => diagnoseRun(r, opts));
}

/** The JSON document of `plateau diagnose --json`. */
export function diagnosisJson(ds: RunDiagnosis[]): DiagnosisJson {
  return {
    runs: ds.map((d) => runSummary(d)),
    findings: ds.flatMap((d) => d.findings),
    hypotheses: ds.flatMap((d) => d.hypotheses),
  };
}

function runSummary(d: RunDiagnosis): RunSummaryJson {
  const m = d.analysis.run.manifest;
  return {
    id: m.id,
    source: m.source.path ?? m.source.kind,
    format: m.source.format ?? (m.source.kind === "plateau" ? "plateau-run" : "unknown"),
    series: d.analysis.run.seriesNames(),
    facts: d.analysis.facts as Record<string, unknown>,
  };
}

/** Deep merge of plain objects: `over` wins. */
export function mergeFacts(base: RunFacts, over: RunFacts): RunFacts {
  const out: Record<string, unknown> = structuredClone(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    if (isPlain(v) && isPlain(cur)) out[k] = mergeFacts(cur as RunFacts, v as RunFacts);
    else out[k] = structuredClone(v);
  }
  return out as RunFacts;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
