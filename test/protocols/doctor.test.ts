import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeDemoRunLog } from "../../src/diagnose/demo.js";
import { planExperiments, runDoctor } from "../../src/protocols/doctor.js";
import { quietSession } from "../../src/protocols/session.js";
import { tmpDir } from "../helpers/tmp.js";

describe("plateau doctor", () => {
  it("on logs alone: diagnoses, says what it skipped and why, and writes the three reports", async () => {
    const dir = tmpDir();
    const log = writeDemoRunLog(join(dir, "run"));
    const r = await runDoctor(
      {
        run: [log.dir],
        data: [],
        model: null,
        overfit: { n: 8, epochs: 2, seqLen: 32 },
        experiments: 2,
        experimentTokens: 1000,
        seqLen: 32,
        available: () => true,
      },
      { runsDir: join(dir, "runs") },
      quietSession(),
    );
    expect(r.diagnosis?.findings.map((f) => f.rule)).toContain("ga-inflation");
    expect(r.skipped.map((s) => s.what)).toContain("audit, overfit test and experiments");
    expect(r.overfit).toBeUndefined();
    expect(r.answer.summary).toMatch(/not tested/);
    expect(r.answer.next.length).toBeGreaterThan(0);
    for (const f of ["report.html", "report.md", "doctor.json"])
      expect(existsSync(join(r.run_dir, f)), f).toBe(true);
    expect(readFileSync(join(r.run_dir, "report.md"), "utf8")).toMatch(/# Why is my loss stuck/);
    expect(readFileSync(join(r.run_dir, "report.html"), "utf8")).toMatch(
      /<script type="application\/json" id="plateau-charts">/,
    );
  });

  it("plans the experiments of the most likely causes, once each, none below 0.2", () => {
    const h = (cause: string, confidence: number, command: string) => ({
      cause,
      confidence,
      evidence_for: [],
      evidence_against: [],
      next: { command, why: "w", available: true },
      run: "r",
    });
    const plan = planExperiments(
      [
        h("training-strategy", 0.8, "plateau cooldown --checkpoint x"),
        h("pipeline-bug", 0.7, "plateau overfit --data d"),
        h("not-a-problem", 0.6, "plateau cooldown --checkpoint x"),
        h("capacity", 0.5, "plateau capacity --data d"),
        h("optimizer", 0.1, "plateau optimizer --data d"),
      ] as never,
      3,
    );
    expect(plan.map((p) => p.protocol)).toEqual(["cooldown", "capacity"]);
  });
});
