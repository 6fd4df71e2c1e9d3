import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ingestPaths } from "../../src/logs/index.js";
import { parsePythonJson, rewriteNonFinite } from "../../src/logs/python-json.js";
import { tmpDir } from "../helpers/tmp.js";
import { oldTrainerState, put, pyJson, trainerState, writeHfOutputDir } from "./fixtures.js";

describe("Python-flavoured JSON", () => {
  it("reads bare NaN / Infinity / -Infinity, and leaves them alone inside strings", () => {
    const v = parsePythonJson('{"a": NaN, "b": [Infinity, -Infinity, 1], "s": "x: NaN, Infinity"}') as Record<
      string,
      unknown
    >;
    expect(v.a).toBe("NaN");
    expect(v.b).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1]);
    expect(v.s).toBe("x: NaN, Infinity");
    expect(rewriteNonFinite('["NaN\\"", NaN]')).toBe('["NaN\\"", "NaN"]');
  });
});

describe("HF trainer_state.json", () => {
  it("maps train, eval (several sets) and final entries; keeps NaN and Infinity; places step-less entries", async () => {
    const dir = tmpDir();
    put(join(dir, "out/trainer_state.json"), pyJson(trainerState(200)));
    const { runs, problems } = await ingestPaths([join(dir, "out")]);
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run.name).toBe("out");
    expect(run.manifest.source).toMatchObject({
      kind: "import",
      format: "hf-trainer-state",
      path: join(dir, "out"),
    });
    const loss = run.get("train/loss")!;
    expect(loss.length).toBe(20);
    expect(loss.at(0)).toEqual({ step: 10, value: 4, epoch: 0.1, tokens: 40960 });
    expect(Number.isNaN(loss.value[2])).toBe(true); // step 30
    expect(run.get("train/grad_norm")!.value[3]).toBe(Number.POSITIVE_INFINITY); // step 40
    expect(run.get("train/lr")!.at(1)).toMatchObject({ step: 20, value: 2e-4 * 0.9 });
    expect(run.get("eval/loss")!.step).toEqual([50, 100, 150, 200]);
    expect(run.get("eval/loss")!.value[1]).toBeCloseTo(3.2, 12);
    expect(run.get("eval/medical/loss")!.value[0]).toBeCloseTo(3.5, 12);
    expect(run.get("train/tokens")!.value[19]).toBe(200 * 4096);
    // The final entry's run-average train_loss is a summary, not a point of train/loss.
    expect(run.manifest.summary?.hf_final).toMatchObject({ train_loss: 3.4, train_runtime: 100.5 });
    expect(loss.step[loss.length - 1]).toBe(200);
    expect(loss.value[loss.length - 1]).toBeCloseTo(3.05, 12);
    // {predict_loss} has no step: placed at the previous entry's step and said so.
    expect(run.get("predict_loss")!.step).toEqual([200]);
    expect(problems).toContainEqual(
      expect.objectContaining({ message: expect.stringContaining("log_history[28] has no `step`") }),
    );
    expect(
      run.events.filter((e) => e.kind === "eval").map((e) => (e.kind === "eval" ? e.set : "")),
    ).toContain("medical");
    expect(run.facts).toMatchObject({
      framework: "transformers",
      max_steps: 200,
      epochs: 2,
      micro_batch_size: 4,
      tokens_per_step: 4096,
    });
  });

  it("reads an old (4.2x) file: no grad_norm, no logging_steps, rounded values", async () => {
    const dir = tmpDir();
    const f = put(join(dir, "old/trainer_state.json"), oldTrainerState());
    const { runs } = await ingestPaths([f]);
    const run = runs[0];
    expect(run.seriesNames()).toEqual(["train/loss", "train/lr"]);
    expect(run.get("train/loss")!.points()).toEqual([
      { step: 10, value: 3.1234, epoch: 0.5 },
      { step: 20, value: 2.7891, epoch: 1 },
    ]);
    expect(run.facts.micro_batch_size).toBeUndefined();
    expect(run.facts.max_steps).toBe(20);
  });

  it("an HF output folder: newest state wins, checkpoints become events, TB files skipped, facts beside", async () => {
    const dir = tmpDir();
    writeHfOutputDir(join(dir, "outputs-pt"));
    const { runs, skipped } = await ingestPaths([dir]);
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run.get("train/loss")!.length).toBe(20);
    expect(run.events.filter((e) => e.kind === "checkpoint").map((e) => e.step)).toEqual([50, 100]);
    expect(skipped.map((s) => s.file.split("/").slice(-2).join("/"))).toEqual([
      "checkpoint-100/trainer_state.json",
      "checkpoint-50/trainer_state.json",
      expect.stringMatching(/^Nov29_04-00-00_host\/events\.out\.tfevents\./),
    ]);
    // config.json (Qwen2.5-0.5B dims) → 494,032,768 parameters, as the official count.
    expect(run.facts.model).toMatchObject({
      architecture: "qwen2",
      params: 494032768,
      non_embedding_params: 357898112,
    });
    expect(run.facts.vocab_size).toBe(151936);
    // training_args.bin (a real torch.save file) → accumulation, schedule, precision; warmup from ratio × max_steps.
    expect(run.facts).toMatchObject({
      grad_accum_steps: 8,
      micro_batch_size: 4,
      precision: "bf16",
      seed: 42,
      lr: { peak: 2e-4, schedule: "cosine", warmup_steps: 10, total_steps: 200 },
      optimizer: { name: "adamw_torch", betas: [0.9, 0.999], weight_decay: 0.01, grad_clip: 1 },
    });
    expect(run.manifest.summary?.results).toMatchObject({ perplexity: 23.34 });
  });

  it("a run that died before writing its own state: the latest checkpoint's state is used", async () => {
    const dir = tmpDir();
    writeHfOutputDir(join(dir, "crashed"), { withFinalState: false });
    const { runs } = await ingestPaths([join(dir, "crashed")]);
    expect(runs).toHaveLength(1);
    expect(runs[0].get("train/loss")!.step.at(-1)).toBe(100);
  });

  it("GA-inflated loss keeps its logged values and the accumulation factor, so the rule can see it", async () => {
    const dir = tmpDir();
    writeHfOutputDir(join(dir, "ga"));
    put(join(dir, "ga/trainer_state.json"), pyJson(trainerState(200, { ga: 8 })));
    const run = (await ingestPaths([join(dir, "ga")])).runs[0];
    const ratio = run.get("train/loss")!.value[4] / run.get("eval/loss")!.value[0]; // step 50
    expect(ratio).toBeCloseTo((8 * 3.2) / 3.3, 12);
    expect(run.facts.grad_accum_steps).toBe(8);
  });

  it("broken JSON is a problem naming file and line, and no run", async () => {
    const dir = tmpDir();
    put(
      join(dir, "a/trainer_state.json"),
      '{\n  "log_history": [\n    {"loss": 2.5, "step": 1},\n    {"loss": ',
    );
    await expect(ingestPaths([join(dir, "a")])).rejects.toThrow(/no usable training metrics: invalid JSON/);
    put(join(dir, "b/trainer_state.json"), pyJson(trainerState(20)));
    const r = await ingestPaths([dir]);
    expect(r.runs).toHaveLength(1);
    expect(r.problems).toContainEqual(
      expect.objectContaining({ file: join(dir, "a/trainer_state.json"), line: 4 }),
    );
  });
});
