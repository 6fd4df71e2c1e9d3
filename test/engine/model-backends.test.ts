import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOps } from "../../src/engine/backend.js";
import { loadHfCheckpoint } from "../../src/engine/hf-checkpoint.js";
import type { Ops } from "../../src/engine/ops.js";
import { createRefOps } from "../../src/engine/ref/index.js";
import { SafetensorsFile } from "../../src/engine/safetensors.js";
import { shiftedTargets } from "../../src/engine/targets.js";
import { train } from "../../src/train/trainer.js";
import { randomBlocks, tinyConfig } from "../train/helpers.js";

/**
 * The whole model on the WebAssembly backend: against the PyTorch reference (float32 tolerance), against the
 * TypeScript reference, and bitwise identical training for 1 and 2 threads.
 */
const FIX = join(import.meta.dirname, "../fixtures/engine");
const opened: Ops[] = [];
afterAll(() => {
  for (const o of opened) o.dispose();
});
async function wasm(threads: number): Promise<Ops> {
  const o = await createOps({ backend: "wasm", threads });
  opened.push(o);
  return o;
}

describe("Qwen2 on the WebAssembly backend", () => {
  it.each(["tied", "untied"])(
    "%s: logits, loss and gradients match PyTorch to float32 precision",
    async (name) => {
      const dir = join(FIX, name);
      const model = loadHfCheckpoint(dir, await wasm(2));
      const j = JSON.parse(readFileSync(join(dir, "tokens.json"), "utf8"));
      const B = j.input_ids.length;
      const T = j.input_ids[0].length;
      const ids = Int32Array.from(j.input_ids.flat() as number[]);
      const targets = shiftedTargets(j.labels.flat(), B, T);
      const r0 = model.forward({ ids, targets, B, T });
      const logits = Float32Array.from(model.logits);
      model.zeroGrads();
      const r = model.forward({ ids, targets, B, T }, 1 / r0.count);
      model.backward();
      const e = new SafetensorsFile(join(dir, "expected-f32.safetensors"));
      const want = e.readFloat32("logits");
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(logits[i] - want[i])).toBeLessThan(2e-5 * (1 + Math.abs(want[i])));
      expect(r.lossSum / r.count).toBeCloseTo(e.readFloat32("loss")[0], 5);
      for (const t of model.layout.tensors) {
        const g = e.readFloat32(`grad.${t.name}`);
        const got = model.grad(t);
        for (let i = 0; i < g.length; i++)
          expect(Math.abs(got[i] - g[i]), t.name).toBeLessThan(5e-6 + 1e-4 * Math.abs(g[i]));
      }
    },
  );

  it("training is bitwise identical for 1 and 2 threads, and close to the TypeScript reference", async () => {
    // big enough that every op is split across the threads (the pool runs small ops on one thread)
    const base = tinyConfig();
    const config = tinyConfig({
      max_steps: 4,
      grad_accum_steps: 2,
      micro_batch_size: 4,
      model: {
        ...base.model,
        vocab_size: 300,
        hidden_size: 64,
        intermediate_size: 160,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        head_dim: 16,
        max_position_embeddings: 128,
      },
    });
    const data = { train: randomBlocks(16, 64, 300) };
    const losses = async (ops: Ops) => {
      const out: number[] = [];
      await train(config, { ops, data, hooks: { onStep: (r) => void out.push(r.loss) } });
      return out;
    };
    const one = await losses(await wasm(1));
    const two = await losses(await wasm(2));
    expect(two).toEqual(one);
    const ref = await losses(createRefOps("f32"));
    for (let i = 0; i < ref.length; i++) expect(one[i]).toBeCloseTo(ref[i], 4);
  });
});
