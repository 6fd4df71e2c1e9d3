import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { modelConfigFacts } from "../../src/logs/facts/model-config.js";
import { readPickle } from "../../src/logs/facts/pickle.js";
import { objectFields, readTorchSave } from "../../src/logs/facts/torch-save.js";
import { ingestPaths } from "../../src/logs/index.js";
import { TfEventsWriter } from "../../src/logs/tfevents/writer.js";
import { tmpDir } from "../helpers/tmp.js";
import { FIXTURES } from "./fixtures.js";

describe("facts beside the logs", () => {
  it("parameter counts match the published figures", () => {
    const count = (cfg: Record<string, unknown>) => modelConfigFacts(cfg).model?.params;
    // GPT-2 small: 124,439,808.
    expect(
      count({ model_type: "gpt2", vocab_size: 50257, n_embd: 768, n_layer: 12, n_positions: 1024 }),
    ).toBe(124439808);
    // TinyLlama-1.1B (llama, untied head, 32/4 heads): 1,100,048,384.
    expect(
      count({
        model_type: "llama",
        vocab_size: 32000,
        hidden_size: 2048,
        num_hidden_layers: 22,
        num_attention_heads: 32,
        num_key_value_heads: 4,
        intermediate_size: 5632,
        tie_word_embeddings: false,
      }),
    ).toBe(1100048384);
    // Qwen2.5-1.5B: 1,543,714,304 (1,310,340,608 without embeddings).
    const q = modelConfigFacts({
      model_type: "qwen2",
      vocab_size: 151936,
      hidden_size: 1536,
      num_hidden_layers: 28,
      num_attention_heads: 12,
      num_key_value_heads: 2,
      intermediate_size: 8960,
      tie_word_embeddings: true,
    });
    expect(q.model).toMatchObject({ params: 1543714304, non_embedding_params: 1310340608 });
    expect(modelConfigFacts({ model_type: "mamba", vocab_size: 50280 }).model?.params).toBeUndefined();
  });

  it("training_args.bin in torch's zip and legacy formats reads the same fields, without Python", () => {
    for (const f of ["training_args.bin", "training_args.legacy.bin"]) {
      const o = objectFields(readTorchSave(new Uint8Array(readFileSync(join(FIXTURES, "training-args", f)))));
      expect(o?.className).toBe("transformers.training_args.TrainingArguments");
      expect(o?.fields).toMatchObject({
        per_device_train_batch_size: 4,
        gradient_accumulation_steps: 8,
        learning_rate: 2e-4,
        bf16: true,
        max_steps: -1,
        report_to: ["tensorboard"],
        label_names: null,
        lr_scheduler_type: { __class__: "transformers.trainer_utils.SchedulerType", member: "COSINE" },
      });
    }
  });

  it("pickle opcodes of protocol 0 (text) and 2 read as Python would", () => {
    // pickle.dumps({'a': [1, 2.5, 'x'], 'b': (True, None)}, protocol=0)
    const p0 = "(dp0\nVa\np1\n(lp2\nI1\naF2.5\naVx\np3\nasVb\np4\n(I01\nNtp5\ns.";
    expect(readPickle(new TextEncoder().encode(p0)).value).toEqual({ a: [1, 2.5, "x"], b: [true, null] });
    // pickle.dumps({'n': -5, 'big': 2**40}, protocol=2)
    const p2 = Uint8Array.from([
      0x80, 0x02, 0x7d, 0x71, 0x00, 0x28, 0x58, 0x01, 0x00, 0x00, 0x00, 0x6e, 0x71, 0x01, 0x4a, 0xfb, 0xff,
      0xff, 0xff, 0x58, 0x03, 0x00, 0x00, 0x00, 0x62, 0x69, 0x67, 0x71, 0x02, 0x8a, 0x06, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x01, 0x75, 0x2e,
    ]);
    expect(readPickle(p2).value).toEqual({ n: -5, big: 2 ** 40 });
  });

  it("HF's TensorBoard callback logs args and model config as text: both become facts", async () => {
    const dir = tmpDir();
    const w = new TfEventsWriter(join(dir, "runs/x"));
    w.scalar("train/loss", 1, 3);
    w.close();
    // Append text summaries the way torch's add_text writes them (plugin "text", string_val).
    const { ProtoWriter } = await import("../../src/logs/tfevents/protobuf.js");
    const { frameRecord } = await import("../../src/logs/tfevents/record.js");
    const { appendFileSync } = await import("node:fs");
    const text = (tag: string, s: string) => {
      const tensor = new ProtoWriter().varint(1, 7).message(2, new ProtoWriter()).string(8, s);
      const meta = new ProtoWriter().message(1, new ProtoWriter().string(1, "text"));
      const value = new ProtoWriter().string(1, tag).message(8, tensor).message(9, meta);
      return frameRecord(
        new ProtoWriter().double(1, 1).message(5, new ProtoWriter().message(1, value)).finish(),
      );
    };
    appendFileSync(
      w.path,
      text(
        "args/text_summary",
        JSON.stringify({ gradient_accumulation_steps: 16, learning_rate: 1e-3, fp16: true }),
      ),
    );
    appendFileSync(
      w.path,
      text(
        "model_config/text_summary",
        JSON.stringify({
          model_type: "gpt2",
          vocab_size: 50257,
          n_embd: 768,
          n_layer: 12,
          n_positions: 1024,
        }),
      ),
    );
    const run = (await ingestPaths([dir])).runs[0];
    expect(run.facts).toMatchObject({
      grad_accum_steps: 16,
      precision: "fp16",
      lr: { peak: 1e-3 },
      vocab_size: 50257,
      model: { params: 124439808 },
    });
  });
});
