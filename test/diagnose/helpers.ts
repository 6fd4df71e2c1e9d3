import { Run } from "../../src/runs/run.js";
import type { RunFacts } from "../../src/runs/types.js";

/** A run built point by point for rule tests: series as [step, value] pairs. */
export function makeRun(series: Record<string, [number, number][]>, facts: RunFacts = {}, id = "t"): Run {
  const run = Run.imported({
    id,
    name: id,
    source: { kind: "import", format: "test", path: `/logs/${id}` },
    facts,
  });
  for (const [name, pts] of Object.entries(series))
    for (const [step, value] of pts) run.addPoint(name, { step, value });
  return run;
}

/** n points of f(step) at steps every k, starting at k. */
export function curve(n: number, k: number, f: (step: number, i: number) => number): [number, number][] {
  return Array.from({ length: n }, (_, i) => [(i + 1) * k, f((i + 1) * k, i)] as [number, number]);
}
