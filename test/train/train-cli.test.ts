import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hfConfigJson } from "../../src/engine/config.js";
import { readRunDir } from "../../src/runs/rundir.js";
import { listCheckpoints } from "../../src/train/checkpoint.js";
import { runCli } from "../helpers/cli.js";
import { tmpDir } from "../helpers/tmp.js";
import { randomBlocks, tinyConfig } from "./helpers.js";

function setup() {
  const dir = tmpDir();
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify(hfConfigJson(tinyConfig().model)));
  const b = randomBlocks(16, 12, 32);
  const rows = Array.from({ length: b.count }, (_, i) => Array.from(b.ids.subarray(i * 12, (i + 1) * 12)));
  const tokens = join(dir, "blocks.json");
  writeFileSync(tokens, JSON.stringify(rows));
  const runs = join(dir, "runs");
  const base = [
    "train",
    "--tokens",
    tokens,
    "--config",
    config,
    "--batch",
    "2",
    "--schedule",
    "constant",
    "--lr",
    "3e-3",
  ];
  return { dir, runs, base };
}

const losses = (runDir: string) => readRunDir(runDir).run.series.get("train/loss")!;

describe("plateau train", () => {
  it("writes a run directory, and --resume continues exactly where an uninterrupted run would be", async () => {
    const { runs, base } = setup();
    const withEval = (steps: number) => [
      ...base,
      ...[
        "--steps",
        String(steps),
        "--eval-every",
        "3",
        "--eval-fraction",
        "0.25",
        "--json",
        "--runs-dir",
        runs,
      ],
    ];
    const full = await runCli(withEval(9));
    expect(full.code, full.stderr).toBe(0);
    const doc = JSON.parse(full.stdout);
    expect(doc.status).toBe("completed");
    const { run } = readRunDir(doc.run);
    expect(run.manifest.protocol).toBe("train");
    expect(run.manifest.facts.model?.architecture).toBe("qwen2");
    expect(run.manifest.facts.tokens_per_step).toBe(2 * 12);
    expect(losses(doc.run).length).toBe(9);
    expect(Array.from(run.series.get("eval/loss")!.step)).toEqual([0, 3, 6, 9]);
    expect(existsSync(join(doc.run, "samples.jsonl"))).toBe(true);
    expect(listCheckpoints(join(doc.run, "checkpoints")).map((c) => c.step)).toEqual([9]);
    // the checkpoint is a HF model directory plateau eval reads
    const ev = await runCli(["eval", "--checkpoint", doc.run, "--tokens", base[2], "--json"]);
    expect(ev.code, ev.stderr).toBe(0);

    const short = await runCli(withEval(5));
    const first = JSON.parse(short.stdout);
    const resumed = await runCli([
      "train",
      "--resume",
      first.run,
      "--steps",
      "9",
      "--json",
      "--runs-dir",
      runs,
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(Array.from(losses(first.run).value)).toEqual(Array.from(losses(doc.run).value));
  });

  it("Ctrl-C writes a checkpoint, marks the run interrupted, and --resume finishes it", async () => {
    const { runs, base } = setup();
    const args = [...base, "--steps", "400", "--runs-dir", runs];
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "cli-child.ts"), ...args],
      {
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    // wait for the run to make progress, then interrupt
    const started = Date.now();
    let runDir = "";
    while (Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 100));
      const names = existsSync(runs) ? readdirSync(runs) : [];
      if (names.length && existsSync(join(runs, names[0], "metrics.jsonl"))) {
        runDir = join(runs, names[0]);
        if (readFileSync(join(runDir, "metrics.jsonl"), "utf8").split("\n").length > 3) break;
      }
    }
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/Ctrl-C: finishing this step/);
    expect(stderr).toMatch(/continue with: plateau train --resume/);
    const { run } = readRunDir(runDir);
    expect(run.manifest.status).toBe("interrupted");
    const ck = listCheckpoints(join(runDir, "checkpoints"));
    expect(ck).toHaveLength(1);
    const stoppedAt = ck[0].step;
    expect(stoppedAt).toBeGreaterThan(1);
    expect(stoppedAt).toBeLessThan(400);
    const resumed = await runCli([
      "train",
      "--resume",
      runDir,
      "--steps",
      String(stoppedAt + 2),
      "--json",
      "--runs-dir",
      runs,
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).steps).toBe(stoppedAt + 2);
    expect(readRunDir(runDir).run.manifest.status).toBe("completed");
  });

  it("kill -9 at any moment leaves a loadable checkpoint, and --resume matches the uninterrupted run", async () => {
    const { runs, base } = setup();
    const args = [...base, "--steps", "30", "--checkpoint-every", "1", "--keep", "3", "--runs-dir", runs];
    const full = await runCli([...args, "--json"]);
    const fullLosses = Array.from(losses(JSON.parse(full.stdout).run).value);
    const killedRuns = join(runs, "killed");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "cli-child.ts"), ...args.slice(0, -1), killedRuns],
      { stdio: "ignore" },
    );
    // kill while it is checkpointing every step: whatever was being written, the newest complete one loads
    const started = Date.now();
    let runDir = "";
    while (Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 25));
      const names = existsSync(killedRuns) ? readdirSync(killedRuns) : [];
      if (names.length) runDir = join(killedRuns, names[0]);
      if (runDir && listCheckpoints(join(runDir, "checkpoints")).length >= 2) break;
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const resumed = await runCli(["train", "--resume", runDir, "--json", "--runs-dir", killedRuns]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(Array.from(losses(runDir).value)).toEqual(fullLosses);
    // leftovers of the interrupted write are gone, and only the newest checkpoints are kept
    expect(readdirSync(join(runDir, "checkpoints")).filter((n) => n.startsWith("."))).toEqual([]);
    expect(listCheckpoints(join(runDir, "checkpoints")).map((c) => c.step)).toEqual([28, 29, 30]);
  });

  it("trains on a text corpus with the Qwen tokenizer's sub-vocabulary sized to the model, or on bytes", async () => {
    const { dir, runs } = setup();
    const corpus = join(dir, "notes.txt");
    writeFileSync(corpus, `${"The patient presented with fever and a persistent cough.\n".repeat(60)}`);
    const common = [
      "train",
      "--corpus",
      corpus,
      "--seq",
      "16",
      "--batch",
      "2",
      "--steps",
      "2",
      "--json",
      "--runs-dir",
      runs,
    ];
    const config = join(dir, "small.json");
    writeFileSync(config, JSON.stringify({ ...hfConfigJson(tinyConfig().model), vocab_size: 300 }));
    const q = await runCli([...common, "--config", config]);
    expect(q.code, q.stderr).toBe(0);
    const facts = readRunDir(JSON.parse(q.stdout).run).run.manifest.facts;
    expect(facts.tokenizer?.name).toBe("qwen2[:300]");
    expect(facts.vocab_size).toBe(facts.tokenizer?.vocab_size);
    const b = await runCli([...common, "--tokenizer", "bytes", "--prompt", "The patient"]);
    expect(b.code, b.stderr).toBe(0);
    const run = JSON.parse(b.stdout).run;
    expect(readRunDir(run).run.manifest.facts.vocab_size).toBe(257);
    const sample = JSON.parse(readFileSync(join(run, "samples.jsonl"), "utf8").trim().split("\n")[0]);
    expect(sample.prompt).toBe("The patient");
  });

  it("needs exactly one data source", async () => {
    const { runs } = setup();
    const r = await runCli(["train", "--runs-dir", runs], { NO_COLOR: "1" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exactly one of --tokens or --corpus/);
  });
});
