import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cleanDocuments } from "../../src/data/demo/index.js";
import {
  type ExternalLadderResult,
  type ExternalLadderSettings,
  runExternalLadder,
} from "../../src/protocols/external-ladder.js";
import { quietSession } from "../../src/protocols/session.js";
import { readRunDir } from "../../src/runs/rundir.js";
import { runCli } from "../helpers/cli.js";
import { tmpDir } from "../helpers/tmp.js";

const FAKE = join(import.meta.dirname, "../fixtures/protocols/fake-lr-trainer.mjs");
// the fake trainer's loss falls with the training lines and rises with the share of lines holding NOISE
const NOISE = "zqxnoise";
const TEMPLATE = `"${process.execPath}" ${FAKE} --train_file_dir {data} --validation_file_dir {eval_data} --num_train_epochs {epochs} --learning_rate {lr} --output_dir {out} --docs {n} --seed {seed} --noise_token ${NOISE}`;
let corpus: string;
beforeAll(() => {
  // 80 clean English documents and 40 of keyboard garbage carrying the marker: plateau select keeps the clean
  // ones, a random sample of the raw corpus holds about a third of garbage
  const clean = cleanDocuments()
    .filter((d) => d.lang === "en" && d.text.length > 300)
    .slice(0, 80)
    .map((d) => d.text);
  expect(clean).toHaveLength(80);
  const noise = Array.from(
    { length: 40 },
    (_, i) => `${NOISE} ${i} ${"$$ ##@@ !!~~ %%^^ && || ".repeat(6)} ${"asdf jkl; qwer ".repeat(4)}${i}`,
  );
  const docs = clean.flatMap((t, i) => (i % 2 === 0 && noise.length ? [t, noise.pop()!] : [t]));
  corpus = join(tmpDir("plateau-extladder-"), "corpus.jsonl");
  writeFileSync(corpus, docs.map((text) => `${JSON.stringify({ text })}\n`).join(""));
});

function settings(extra = ""): ExternalLadderSettings {
  return {
    engine: "external",
    cmd: `${TEMPLATE} ${extra}`,
    data: [corpus],
    n: 64,
    heldOut: 8,
    sizes: [4, 16, 64],
    lr: 1e-3,
    epochs: 1,
    seed: 3,
    format: "jsonl",
    pollMs: 50,
  };
}

