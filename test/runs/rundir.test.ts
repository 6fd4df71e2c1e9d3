import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRun, listRuns, newRunId } from "../../src/runs/root.js";
import { RunTailer, RunWriter, readRunDir } from "../../src/runs/rundir.js";
import { tmpDir } from "../helpers/tmp.js";

describe("run directory", () => {
  it("round-trips facts, series (with non-finite values), events and samples", () => {
    const root = tmpDir();
    const dir = join(root, "r1");
    const w = RunWriter.create(dir, {
      id: "r1",
      name: "overfit demo",
      protocol: "overfit",
      facts: { model: { architecture: "qwen2", params: 5050624 }, vocab_size: 8192, tokens_per_step: 2048 },
    });
    w.log(0, { "train/loss": 9.01, "train/lr": 0 }, { tokens: 0, epoch: 0 });
    w.log(1, { "train/loss": 8.5, "train/lr": 1e-4, "train/grad_norm": 1.25 }, { tokens: 2048, epoch: 0.1 });
    w.log(2, { "train/loss": Number.NaN, "train/grad_norm": Number.POSITIVE_INFINITY }, { tokens: 4096 });
    w.event({ kind: "checkpoint", step: 2, path: "checkpoints/step-2" });
    w.log(2, { "eval/loss": 8.7 });
    w.sample({ step: 2, prompt: "Once", completion: " upon", reference: " upon a", score: 0.5 });
    w.updateFacts({ data: { documents: 1000 } });
    w.setSummary({ verdict: "pass" });
    w.finish("completed");

    const { run, problems } = readRunDir(dir);
    expect(problems).toEqual([]);
    expect(run.manifest.status).toBe("completed");
    expect(run.manifest.protocol).toBe("overfit");
    expect(run.facts.model?.params).toBe(5050624);
    expect(run.facts.data?.documents).toBe(1000);
    expect(run.facts.vocab_size).toBe(8192);
    expect(run.manifest.summary).toEqual({ verdict: "pass" });
    expect(run.seriesNames()).toEqual(["eval/loss", "train/grad_norm", "train/loss", "train/lr"]);
    const loss = run.get("train/loss")!;
    expect(loss.step).toEqual([0, 1, 2]);
    expect(loss.value.slice(0, 2)).toEqual([9.01, 8.5]);
    expect(Number.isNaN(loss.value[2])).toBe(true);
    expect(loss.at(1)).toMatchObject({ step: 1, value: 8.5, tokens: 2048, epoch: 0.1 });
    expect(loss.at(2).epoch).toBeUndefined();
    expect(run.get("train/grad_norm")!.value).toEqual([1.25, Number.POSITIVE_INFINITY]);
    expect(run.events.map((e) => e.kind)).toEqual(["checkpoint", "sample"]);
    // On disk, NaN is spelled as Python spells it, so the file stays valid JSON Lines.
    expect(readFileSync(join(dir, "metrics.jsonl"), "utf8")).toContain('"train/loss":"NaN"');
  });

  it("reads back a file whose last line is torn, and keeps appending cleanly after it", () => {
    const dir = join(tmpDir(), "torn");
    const w = RunWriter.create(dir, { id: "torn", name: "torn" });
    for (let s = 0; s < 5; s++) w.log(s, { "train/loss": 5 - s });
    w.finish("failed");
    // A crash in the middle of writing step 5.
    appendFileSync(join(dir, "metrics.jsonl"), '{"step":5,"wall_time":17000,"values":{"train/lo');
    const first = readRunDir(dir);
    expect(first.problems).toEqual([]);
    expect(first.run.get("train/loss")!.step).toEqual([0, 1, 2, 3, 4]);

    // Resuming from the step-3 checkpoint supersedes step 4 and starts on a fresh line.
    const w2 = RunWriter.resume(dir, 3);
    w2.log(4, { "train/loss": 0.75 });
    w2.log(5, { "train/loss": 0.5 });
    w2.finish("completed");
    const second = readRunDir(dir);
    // The torn fragment is now a complete but invalid line in the middle: reported with its line number.
    expect(second.problems).toHaveLength(1);
    expect(second.problems[0].line).toBe(6);
    const loss = second.run.get("train/loss")!;
    expect(loss.step).toEqual([0, 1, 2, 3, 4, 5]);
    expect(loss.value).toEqual([5, 4, 3, 2, 0.75, 0.5]);
    expect(second.run.manifest.status).toBe("completed");
  });

  it("lets a reader follow a writer in another process without ever seeing half a record", async () => {
    const dir = join(tmpDir(), "live");
    const n = 3000;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/helpers/run-writer-child.ts", dir, String(n)],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number>((res) => child.on("exit", (c) => res(c ?? -1)));

    // Wait for run.json, then poll while the writer appends.
    let tailer: RunTailer | undefined;
    let polls = 0;
    let done = false;
    exited.then(() => (done = true));
    while (!done || !tailer) {
      try {
        tailer ??= new RunTailer(dir);
      } catch {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      tailer.poll();
      polls++;
      const loss = tailer.run.get("train/loss");
      if (loss) {
        // Always a contiguous prefix 0..k-1: nothing lost, nothing half-read.
        expect(loss.step[loss.length - 1]).toBe(loss.length - 1);
      }
      expect(tailer.problems).toEqual([]);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await exited, stderr).toBe(0);
    tailer.poll();
    expect(tailer.run.get("train/loss")!.length).toBe(n);
    expect(tailer.run.get("extra/metric_39")!.value[n - 1]).toBeCloseTo(39.123456789, 12);
    expect(polls).toBeGreaterThan(1);
    expect(tailer.refreshManifest().status).toBe("completed");
  });
});

describe("runs root", () => {
  it("lists runs newest first with nested child runs, and finds them by id, prefix or path", () => {
    const root = tmpDir();
    const a = RunWriter.create(join(root, "a"), { id: "20261101-000000-a-0001", name: "a" });
    a.finish("completed");
    const b = RunWriter.create(join(root, "b"), {
      id: "20261102-000000-ladder-0002",
      name: "ladder",
      protocol: "ladder",
    });
    const rung = RunWriter.create(join(root, "b", "rung-1k"), {
      id: "rung-1k",
      name: "rung 1k",
      parent: b.manifest.id,
    });
    rung.finish("completed");
    // b is left "running" but its writer (this process) is alive.
    writeFileSync(join(root, "not-a-run.txt"), "x");
    const { runs, problems } = listRuns(root);
    expect(problems).toEqual([]);
    expect(runs.map((r) => r.manifest.name).sort()).toEqual(["a", "ladder"]);
    const ladder = runs.find((r) => r.manifest.name === "ladder")!;
    expect(ladder.status).toBe("running");
    expect(ladder.children.map((c) => c.manifest.id)).toEqual(["rung-1k"]);
    expect(findRun(root, "20261101-000000-a-0001")).toBe(join(root, "a"));
    expect(findRun(root, "rung-1")).toBe(join(root, "b", "rung-1k"));
    expect(findRun(root, join(root, "a"))).toBe(join(root, "a"));
    expect(() => findRun(root, "2026")).toThrow(/ambiguous/);
    expect(() => findRun(root, "zzz")).toThrow(/no run/);
  });

  it("reports a run whose writer died as interrupted", () => {
    const root = tmpDir();
    RunWriter.create(join(root, "dead"), { id: "dead", name: "dead" });
    const m = JSON.parse(readFileSync(join(root, "dead", "run.json"), "utf8"));
    m.pid = 2 ** 22 + 12345; // above Linux's pid_max default: no such process
    writeFileSync(join(root, "dead", "run.json"), JSON.stringify(m));
    expect(listRuns(root).runs[0].status).toBe("interrupted");
  });

  it("names a broken run.json by file and field", () => {
    const root = tmpDir();
    RunWriter.create(join(root, "x"), { id: "x", name: "x" }).finish("completed");
    const m = JSON.parse(readFileSync(join(root, "x", "run.json"), "utf8"));
    m.status = "exploded";
    writeFileSync(join(root, "x", "run.json"), JSON.stringify(m));
    const { runs, problems } = listRuns(root);
    expect(runs).toEqual([]);
    expect(problems[0]).toMatch(/x\/run\.json: status: /);
  });

  it("makes sortable, readable ids", () => {
    const id = newRunId("Overfit test: Qwen2 (bench-5m)", new Date(2026, 10, 29, 9, 5, 7));
    expect(id).toMatch(/^20261129-090507-overfit-test-qwen2-bench-5m-[0-9a-f]{4}$/);
  });
});
