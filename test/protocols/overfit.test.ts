import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ingestPaths } from "../../src/logs/ingest.js";
import type { Fault } from "../../src/protocols/faults.js";
import { overfitSamples } from "../../src/protocols/overfit.js";
import { quietSession } from "../../src/protocols/session.js";
import { readRunDir } from "../../src/runs/rundir.js";
import { tmpDir } from "../helpers/tmp.js";
import { TINY_TEXTS, tinySettings } from "./helpers.js";

async function overfit(fault?: Fault, epochs = 40) {
  const dir = join(tmpDir(), "run");
  return overfitSamples(
    tinySettings({ epochs, ...(fault ? { fault } : {}) }),
    TINY_TEXTS,
    dir,
    quietSession(),
  );
}

const cause = (r: Awaited<ReturnType<typeof overfit>>, id: string) => r.causes.find((c) => c.cause === id);

describe("overfit test", () => {
  it("passes on a healthy pipeline, with every check ok, and writes a complete run directory", async () => {
    const r = await overfit();
    expect(r.verdict).toBe("pass");
    expect(r.final_loss).toBeLessThan(0.5);
    expect(r.memorization).toBeGreaterThanOrEqual(0.8);
    // the first loss of a random model is ≈ ln V
    expect(Math.abs(r.initial_loss - Math.log(326))).toBeLessThan(0.1);
    expect(r.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(r.checks.every((c) => c.status === "ok")).toBe(true);
    expect(r.causes).toEqual([]);
    // run directory: metrics per step, per-epoch evaluation, samples, report, stored data, TensorBoard events
    const { run } = readRunDir(r.run_dir);
    expect(run.manifest.status).toBe("completed");
    expect(run.manifest.summary?.verdict).toBe("pass");
    expect(run.series.get("train/loss")!.length).toBe(r.training.steps);
    expect(Array.from(run.series.get("memorization/score")!.value)).toEqual(
      r.epochs.map((e) => e.memorization),
    );
    for (const f of ["report.md", "result.json", "samples.jsonl", "protocol.json", "data/train.jsonl"])
      expect(existsSync(join(r.run_dir, f)), f).toBe(true);
    const tf = readdirSync(r.run_dir).filter((f) => f.startsWith("events.out.tfevents."));
    expect(tf).toHaveLength(1);
    // the event file holds what metrics.jsonl holds (read by the independent TensorBoard reader)
    const tb = (await ingestPaths([join(r.run_dir, tf[0])])).runs[0];
    expect(Array.from(tb.series.get("train/loss")!.value)).toEqual(
      Array.from(run.series.get("train/loss")!.value, (v) => Math.fround(v)),
    );
    expect(readFileSync(join(r.run_dir, "report.md"), "utf8")).toMatch(/# Overfit test: PASS/);
  });

  it("fails when the labels are not shifted, and the label check names the cause", async () => {
    const r = await overfit("labels-unshifted", 15);
    expect(r.verdict).toBe("fail");
    // the leak makes the loss collapse while generation reproduces nothing
    expect(r.final_loss).toBeLessThan(0.5);
    expect(r.memorization).toBeLessThan(0.5);
    expect(r.checks.find((c) => c.id === "label-alignment")?.status).toBe("problem");
    expect(cause(r, "labels-unshifted")?.status).toBe("confirmed");
    expect(cause(r, "causal-mask")?.status).toBe("ruled-out");
    expect(r.causes[0].cause).toBe("labels-unshifted");
  });

  it("fails when the causal mask is broken, and the causality check names the cause", async () => {
    const r = await overfit("causal-mask", 15);
    expect(r.verdict).toBe("fail");
    expect(r.checks.find((c) => c.id === "causal-mask")?.status).toBe("problem");
    expect(r.checks.find((c) => c.id === "label-alignment")?.status).toBe("ok");
    expect(r.causes[0]).toMatchObject({ cause: "causal-mask", status: "confirmed" });
  });

  it("fails when the parameters are frozen, and the parameter check names the cause", async () => {
    const r = await overfit("frozen", 15);
    expect(r.verdict).toBe("fail");
    expect(r.final_loss).toBeGreaterThan(0.9 * r.initial_loss);
    const ch = r.checks.find((c) => c.id === "parameters-moved");
    expect(ch?.status).toBe("problem");
    expect(ch?.detail).toMatch(/model\.embed_tokens\.weight/);
    expect(r.causes[0]).toMatchObject({ cause: "frozen", status: "confirmed" });
  });
});
