import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeDemoCorpus } from "../../src/data/demo/index.js";
import { fillTemplate, runExternalOverfit } from "../../src/protocols/external.js";
import { quietSession } from "../../src/protocols/session.js";
import { DEFAULT_CRITERIA } from "../../src/protocols/verdict.js";
import { readRunDir } from "../../src/runs/rundir.js";
import { tmpDir } from "../helpers/tmp.js";

const FAKE = join(import.meta.dirname, "../fixtures/protocols/fake-trainer.mjs");
let corpus: string[];
beforeAll(() => {
  corpus = writeDemoCorpus(join(tmpDir("plateau-ext-"), "demo"), { docs: 100, seed: 5 }).files.corpus;
});

function external(mode: string) {
  return runExternalOverfit(
    {
      cmd: `"${process.execPath}" ${FAKE} --train_file_dir {data} --num_train_epochs {epochs} --learning_rate {lr} --output_dir {out} --mode ${mode}`,
      data: corpus,
      n: 16,
      epochs: 3,
      lr: 2e-4,
      seed: 0,
      criteria: DEFAULT_CRITERIA,
      format: "jsonl",
      vocabSize: 151936,
      pollMs: 50,
    },
    { runsDir: tmpDir() },
    quietSession(),
  );
}

describe("overfit test through an external trainer", () => {
  it("fills the template, supervises a healthy trainer, reads its HF logs into the run and passes", async () => {
    const r = await external("healthy");
    expect(r.verdict).toBe("pass");
    // the trainer saw the selected samples in MedicalGPT's format
    const lines = readFileSync(join(r.run_dir, "external-data", "train.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(lines).toHaveLength(16);
    expect(typeof JSON.parse(lines[0]).text).toBe("string");
    // its stdout is kept, its trainer_state.json was read, and every logged step is in metrics.jsonl
    expect(readFileSync(join(r.run_dir, "trainer.stdout.log"), "utf8")).toMatch(/\{'loss': /);
    const state = JSON.parse(readFileSync(join(r.run_dir, "trainer-output", "trainer_state.json"), "utf8"));
    const { run } = readRunDir(r.run_dir);
    expect(Array.from(run.series.get("train/loss")!.value)).toEqual(
      state.log_history.map((e: { loss: number }) => e.loss),
    );
    expect(r.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
    expect(r.final_loss).toBe(state.log_history.at(-1).loss);
    expect(r.checks.find((c) => c.id === "initial-loss")).toBeTruthy();
    expect(existsSync(join(r.run_dir, "report.md"))).toBe(true);
  });

  it("fails a trainer whose loss stays high, with the curve's likely causes", async () => {
    const r = await external("broken");
    expect(r.verdict).toBe("fail");
    expect(r.final_loss).toBeGreaterThan(5);
    expect(r.causes.length).toBeGreaterThan(0);
    expect(readRunDir(r.run_dir).run.manifest.summary?.verdict).toBe("fail");
  });

  it("a trainer that exits non-zero is a clear error naming its stderr log", async () => {
    await expect(external("crash")).rejects.toThrow(/exited with code 1: .*CUDA out of memory/);
  });

  it("shell-quotes values and refuses unknown placeholders", () => {
    const v = { data: "/a b/c", eval_data: "/x", epochs: "10", lr: "2e-4", out: "o'k", n: "5", seed: "0" };
    expect(fillTemplate("t --d {data} --e {epochs} --o {out}", v)).toBe(
      "t --d '/a b/c' --e 10 --o 'o'\\''k'",
    );
    expect(() => fillTemplate("t {model}", v)).toThrow(/unknown placeholder \{model\}/);
  });
});
