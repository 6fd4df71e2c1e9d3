import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeDemoCorpus } from "../../src/data/demo/index.js";
import { type ExternalLrSweepSettings, runExternalLrSweep } from "../../src/protocols/external-lr-sweep.js";
import { quietSession } from "../../src/protocols/session.js";
import { readRunDir } from "../../src/runs/rundir.js";
import { runCli } from "../helpers/cli.js";
import { tmpDir } from "../helpers/tmp.js";

const FAKE = join(import.meta.dirname, "../fixtures/protocols/fake-lr-trainer.mjs");
const TEMPLATE = `"${process.execPath}" ${FAKE} --train_file_dir {data} --validation_file_dir {eval_data} --num_train_epochs {epochs} --learning_rate {lr} --output_dir {out} --docs {n} --seed {seed}`;
let corpus: string[];
beforeAll(() => {
  corpus = writeDemoCorpus(join(tmpDir("plateau-extlr-"), "demo"), { docs: 100, seed: 7 }).files.corpus;
});

function settings(extra: string, lrs: number[]): ExternalLrSweepSettings {
  return {
    engine: "external",
    cmd: `${TEMPLATE} ${extra}`,
    data: corpus,
    n: 12,
    heldOut: 4,
    lrs,
    epochs: 2,
    seed: 3,
    format: "jsonl",
    pollMs: 50,
  };
}

const argvOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "trainer-output", "argv.json"), "utf8")) as {
    args: string[];
    docs: number;
    valDocs: number;
  };

