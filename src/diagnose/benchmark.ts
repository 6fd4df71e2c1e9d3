import { diagnoseRun } from "./diagnose.js";
import { SCENARIOS, type Scenario, type SyntheticLabel, syntheticRun } from "./synthetic.js";
import type { Finding } from "./types.js";

/**
 * The labelled benchmark: synthetic runs of every scenario across lengths, logging intervals and noise levels.
 * A label is found when a finding of its rule exists whose step ranges (if both have them) overlap the label's
 * range widened by 10% of the run; a false alarm is a forbidden rule firing (plateau, divergence or spikes on a
 * healthy run, …).
 */

export interface BenchmarkGrid {
  scenarios?: readonly Scenario[];
  steps: number[];
  logEvery: number[];
  noise: number[];
  seeds: number[];
  /** Skip combinations that log fewer points than this (default 100). */
  minPoints?: number;
}

export const FULL_GRID: BenchmarkGrid = {
  steps: [2_000, 20_000, 200_000],
  logEvery: [1, 10, 100],
  noise: [0.02, 0.08, 0.25],
  seeds: [0, 1],
};

export interface BenchmarkCase {
  scenario: Scenario;
  seed: number;
  steps: number;
  logEvery: number;
  noise: number;
  points: number;
  labels: { rule: string; found: boolean }[];
  falseAlarms: string[];
  seconds: number;
}

export interface BenchmarkResult {
  cases: BenchmarkCase[];
  labels: number;
  found: number;
  falseAlarms: number;
  /** Per rule: labels and found. */
  byRule: Map<string, { labels: number; found: number }>;
  /** Per scenario × noise: labels and found. */
  byScenarioNoise: Map<string, { labels: number; found: number; falseAlarms: number }>;
}

export function labelFound(label: SyntheticLabel, findings: Finding[], steps: number): boolean {
  const tol = 0.1 * steps;
  return findings.some((f) => {
    if (f.rule !== label.rule) return false;
    if (label.from === undefined || label.to === undefined || f.steps.length === 0) return true;
    return f.steps.some(([a, b]) => a <= (label.to as number) + tol && b >= (label.from as number) - tol);
  });
}

export function runBenchmark(grid: BenchmarkGrid, onCase?: (c: BenchmarkCase) => void): BenchmarkResult {
  const cases: BenchmarkCase[] = [];
  const byRule = new Map<string, { labels: number; found: number }>();
  const byScenarioNoise = new Map<string, { labels: number; found: number; falseAlarms: number }>();
  for (const scenario of grid.scenarios ?? SCENARIOS) {
    for (const steps of grid.steps) {
      for (const logEvery of grid.logEvery) {
        const points = Math.floor(steps / logEvery);
        if (points < (grid.minPoints ?? 100)) continue;
        for (const noise of grid.noise) {
          for (const seed of grid.seeds) {
            const t0 = performance.now();
            const s = syntheticRun({ scenario, seed, steps, logEvery, noise });
            const d = diagnoseRun(s.run);
            const seconds = (performance.now() - t0) / 1000;
            const labels = s.labels.map((l) => ({ rule: l.rule, found: labelFound(l, d.findings, steps) }));
            const falseAlarms = s.forbidden.filter((r) => d.findings.some((f) => f.rule === r));
            const c: BenchmarkCase = {
              scenario,
              seed,
              steps,
              logEvery,
              noise,
              points,
              labels,
              falseAlarms,
              seconds,
            };
            cases.push(c);
            onCase?.(c);
            for (const l of labels) {
              const r = byRule.get(l.rule) ?? { labels: 0, found: 0 };
              r.labels++;
              if (l.found) r.found++;
              byRule.set(l.rule, r);
            }
            const key = `${scenario}|${noise}`;
            const sn = byScenarioNoise.get(key) ?? { labels: 0, found: 0, falseAlarms: 0 };
            sn.labels += labels.length;
            sn.found += labels.filter((l) => l.found).length;
            sn.falseAlarms += falseAlarms.length;
            byScenarioNoise.set(key, sn);
          }
        }
      }
    }
  }
  const all = cases.flatMap((c) => c.labels);
  return {
    cases,
    labels: all.length,
    found: all.filter((l) => l.found).length,
    falseAlarms: cases.reduce((s, c) => s + c.falseAlarms.length, 0),
    byRule,
    byScenarioNoise,
  };
}
