import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectFormat, ingestPaths } from "../../src/logs/index.js";
import type { Run } from "../../src/runs/run.js";
import { tmpDir } from "../helpers/tmp.js";
import {
  HF_STDOUT,
  KEYVALUE,
  LLMC_MAIN_LOG,
  LLMC_STDOUT,
  MEGATRON,
  MODDED_NANOGPT,
  NANOGPT,
  put,
} from "./fixtures.js";

async function one(name: string, text: string) {
  const dir = tmpDir();
  const f = put(join(dir, name), text);
  const r = await ingestPaths([f]);
  expect(r.runs).toHaveLength(1);
  return { run: r.runs[0], problems: r.problems, file: f };
}
const pts = (run: Run, s: string) =>
  run
    .get(s)
    ?.points()
    .map((p) => [p.step, p.value]);

describe("text logs", () => {
  it("llm.c main.log: trl/tel/eval/lr/norm, nan and inf, and a torn last line skipped", async () => {
    const { run, problems, file } = await one("main.log", LLMC_MAIN_LOG);
    expect(detectFormat(file)).toBe("llmc");
    expect(run.manifest.source.format).toBe("llmc");
    expect(pts(run, "train/loss")).toEqual([
      [1, 10.9951],
      [2, 10.4102],
      [3, Number.NaN],
    ]);
    expect(pts(run, "eval/loss")).toEqual([
      [0, 10.9912],
      [2, 10.2201],
    ]);
    expect(pts(run, "train/grad_norm")?.[2]).toEqual([3, Number.POSITIVE_INFINITY]);
    expect(pts(run, "eval/hellaswag_acc")).toEqual([[2, 0.2501]]);
    expect(problems).toEqual([expect.objectContaining({ file, line: 7, severity: "info" })]);
  });

  it("llm.c stdout: step lines and val loss lines (at the last printed step)", async () => {
    const { run } = await one("train.out", LLMC_STDOUT);
    expect(run.manifest.source.format).toBe("llmc");
    expect(pts(run, "train/loss")).toEqual([
      [1, 10.9951],
      [2, 10.4102],
      [3, 9.9],
    ]);
    expect(pts(run, "eval/loss")).toEqual([
      [0, 10.991211],
      [2, 10.2201],
    ]);
    expect(pts(run, "train/lr")?.[0]).toEqual([1, 8.57e-7]);
    expect(pts(run, "train/tokens_per_s")?.[1]).toEqual([2, 363255]);
    expect(run.facts.max_steps).toBe(74);
  });

  it("modded-nanogpt: ignores the echoed source, reads train_loss and val_loss", async () => {
    const { run } = await one("0a1b2c.txt", MODDED_NANOGPT);
    expect(run.manifest.source.format).toBe("modded-nanogpt");
    expect(pts(run, "eval/loss")).toEqual([
      [0, 10.8258],
      [125, 4.3877],
    ]);
    expect(pts(run, "train/loss")).toEqual([
      [1, 10.8258],
      [2, 10.5183],
    ]);
    expect(pts(run, "train/train_time_ms")?.[3]).toEqual([125, 31900]);
    expect(run.facts.max_steps).toBe(1750);
  });

  it("Megatron-LM: iteration lines, skipped iterations without a loss, validation lines, arguments as facts", async () => {
    const { run } = await one("megatron.log", MEGATRON);
    expect(run.manifest.source.format).toBe("megatron");
    expect(pts(run, "train/loss")).toEqual([
      [100, 7.123456],
      [300, 6.5],
    ]);
    expect(pts(run, "train/grad_norm")).toEqual([
      [100, 2.345],
      [300, 1.5],
    ]);
    expect(pts(run, "train/lr")?.[1]).toEqual([200, 3e-5]);
    expect(pts(run, "train/skipped_iterations")).toEqual([
      [100, 0],
      [200, 100],
      [300, 3],
    ]);
    expect(pts(run, "eval/loss")).toEqual([[300, 6.6]]);
    expect(pts(run, "eval/test/loss")).toEqual([[300, 6.4]]);
    const notes = run.events.filter((e) => e.kind === "note");
    expect(notes.map((e) => e.step)).toEqual([200, 300]);
    expect(notes[0].kind === "note" && notes[0].text).toContain("no loss logged");
    expect(run.facts).toMatchObject({
      framework: "megatron",
      seq_len: 2048,
      tokens_per_step: 512 * 2048,
      grad_accum_steps: 16,
      precision: "bf16",
      lr: { peak: 3e-4, min_lr: 3e-5, schedule: "cosine", warmup_steps: 2000 },
      max_steps: 500000,
      vocab_size: 50304,
    });
  });

  it("HF Trainer stdout: steps from the training bar, eval dicts at the current step, tensor(...) values", async () => {
    const { run } = await one("train.log", HF_STDOUT);
    expect(run.manifest.source.format).toBe("hf-stdout");
    expect(pts(run, "train/loss")).toEqual([
      [10, 2.8123],
      [20, Number.NaN],
    ]);
    expect(pts(run, "train/grad_norm")).toEqual([
      [10, 1.53],
      [20, Number.POSITIVE_INFINITY],
    ]);
    expect(pts(run, "eval/loss")).toEqual([[20, 2.91]]);
    expect(run.get("train/loss")!.at(0).epoch).toBe(0.25);
    expect(run.manifest.summary?.hf_final).toMatchObject({ train_loss: 2.85 });
    expect(run.facts.max_steps).toBe(40);
  });

  it("HF stdout without progress bars numbers train dicts by order and says so", async () => {
    const { run, problems } = await one(
      "plain.log",
      "{'loss': 3.0, 'epoch': 0.1}\n{'loss': 2.5, 'epoch': 0.2}\n",
    );
    expect(pts(run, "train/loss")).toEqual([
      [1, 3],
      [2, 2.5],
    ]);
    expect(problems[0].message).toContain("numbered by log order");
  });

  it("key=value lines, with a bad value reported by line", async () => {
    const { run, problems, file } = await one("run.log", KEYVALUE);
    expect(run.manifest.source.format).toBe("keyvalue");
    expect(pts(run, "train/loss")).toEqual([
      [1, 3.5],
      [2, 3.25],
    ]);
    expect(pts(run, "eval/loss")).toEqual([[2, 3.4]]);
    expect(pts(run, "train/lr")?.[2]).toEqual([3, 3e-4]);
    expect(run.get("train/loss")!.at(1).epoch).toBe(0.2);
    expect(problems).toEqual([
      expect.objectContaining({ file, line: 5, message: expect.stringContaining("`loss`") }),
    ]);
  });

  it("nanoGPT's iter/step lines", async () => {
    const { run } = await one("nanogpt.log", NANOGPT);
    expect(pts(run, "train/loss")).toEqual([
      [0, 10.9854],
      [10, 9.1234],
      [250, 6.1],
    ]);
    expect(pts(run, "eval/loss")).toEqual([
      [0, 10.9912],
      [250, 6.2],
    ]);
    expect(pts(run, "train/time_ms")?.[1]).toEqual([10, 123.45]);
  });

  it("a restarted job appending to the same log: the earlier process's later points are superseded", async () => {
    const log =
      "s:1 trl:3.0\ns:2 trl:2.9\ns:3 trl:2.8\ns:4 trl:2.7\ns:3 trl:2.85\ns:4 trl:2.75\ns:5 trl:2.6\n";
    const { run } = await one("main.log", log);
    expect(pts(run, "train/loss")).toEqual([
      [1, 3],
      [2, 2.9],
      [3, 2.85],
      [4, 2.75],
      [5, 2.6],
    ]);
    expect(run.events).toEqual([{ kind: "resume", step: 3, from_step: 2 }]);
  });

  it("a file nothing understands is one UserError naming it", async () => {
    const dir = tmpDir();
    const f = put(join(dir, "notes.txt"), "just some notes\nnothing to see\n");
    await expect(ingestPaths([f])).rejects.toMatchObject({ name: "UserError", location: { file: f } });
    await expect(ingestPaths([join(dir, "missing.log")])).rejects.toThrow(/no such file/);
  });
});
