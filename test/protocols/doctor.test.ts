import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeDemoCorpus } from "../../src/data/demo/index.js";
import { writeDemoRunLog } from "../../src/diagnose/demo.js";
import { diagnoseRuns, withObservations } from "../../src/diagnose/diagnose.js";
import { ingestPaths } from "../../src/logs/ingest.js";
import { rankedCauses, runDoctor, storedDoctorSettings } from "../../src/protocols/doctor.js";
import { auditObservation, planDoctorExperiments } from "../../src/protocols/doctor-evidence.js";
import { quietSession } from "../../src/protocols/session.js";
import type { UserError } from "../../src/util/errors.js";
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

  it("runs only what a proxy can settle, most likely cause first, and hands the rest back as commands", () => {
    const h = (cause: string, confidence: number, command: string) => ({
      cause,
      confidence,
      evidence_for: [],
      evidence_against: [],
      next: { command, why: "w", available: true },
      run: "r",
    });
    const hs = [
      h("not-a-problem", 0.8, "plateau cooldown --checkpoint x"),
      h("pipeline-bug", 0.7, "plateau overfit --data d"),
      h("data-quality", 0.6, "plateau ladder --data d"),
      h("capacity", 0.5, "plateau capacity --data d"),
      h("optimizer", 0.3, "plateau optimizer --data d"),
      h("training-strategy", 0.1, "plateau lr-sweep --data d"),
    ] as never;
    const plan = planDoctorExperiments(hs, 1);
    expect(plan.run.map((p) => p.protocol)).toEqual(["ladder"]);
    expect(plan.skipped.map((s) => s.command)).toEqual([
      "plateau cooldown --checkpoint x",
      "plateau capacity --data d",
      "plateau optimizer --data d",
    ]);
    expect(plan.skipped[0].why).toMatch(/checkpoint/);
    expect(plan.skipped[2].why).toMatch(/at most 1 experiment/);
    // a time budget: the ladder (60 s) fits in 100 s, the optimizer (90 s more) does not
    const budgeted = planDoctorExperiments(hs, 3, {
      seconds: 100,
      cost: (p) => (p === "ladder" ? 60 : 90),
    });
    expect(budgeted.run.map((p) => p.protocol)).toEqual(["ladder"]);
    expect(budgeted.skipped.at(-1)?.why).toMatch(/about 90 s, past the doctor's experiment budget of 100 s/);
  });

  it("ranks the corpus alone by its audit when there are no logs", () => {
    const noisy = rankedCauses([], {
      rule: "corpus-audit",
      text: "t",
      supports: ["data-quality"],
      weight: 0.5,
    });
    // noisy-OR with the 0.05 prior: 1 − 0.95 × 0.5
    expect(noisy.map((x) => [x.cause, x.confidence])).toEqual([["data-quality", 0.53]]);
    expect(
      rankedCauses([], { rule: "corpus-audit", text: "t", against: ["data-quality"], weight: 0.4 }),
    ).toEqual([]);
  });
});

describe("the audit as evidence", () => {
  const summary = (docs: number, flagged: number) =>
    ({
      totals: { docs, flagged, kept: docs - flagged, chars: 0, bytes: 0, bad_input: 0 },
      noise: { duplicate: { docs: flagged, fraction: flagged / docs, flags: {}, examples: [] } },
      duplicates: {
        exact: flagged,
        near: 0,
        clusters: 1,
        largest: [],
        index: { keys: 0, bytes: 0, full_at: null },
      },
    }) as never;

  it("weighs the flagged share (×1.6, capped at 0.85) for data quality, and a clean corpus against it", () => {
    expect(auditObservation(summary(1000, 250))).toMatchObject({ supports: ["data-quality"], weight: 0.4 });
    expect(auditObservation(summary(1000, 900)).weight).toBe(0.85);
    expect(auditObservation(summary(1000, 10))).toMatchObject({ against: ["data-quality"] });
  });

  it("re-ranks the demo run: a noisy corpus lifts data quality and its next step becomes the ladder", async () => {
    const dir = tmpDir();
    const log = writeDemoRunLog(join(dir, "run"));
    const [d] = diagnoseRuns((await ingestPaths([log.dir])).runs, { available: () => true });
    const before = d.hypotheses.find((h) => h.cause === "data-quality");
    const after = withObservations(d, [auditObservation(summary(2000, 899))], () => true).hypotheses.find(
      (h) => h.cause === "data-quality",
    );
    expect(before && after).toBeTruthy();
    expect(after?.confidence).toBeGreaterThan((before?.confidence ?? 1) + 0.2);
    expect(after?.next.command).toMatch(/^plateau ladder /);
    expect(after?.evidence_for.some((t) => t.startsWith("corpus audit: 899 of 2000"))).toBe(true);
  });
});