describe("data ladder through an external trainer", () => {
  it("reports a positive noise penalty and a falling loss with data, judged on the trainer's eval loss", async () => {
    const out = join(tmpDir(), "ladder");
    const r = await runExternalLadder(settings(), { runsDir: tmpDir(), out }, quietSession());
    expect(r.status).toBe("completed");
    expect(r.engine).toBe("external");
    expect(r.points.map((p) => p.key)).toEqual([
      "selected-4",
      "raw-4",
      "selected-16",
      "raw-16",
      "selected-64",
      "raw-64",
    ]);
    expect(r.points.every((p) => p.status === "completed")).toBe(true);
    expect(r.rungs.map((x) => x.size)).toEqual([4, 16, 64]);
    for (const rung of r.rungs) {
      expect(rung.noise_penalty).toBe(rung.raw!.val_loss - rung.selected!.val_loss);
    }
    // 64 raw documents of 120 hold ~20 garbage ones; the selected 64 hold (nearly) none
    expect(r.rungs[2].noise_penalty).toBeGreaterThan(0.2);
    // loss ∝ D^(−α): the slope of log loss on log documents is negative, so α > 0 on both sides
    expect(r.exponent.selected).toBeGreaterThan(0);
    expect(r.exponent.raw).toBeGreaterThan(0);
    expect(r.overfit_below).toBeNull();
    expect(r.conclusion).toMatch(/cleaning the corpus pays.*judged on the trainer's final eval loss/);
    // every point trained on its own slice against the one validation set; {n} is the slice's size
    const argv = JSON.parse(readFileSync(join(out, "raw-16", "trainer-output", "argv.json"), "utf8"));
    const arg = (f: string) => argv.args[argv.args.indexOf(`--${f}`) + 1];
    expect(arg("train_file_dir")).toBe(join(out, "external-data", "raw-16"));
    expect(arg("validation_file_dir")).toBe(join(out, "external-data", "validation"));
    expect([argv.docs, argv.valDocs, arg("docs")]).toEqual([16, 8, "16"]);
    const child = readRunDir(join(out, "selected-64")).run;
    expect(child.manifest.parent).toBe(readRunDir(out).run.manifest.id);
    expect(child.series.get("eval/loss")!.value.at(-1)).toBe(r.rungs[2].selected!.val_loss);
  });

  it("records a crashed point and goes on; a trainer without eval loss fails its point; all failing is an error", async () => {
    const r = await runExternalLadder(settings("--crash_docs 16"), { runsDir: tmpDir() }, quietSession());
    expect(r.status).toBe("completed");
    const failed = r.points.filter((p) => p.status === "failed").map((p) => p.key);
    expect(failed).toEqual(["selected-16", "raw-16"]);
    expect(r.points.find((p) => p.key === "raw-16")!.error).toMatch(/CUDA out of memory \(fake\)/);
    expect(r.rungs[1]).toEqual({ size: 16 });
    expect(r.rungs[2].noise_penalty).toBeGreaterThan(0);
    await expect(
      runExternalLadder(settings("--no_eval"), { runsDir: tmpDir() }, quietSession()),
    ).rejects.toThrow(/failed at every ladder point; at selected 4 docs: the trainer logged no eval loss/);
  });

  it("Ctrl-C interrupts the trainer and the ladder; --resume keeps the finished points and reruns the rest", async () => {
    const out = join(tmpDir(), "ladder");
    const marker = join(tmpDir(), "hung");
    const s = settings();
    // the first rung finishes; the trainer on 16 documents hangs (once) until it is interrupted
    s.cmd = `if [ {n} = 16 ]; then ${TEMPLATE} --hang_once ${marker}; else ${TEMPLATE}; fi`;
    const r = await runExternalLadder(
      s,
      { runsDir: tmpDir(), out },
      quietSession(() => existsSync(marker)),
    );
    expect(r.status).toBe("interrupted");
    expect(r.points.map((p) => p.status)).toEqual(["completed", "completed", "interrupted"]);
    expect(readRunDir(out).run.manifest.status).toBe("interrupted");
    const again = await runExternalLadder(s, { runsDir: tmpDir(), resume: out }, quietSession());
    expect(again.status).toBe("completed");
    expect(again.points.slice(0, 2)).toEqual(r.points.slice(0, 2)); // kept, not rerun
    expect(again.points.every((p) => p.status === "completed")).toBe(true);
    expect(again.rungs[2].noise_penalty).toBeGreaterThan(0.2);
  });
});

describe("plateau ladder --engine external (CLI)", () => {
  it("without --cmd it is a one-line error, exit 2; --json prints the ladder", async () => {
    const runs = tmpDir();
    const common = ["--runs-dir", runs, "--engine", "external", "--data", corpus];
    const noCmd = await runCli(["ladder", ...common]);
    expect([noCmd.code, noCmd.stderr.trim().split("\n")]).toEqual([
      2,
      [expect.stringMatching(/--engine external needs the trainer command in --cmd/)],
    ]);
    const r = await runCli([
      "ladder",
      ...common,
      "--cmd",
      TEMPLATE,
      "--sizes",
      "8,32",
      "--held-out",
      "8",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as ExternalLadderResult;
    expect([doc.engine, doc.judged_on, doc.points.length]).toEqual(["external", "eval", 4]);
    expect(doc.rungs.map((x) => x.size)).toEqual([8, 32]);
    expect(doc.rungs[1].noise_penalty).toBeGreaterThan(0);
  });
});
