import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectFormat, ingestPaths } from "../../src/logs/index.js";
import type { Run } from "../../src/runs/run.js";
import { RunWriter } from "../../src/runs/rundir.js";
import { tmpDir } from "../helpers/tmp.js";
import { JSONL, PLAIN_CSV, put, TB_CSV, WANDB_CSV, writeMlruns, writeTfRun } from "./fixtures.js";

const pts = (run: Run, s: string) =>
  run
    .get(s)
    ?.points()
    .map((p) => [p.step, p.value]);

describe("CSV, JSONL, MLflow, TensorBoard runs", () => {
  it("W&B export: one run per `<run> - ` prefix, empty cells absent, __MIN/__MAX kept and explained", async () => {
    const dir = tmpDir();
    const f = put(join(dir, "wandb_export.csv"), WANDB_CSV);
    expect(detectFormat(f)).toBe("wandb-csv");
    const { runs, problems } = await ingestPaths([f]);
    expect(runs.map((r) => r.name)).toEqual(["run-a", "run-b"]);
    expect(pts(runs[0], "train/loss")).toEqual([
      [0, 4.5],
      [100, 3.5],
    ]);
    expect(pts(runs[0], "train/loss__MIN")).toEqual([
      [0, 4.4],
      [100, 3.25],
    ]);
    expect(pts(runs[1], "train/loss")).toEqual([
      [100, 3.75],
      [200, 3],
    ]);
    expect(runs[0].id).not.toBe(runs[1].id);
    expect(problems[0].message).toContain("bucketed");
  });

  it("plain CSV: step column, duplicate steps (last wins), bad cells reported by line", async () => {
    const dir = tmpDir();
    const f = put(join(dir, "metrics.csv"), PLAIN_CSV);
    const { runs, problems } = await ingestPaths([f]);
    const run = runs[0];
    expect(run.name).toBe(`${dir.split("/").at(-1)}/metrics`);
    expect(pts(run, "train/loss")).toEqual([
      [1, 3.5],
      [2, 3.2],
    ]);
    expect(pts(run, "eval/loss")).toEqual([[2, 3.3]]);
    expect(run.get("train/lr")!.at(2).epoch).toBe(0.3);
    expect(problems).toEqual([
      expect.objectContaining({ file: f, line: 5, message: "column `loss`: `x` is not a number" }),
    ]);
  });

  it("TensorBoard's CSV download names its series from the file name", async () => {
    const dir = tmpDir();
    const { runs } = await ingestPaths([put(join(dir, "run-.-tag-train_loss.csv"), TB_CSV)]);
    expect(runs[0].get("train/loss")!.points()).toEqual([
      { step: 1, value: 4.25, wall_time: 1700000000.5 },
      { step: 2, value: 4, wall_time: 1700000001.5 },
    ]);
  });

  it("JSONL: nested and plateau-style values, NaN literals and strings, bad and torn lines", async () => {
    const dir = tmpDir();
    const f = put(join(dir, "history.jsonl"), JSONL);
    const { runs, problems } = await ingestPaths([f]);
    const run = runs[0];
    expect(pts(run, "train/loss")).toEqual([
      [1, 3.5],
      [2, Number.NaN],
      [3, Number.POSITIVE_INFINITY],
    ]);
    expect(run.get("train/loss")!.at(0).wall_time).toBe(1700000000.5);
    expect(pts(run, "eval/loss")).toEqual([[3, 3.3]]);
    expect(problems.map((p) => [p.line, p.severity])).toEqual([
      [4, "warning"],
      [5, "info"],
    ]);
  });

  it("MLflow file store: metric files (nested keys, legacy two-field lines), run name tag, params as facts", async () => {
    const dir = tmpDir();
    writeMlruns(dir);
    const { runs } = await ingestPaths([join(dir, "mlruns")]);
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run.name).toBe("qwen-pt");
    expect(run.manifest.source.format).toBe("mlflow");
    expect(run.get("train/loss")!.points()).toEqual([
      { step: 10, value: 3.5, wall_time: 1700000000 },
      { step: 20, value: 3.25, wall_time: 1700000001 },
      { step: 30, value: Number.NaN, wall_time: 1700000002 },
    ]);
    expect(pts(run, "eval/loss")).toEqual([
      [0, 3.3],
      [20, 3.4],
    ]);
    expect(run.facts).toMatchObject({ grad_accum_steps: 8, lr: { peak: 2e-4 }, precision: "bf16" });
  });

  it("TensorBoard folder: files in name order, a restart supersedes later points, epoch tag as point attribute", async () => {
    const dir = tmpDir();
    writeTfRun(join(dir, "tb/run1"));
    const { runs, problems } = await ingestPaths([join(dir, "tb")]);
    expect(problems).toEqual([]);
    const run = runs[0];
    expect(run.name).toBe("run1");
    expect(run.manifest.source.format).toBe("tfevents");
    expect(pts(run, "train/loss")).toEqual([
      [1, Math.fround(4.9)],
      [2, Math.fround(4.8)],
      [3, Math.fround(3.7)],
      [4, Math.fround(3.6)],
      [5, Math.fround(3.5)],
      [6, Math.fround(3.4)],
    ]);
    expect(run.get("train/lr")!.step).toEqual([1, 2]);
    expect(run.get("train/loss")!.at(0).epoch).toBe(Math.fround(0.1));
    expect(run.events).toEqual([expect.objectContaining({ kind: "resume", step: 3, from_step: 2 })]);
  });

  it("a plateau run directory reads back as itself", async () => {
    const dir = tmpDir();
    const w = RunWriter.create(join(dir, "r1"), { id: "r1", name: "mine" });
    w.log(1, { "train/loss": 3 });
    w.finish("completed");
    const { runs } = await ingestPaths([dir]);
    expect(runs.map((r) => [r.id, r.manifest.source.kind])).toEqual([["r1", "plateau"]]);
  });
});