describe("LR sweep through an external trainer", () => {
  it("picks the best LR on the eval loss, marks the diverged one, records a crashed LR and goes on", async () => {
    // a folder with a space and a quote: every path placeholder must arrive as one argument
    const out = join(tmpDir(), "sweep o'k");
    const lrs = [1e-4, 1e-3, 3e-3, 1e-2, 1e-1];
    const r = await runExternalLrSweep(
      settings("--crash_lr 3e-3", lrs),
      { runsDir: tmpDir(), out },
      quietSession(),
    );
    expect(r.status).toBe("completed");
    expect(r.judged_on).toBe("eval");
    expect(r.best?.lr).toBe(1e-3);
    expect(r.at_edge).toBe(false);
    expect(r.conclusion).toMatch(/^best LR 1\.00e-3 \(val 2\.1\d\d\) \(judged on the trainer's eval loss/);
    const byLr = new Map(r.points.map((p) => [Number(p.values?.lr), p]));
    expect(byLr.get(1e-1)?.diverged).toBe(true);
    expect(byLr.get(1e-1)?.status).toBe("completed");
    for (const lr of [1e-4, 1e-3, 1e-2]) expect(byLr.get(lr)?.diverged, String(lr)).toBe(false);
    const crashed = byLr.get(3e-3)!;
    expect(crashed.status).toBe("failed");
    expect(crashed.error).toMatch(/exited with code 1: .*CUDA out of memory \(fake\)/);
    // the point's loss is the final logged eval_loss of its trainer_state.json
    const best = byLr.get(1e-3)!;
    const state = JSON.parse(
      readFileSync(join(out, "lr-1.00e-3", "trainer-output", "trainer_state.json"), "utf8"),
    );
    const evals = state.log_history.filter((e: { eval_loss?: number }) => e.eval_loss !== undefined);
    expect(evals).toHaveLength(2);
    expect(best.val_loss).toBe(evals.at(-1).eval_loss);
    expect(r.best?.loss).toBe(best.val_loss);
    // placeholders: the train and validation folders, the per-LR output folder, epochs, n and seed
    const a = argvOf(join(out, "lr-1.00e-3"));
    const arg = (f: string) => a.args[a.args.indexOf(`--${f}`) + 1];
    expect(arg("train_file_dir")).toBe(join(out, "external-data", "train"));
    expect(arg("validation_file_dir")).toBe(join(out, "external-data", "validation"));
    expect(arg("output_dir")).toBe(join(out, "lr-1.00e-3", "trainer-output"));
    expect(arg("learning_rate")).toBe("0.001");
    expect([arg("num_train_epochs"), arg("docs"), arg("seed")]).toEqual(["2", "12", "3"]);
    expect([a.docs, a.valDocs]).toEqual([12, 4]);
    // each LR is a child run of the parent with the trainer's metrics tailed into it
    const child = readRunDir(join(out, "lr-1.00e-3")).run;
    expect(child.manifest.parent).toBe(readRunDir(out).run.manifest.id);
    expect(child.manifest.status).toBe("completed");
    expect(Array.from(child.series.get("eval/loss")!.value)).toEqual(
      evals.map((e: { eval_loss: number }) => e.eval_loss),
    );
    expect(readRunDir(join(out, "lr-3.00e-3")).run.manifest.status).toBe("failed");
    expect(JSON.parse(readFileSync(join(out, "result.json"), "utf8")).best.lr).toBe(1e-3);
  });

  it("judges on the training loss when the trainer logged no eval_loss, and says so", async () => {
    const r = await runExternalLrSweep(
      settings("--no_eval", [1e-4, 1e-3, 1e-2]),
      { runsDir: tmpDir() },
      quietSession(),
    );
    expect(r.judged_on).toBe("train");
    expect(r.best?.lr).toBe(1e-3);
    expect(r.best?.loss).toBe(r.points[1].train_loss);
    expect(r.points.every((p) => Number.isNaN(p.val_loss))).toBe(true);
    expect(r.conclusion).toMatch(
      /\(train 2\.0\d\d\) \(judged on the trainer's training loss: it logged no eval_loss\)$/,
    );
  });

  it("fails with a clear error only when every LR fails", async () => {
    await expect(
      runExternalLrSweep(settings("--crash_lr 1e-3", [1e-3]), { runsDir: tmpDir() }, quietSession()),
    ).rejects.toThrow(
      /failed at every LR; at lr 1\.00e-3: the trainer exited with code 1: .*CUDA out of memory/,
    );
  });

  it("Ctrl-C interrupts the trainer and the sweep; --resume keeps the finished LRs and reruns the rest", async () => {
    const out = join(tmpDir(), "sweep");
    const marker = join(tmpDir(), "hung");
    // the first LR finishes; the trainer at 1e-2 hangs (once) until it is interrupted
    const s = settings("", [1e-3, 1e-2]);
    s.cmd = `if [ {lr} = 0.01 ]; then ${TEMPLATE} --hang_once ${marker}; else ${TEMPLATE}; fi`;
    const r = await runExternalLrSweep(
      s,
      { runsDir: tmpDir(), out },
      quietSession(() => existsSync(marker)),
    );
    expect(r.status).toBe("interrupted");
    expect(r.points.map((p) => p.status)).toEqual(["completed", "interrupted"]);
    expect(readRunDir(join(out, "lr-1.00e-2")).run.manifest.status).toBe("interrupted");
    expect(readRunDir(out).run.manifest.status).toBe("interrupted");

    const again = await runExternalLrSweep(s, { runsDir: tmpDir(), resume: out }, quietSession());
    expect(again.status).toBe("completed");
    expect(again.points[0]).toEqual(r.points[0]); // kept, not rerun
    expect(again.points[1].status).toBe("completed");
    expect(again.best?.lr).toBe(1e-3);
  });
});

describe("plateau lr-sweep --engine external (CLI)", () => {
  it("--json prints the sweep; without --cmd it is a one-line error, exit 2", async () => {
    const runs = tmpDir();
    const ok = await runCli([
      "lr-sweep",
      "--data",
      ...corpus,
      "-n",
      "12",
      "--held-out",
      "4",
      "--engine",
      "external",
      "--cmd",
      TEMPLATE,
      "--lrs",
      "1e-4,1e-3,1e-2",
      "--epochs",
      "2",
      "--json",
      "--runs-dir",
      runs,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const doc = JSON.parse(ok.stdout);
    expect(doc.engine).toBe("external");
    expect(doc.best.lr).toBe(1e-3);
    expect(doc.points).toHaveLength(3);
    const bad = await runCli(["lr-sweep", "--data", ...corpus, "--engine", "external", "--runs-dir", runs]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--cmd/);
  });
});
