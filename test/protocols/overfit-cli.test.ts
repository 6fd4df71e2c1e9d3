import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeDemoCorpus } from "../../src/data/demo/index.js";
import { hfConfigJson } from "../../src/engine/config.js";
import { readRunDir } from "../../src/runs/rundir.js";
import { runCli } from "../helpers/cli.js";
import { tmpDir } from "../helpers/tmp.js";
import { tinySettings } from "./helpers.js";

let corpus: string[];
let config: string;
beforeAll(() => {
  const dir = tmpDir("plateau-ofcli-");
  corpus = writeDemoCorpus(join(dir, "demo"), { docs: 80, seed: 2 }).files.corpus;
  config = join(dir, "tiny.json");
  writeFileSync(config, JSON.stringify(hfConfigJson(tinySettings().model!.config)));
});

const args = (runs: string, epochs: number) => [
  "overfit",
  "--data",
  ...corpus,
  "-n",
  "6",
  "--epochs",
  String(epochs),
  "--config",
  config,
  "--proxy",
  "on",
  "--subvocab",
  "300",
  "--seq",
  "32",
  "--lr",
  "1e-2",
  "--warmup",
  "5",
  "--probes",
  "4",
  "--threads",
  "1",
  "--no-lr-probe",
  "--runs-dir",
  runs,
];

describe("plateau overfit (CLI)", () => {
  it("--json prints the issue's shape; Ctrl-C checkpoints and --resume ends where an uninterrupted run ends", async () => {
    const runs = tmpDir();
    const full = await runCli([...args(runs, 30), "--json"]);
    expect([0, 1]).toContain(full.code);
    const doc = JSON.parse(full.stdout);
    for (const k of [
      "verdict",
      "criteria",
      "initial_loss",
      "final_loss",
      "memorization",
      "epochs",
      "run_dir",
    ])
      expect(doc, k).toHaveProperty(k);
    expect(full.code).toBe(doc.verdict === "pass" ? 0 : 1);

    // the same test in a child process, interrupted with SIGINT once training is under way
    const runs2 = tmpDir();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "../train/cli-child.ts"), ...args(runs2, 30)],
      {
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const t0 = Date.now();
    let runDir = "";
    while (Date.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
      const names = existsSync(runs2) ? readdirSync(runs2) : [];
      if (!names.length) continue;
      runDir = join(runs2, names[0]);
      const m = join(runDir, "metrics.jsonl");
      if (existsSync(m) && readFileSync(m, "utf8").split("\n").length > 12) break;
    }
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/continue with: plateau overfit --resume/);
    expect(readRunDir(runDir).run.manifest.status).toBe("interrupted");

    const resumed = await runCli(["overfit", "--resume", runDir, "--json", "--runs-dir", runs2]);
    expect([0, 1]).toContain(resumed.code);
    const r2 = JSON.parse(resumed.stdout);
    // exact resume: the same epochs, losses and memorisation as the uninterrupted run
    expect(r2.epochs.map((e: { loss: number }) => e.loss)).toEqual(
      doc.epochs.map((e: { loss: number }) => e.loss),
    );
    expect(r2.final_loss).toBe(doc.final_loss);
    expect(r2.memorization).toBe(doc.memorization);
    expect(r2.verdict).toBe(doc.verdict);
  });

  it("bad input is one line and exit 2", async () => {
    const r = await runCli(["overfit", "--runs-dir", tmpDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--data/);
  });
});
