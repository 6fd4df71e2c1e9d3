import { describe, expect, it } from "vitest";
import { diagnoseRun } from "../../src/diagnose/diagnose.js";
import type { Finding } from "../../src/diagnose/types.js";
import { Rng } from "../../src/util/rng.js";
import { curve, makeRun } from "./helpers.js";

const QWEN = 151_936;
const rule = (fs: Finding[], id: string) => fs.find((f) => f.rule === id);

describe("rules on hand-built runs", () => {
  it("nan: the first non-finite step and the count", () => {
    const run = makeRun({ "train/loss": curve(100, 10, (s) => (s >= 900 ? Number.NaN : 5 - s / 1000)) });
    const f = rule(diagnoseRun(run).findings, "nan");
    expect(f?.severity).toBe("critical");
    expect(f?.evidence.first_step).toBe(900);
    expect(f?.evidence.count).toBe(11);
    expect(f?.steps).toEqual([[900, 1000]]);
  });

  it("frozen: loss constant to 4 decimals and grad norm 0 (litgpt#125)", () => {
    const run = makeRun({
      "train/loss": curve(400, 1, () => 11.0666),
      "train/grad_norm": curve(400, 1, () => 0),
    });
    const d = diagnoseRun(run);
    const f = rule(d.findings, "frozen");
    expect(f?.confidence).toBe(0.97);
    expect(f?.evidence.loss_level).toBe(11.0666);
    // a frozen run is not also a plateau
    expect(rule(d.findings, "plateau")).toBeUndefined();
    expect(d.hypotheses[0].cause).toBe("pipeline-bug");
    expect(d.hypotheses[0].next.command).toBe("plateau overfit --data <DATA> -n 1000 --epochs 10");
    expect(d.hypotheses[0].next.available).toBe(false);
  });

  it("ga-inflation: logged train = GA × eval, GA known → the train loss is read divided", () => {
    const rng = new Rng(1);
    const loss = (s: number) => 2.8 + 4 / Math.sqrt(s);
    const run = makeRun(
      {
        "train/loss": curve(500, 10, (s) => 8 * (loss(s) + 0.01 * rng.normal())),
        "eval/loss": curve(10, 500, (s) => loss(s) + 0.02),
      },
      { grad_accum_steps: 8, vocab_size: QWEN },
    );
    const d = diagnoseRun(run);
    const f = rule(d.findings, "ga-inflation");
    expect(f?.severity).toBe("critical");
    expect(f?.evidence.factor_applied).toBe(8);
    expect(Math.abs((f?.evidence.ratio as number) - 8)).toBeLessThan(0.2);
    expect(d.analysis.gaFactor).toBe(8);
    expect(d.analysis.train?.value[100]).toBeCloseTo((run.get("train/loss")?.value[100] ?? 0) / 8, 12);
  });

  it("ga-inflation with GA unknown: an integer ratio, assumed and said so", () => {
    const loss = (s: number) => 2.8 + 4 / Math.sqrt(s);
    const run = makeRun({
      "train/loss": curve(500, 10, (s) => 4 * loss(s)),
      "eval/loss": curve(10, 500, (s) => loss(s)),
    });
    const f = rule(diagnoseRun(run).findings, "ga-inflation");
    expect(f?.severity).toBe("warning");
    expect(f?.evidence.assumed_grad_accum_steps).toBe(4);
  });

  it("ga-inflation: no finding when train and eval are on the same scale", () => {
    const loss = (s: number) => 2.8 + 4 / Math.sqrt(s);
    const run = makeRun({
      "train/loss": curve(500, 10, loss),
      "eval/loss": curve(10, 500, (s) => loss(s) + 0.03),
    });
    const d = diagnoseRun(run);
    expect(rule(d.findings, "ga-inflation")).toBeUndefined();
    expect(d.observations.some((o) => o.rule === "ga-inflation")).toBe(true);
  });

  it("init-loss: first loss against ln V", () => {
    const ok = makeRun(
      { "train/loss": curve(200, 1, (s) => 2.5 + 9.43 * Math.exp(-s / 30)) },
      { vocab_size: QWEN },
    );
    const d = diagnoseRun(ok);
    expect(rule(d.findings, "init-loss")).toBeUndefined();
    expect(d.observations.find((o) => o.rule === "init-loss")?.text).toMatch(/matches ln V = 11.93/);
    const high = makeRun(
      { "train/loss": curve(200, 1, (s) => 2.5 + 14 * Math.exp(-s / 30)) },
      { vocab_size: QWEN },
    );
    const f = rule(diagnoseRun(high).findings, "init-loss");
    expect(f?.severity).toBe("warning");
    expect(f?.evidence.ln_vocab).toBeCloseTo(Math.log(QWEN), 4);
  });

  it("eval-on-train from the facts", () => {
    const run = makeRun({ "train/loss": curve(50, 10, (s) => 3 + 1 / s) }, { data: { eval_is_train: true } });
    expect(rule(diagnoseRun(run).findings, "eval-on-train")?.confidence).toBe(0.95);
  });

  it("unigram-plateau with a measured unigram entropy", () => {
    const rng = new Rng(4);
    const noisy = (s: number) => 7.6 + 4 * Math.exp(-s / 300) + 0.02 * rng.normal();
    const run = makeRun({ "train/loss": curve(1000, 10, noisy) }, {
      data: { unigram_entropy: 7.55 },
    } as never);
    const d = diagnoseRun(run);
    expect(rule(d.findings, "plateau")).toBeDefined();
    expect(rule(d.findings, "unigram-plateau")?.severity).toBe("critical");
  });

  it("expected-loss: Chinchilla and Besiroglu for N and D", () => {
    const run = makeRun(
      { "train/loss": curve(100, 10, (s) => 3.3 + 1 / s) },
      { model: { params: 1.1e9 }, tokens_per_step: 1e6 },
    );
    const f = rule(diagnoseRun(run).findings, "expected-loss");
    expect(f?.evidence.tokens).toBe(1e9);
    expect(f?.evidence.chinchilla_hoffmann).toBeCloseTo(3.273, 3);
    expect(f?.evidence.chinchilla_besiroglu).toBeCloseTo(3.227, 3);
    expect(f?.severity).toBe("info");
  });

  it("overfit and overtraining on the eval curve", () => {
    const train = curve(600, 10, (s) => 2 + 3 / Math.sqrt(s));
    const over = makeRun({
      "train/loss": train,
      "eval/loss": curve(30, 200, (s) => 2.6 + 3 / Math.sqrt(s) + (s > 2000 ? 0.0003 * (s - 2000) : 0)),
    });
    const f = rule(diagnoseRun(over).findings, "overfit");
    expect(f?.evidence.eval_min_step).toBeGreaterThanOrEqual(1800);
    expect(f?.evidence.eval_min_step).toBeLessThanOrEqual(2600);
    expect(f?.evidence.gap_ratio as number).toBeGreaterThan(0);
    const flat = makeRun({
      "train/loss": train,
      "eval/loss": curve(30, 200, (s) => (s < 2000 ? 3 - s / 4000 : 2.5 + 0.0005 * Math.sin(s))),
    });
    const d = diagnoseRun(flat);
    expect(rule(d.findings, "overfit")).toBeUndefined();
    expect(rule(d.findings, "overtraining")?.evidence.last_improvement_step).toBeLessThanOrEqual(2200);
  });
});

