import { describe, expect, it } from "vitest";
import { runBenchmark } from "../../src/diagnose/benchmark.js";
import { SCENARIOS, syntheticRun } from "../../src/diagnose/synthetic.js";

// The labelled benchmark at its smallest size (the full grid runs in bench/diagnose.ts): every scenario,
// 2,000-step runs logged every step and every 10 steps, three noise levels.
describe("labelled synthetic benchmark (small grid)", () => {
  it("finds ≥ 95% of the labelled findings and raises no forbidden alarm on healthy runs", () => {
    const r = runBenchmark({ steps: [2000], logEvery: [1, 10], noise: [0.02, 0.08, 0.25], seeds: [0] });
    expect(r.cases.length).toBe(SCENARIOS.length * 6);
    const missed = r.cases.flatMap((c) =>
      c.labels.filter((l) => !l.found).map((l) => `${c.scenario}/${c.logEvery}/${c.noise}:${l.rule}`),
    );
    expect(r.found / r.labels, missed.join(", ")).toBeGreaterThanOrEqual(0.95);
    expect(r.falseAlarms, JSON.stringify(r.cases.filter((c) => c.falseAlarms.length))).toBe(0);
  }, 120_000);
});

describe("synthetic runs", () => {
  it("are deterministic for a seed and differ between seeds", () => {
    const a = syntheticRun({ scenario: "plateau", seed: 3, steps: 500, logEvery: 5, noise: 0.05 });
    const b = syntheticRun({ scenario: "plateau", seed: 3, steps: 500, logEvery: 5, noise: 0.05 });
    const c = syntheticRun({ scenario: "plateau", seed: 4, steps: 500, logEvery: 5, noise: 0.05 });
    expect(a.run.get("train/loss")?.value).toEqual(b.run.get("train/loss")?.value);
    expect(a.run.get("train/loss")?.value).not.toEqual(c.run.get("train/loss")?.value);
    expect(a.run.get("train/loss")?.length).toBe(100);
  });
  it("start near ln V and log what an HF run logs", () => {
    const s = syntheticRun({ scenario: "healthy", seed: 0, steps: 1000, logEvery: 1, noise: 0.02 });
    expect(s.run.get("train/loss")?.value[0]).toBeGreaterThan(11);
    expect(s.run.seriesNames()).toEqual(["train/grad_norm", "train/loss", "train/lr"]);
    expect(s.forbidden).toContain("plateau");
  });
});