describe("plateau doctor on a corpus", () => {
  const settings = (data: string[]) => ({
    run: [],
    data,
    model: null,
    overfit: { n: 8, epochs: 2, seqLen: 32 },
    experiments: 2,
    experimentTokens: 1500,
    heldOut: 8,
    seqLen: 32,
    threads: 1,
    available: () => true,
  });

  it("ranks the corpus by its audit, runs the ladder, and --resume after Ctrl-C gives the uninterrupted answer", {
    timeout: 180_000,
  }, async () => {
    const dir = tmpDir();
    const corpus = writeDemoCorpus(join(dir, "demo"), { docs: 400 });
    const data = corpus.files.corpus;
    const whole = await runDoctor(settings(data), { runsDir: dir, out: join(dir, "whole") }, quietSession());
    expect(whole.interrupted).toBe(false);
    expect(whole.experiments.map((e) => e.protocol)).toEqual(["ladder"]);
    expect(whole.answer.causes.some((c) => c.startsWith("corpus audit:"))).toBe(true);
    expect(whole.answer.next.some((n) => n.startsWith("clean the corpus"))).toBe(true);

    // Ctrl-C once the audit's pass (which also selects the overfit samples) is done: nothing is trained, the
    // run says it was interrupted, and the resumed run trains on the samples stored then
    const cut = join(dir, "cut");
    const first = await runDoctor(
      settings(data),
      { runsDir: dir, out: cut },
      quietSession(() => existsSync(join(cut, "audit", "summary.json"))),
    );
    expect(first.interrupted).toBe(true);
    expect(first.overfit).toBeUndefined();
    expect(first.experiments).toEqual([]);
    expect(existsSync(join(cut, "overfit", "data", "train.jsonl"))).toBe(true);
    const stored = storedDoctorSettings(cut);
    const resumed = await runDoctor(
      { ...stored, available: () => true },
      { runsDir: dir, resume: cut },
      quietSession(),
    );
    expect(resumed.interrupted).toBe(false);
    const vals = (r: typeof whole) => r.experiments.flatMap((e) => e.result.points.map((p) => p.val_loss));
    expect(vals(resumed)).toEqual(vals(whole));
    expect(resumed.overfit?.final_loss).toBe(whole.overfit?.final_loss);
  });
});

describe("plateau doctor on bad input", () => {
  const base = {
    run: [],
    model: null,
    overfit: { n: 4, epochs: 1, seqLen: 32 },
    experiments: 1,
    experimentTokens: 500,
    seqLen: 32,
    available: () => true,
  };

  it("names a missing path before it creates anything", async () => {
    const dir = tmpDir();
    const err = await runDoctor(
      { ...base, data: [join(dir, "nope.jsonl")] },
      { runsDir: join(dir, "runs") },
      quietSession(),
    ).catch((e: UserError) => e);
    expect((err as UserError).oneLine()).toMatch(/nope\.jsonl: --data: no such file or directory$/);
    expect(existsSync(join(dir, "runs"))).toBe(false);
  });

  it("marks its run failed when a step fails (a corpus with no usable document)", async () => {
    const dir = tmpDir();
    const corpus = join(dir, "c.jsonl");
    writeFileSync(corpus, '{not json\n{"text": 5}\n');
    const out = join(dir, "doctor");
    await expect(
      runDoctor({ ...base, data: [corpus] }, { runsDir: dir, out }, quietSession()),
    ).rejects.toThrow(/no usable document/);
    expect(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).status).toBe("failed");
  });
});