describe("config lint", () => {
  const base = () => ({ "train/loss": curve(100, 10, (s: number) => 3 + 1 / s) });
  it("LR outside the usual range for the size", () => {
    const f = rule(
      diagnoseRun(makeRun(base(), { model: { params: 1.1e9 }, lr: { peak: 3e-3 } })).findings,
      "config-lr",
    );
    expect(f?.evidence.usual_high).toBeCloseTo(5 * (f?.evidence.reference_lr as number), 3);
    expect(
      rule(
        diagnoseRun(makeRun(base(), { model: { params: 1.1e9 }, lr: { peak: 3e-4 } })).findings,
        "config-lr",
      ),
    ).toBeUndefined();
  });
  it("no warmup, stated or seen in the logged LR", () => {
    const stated = makeRun(base(), { lr: { peak: 3e-4, schedule: "cosine", warmup_steps: 0 } });
    expect(rule(diagnoseRun(stated).findings, "config-warmup")).toBeDefined();
    const logged = makeRun({ ...base(), "train/lr": curve(100, 10, () => 3e-4) });
    expect(rule(diagnoseRun(logged).findings, "config-warmup")?.evidence.summary).toMatch(/already 3.0e-4/);
  });
  it("weight decay on RMSNorm weights with HF's Trainer before 4.49", () => {
    const f = rule(
      diagnoseRun(
        makeRun(base(), {
          framework: "transformers",
          optimizer: { weight_decay: 0.1 },
          model: { config: { transformers_version: "4.46.2" } },
        }),
      ).findings,
      "config-weight-decay",
    );
    expect(f?.severity).toBe("warning");
    expect(f?.evidence.summary).toMatch(/RMSNorm/);
  });
  it("fp16 with Qwen2", () => {
    const f = rule(
      diagnoseRun(makeRun(base(), { precision: "fp16", model: { architecture: "qwen2" } })).findings,
      "config-fp16",
    );
    expect(f?.severity).toBe("warning");
  });
  it("vocabulary: tokenizer larger than the embedding is critical; Qwen's padding is fine", () => {
    const bad = rule(
      diagnoseRun(makeRun(base(), { vocab_size: 151_851, tokenizer: { vocab_size: 151_936 } })).findings,
      "config-vocab",
    );
    expect(bad?.severity).toBe("critical");
    expect(
      rule(
        diagnoseRun(makeRun(base(), { vocab_size: QWEN, tokenizer: { vocab_size: 151_665 } })).findings,
        "config-vocab",
      ),
    ).toBeUndefined();
  });
  it("pad = eos without packing", () => {
    const f = rule(
      diagnoseRun(makeRun(base(), { tokenizer: { pad_id: 151643, eos_id: 151643 } })).findings,
      "config-pad-eos",
    );
    expect(f).toBeDefined();
    const packed = makeRun(base(), {
      tokenizer: { pad_id: 151643, eos_id: 151643 },
      data: { packing: true } as never,
    });
    expect(rule(diagnoseRun(packed).findings, "config-pad-eos")).toBeUndefined();
  });
  it("tokens per step far below the critical batch", () => {
    const f = rule(diagnoseRun(makeRun(base(), { tokens_per_step: 8192 })).findings, "config-batch");
    expect(f?.evidence.critical_batch_tokens as number).toBeGreaterThan(16 * 8192);
  });
});
