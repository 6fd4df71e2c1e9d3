import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadHfCheckpoint } from "../../src/engine/hf-checkpoint.js";
import type { Qwen2Model } from "../../src/engine/model.js";
import { createRefOps } from "../../src/engine/ref/index.js";
import { SafetensorsFile } from "../../src/engine/safetensors.js";
import { shiftedTargets } from "../../src/engine/targets.js";

/**
 * The engine against an independent PyTorch implementation of HF's Qwen2ForCausalLM
 * (scripts/torch_qwen2_reference.py): logits, loss and the gradient of every parameter, in float32 (HF's
 * numerics) and float64 (pure algebra, where the two implementations must agree to ~1e-12).
 */
const FIX = join(import.meta.dirname, "../fixtures/engine");

function readTokens(dir: string): { ids: Int32Array; labels: Int32Array; B: number; T: number } {
  const j = JSON.parse(readFileSync(join(dir, "tokens.json"), "utf8")) as {
    input_ids: number[][];
    labels: number[][];
  };
  const B = j.input_ids.length;
  const T = j.input_ids[0].length;
  return { ids: Int32Array.from(j.input_ids.flat()), labels: Int32Array.from(j.labels.flat()), B, T };
}

/** max |a − b| / (atol + rtol·|b|) over all elements: ≤ 1 means within tolerance. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i])));
  return w;
}

function runCase(name: string, dtype: "f32" | "f64") {
  const dir = join(FIX, name);
  const model: Qwen2Model = loadHfCheckpoint(dir, createRefOps(dtype));
  const { ids, labels, B, T } = readTokens(dir);
  const targets = shiftedTargets(labels, B, T);
  const noGrad = model.forward({ ids, targets, B, T });
  const logits = Float64Array.from(model.logits);
  model.zeroGrads();
  const r = model.forward({ ids, targets, B, T }, 1 / noGrad.count);
  model.backward();
  const expected = new SafetensorsFile(join(dir, `expected-${dtype}.safetensors`));
  return { model, logits, loss: r.lossSum / r.count, expected };
}

describe.each([
  ["tied", "f32", 2e-6, 2e-5],
  ["untied", "f32", 2e-6, 2e-5],
  ["tied", "f64", 1e-13, 1e-11],
  ["untied", "f64", 1e-13, 1e-11],
  ["padded", "f32", 2e-6, 2e-5],
  ["padded", "f64", 1e-13, 1e-11],
] as const)("Qwen2ForCausalLM parity with PyTorch: %s model, %s", (name, dtype, atol, rtol) => {
  const { model, logits, loss, expected } = runCase(name, dtype);

  it("logits", () => {
    expect(
      worst(logits, expected.readFloat32("logits", new Float64Array(logits.length)), atol, rtol),
    ).toBeLessThan(1);
  });

  it("loss (mean over targets, -100 ignored)", () => {
    const want = expected.readFloat32("loss", new Float64Array(1))[0];
    expect(Math.abs(loss - want)).toBeLessThan(atol + rtol * want);
  });

  it("gradient of every parameter, under its HF name", () => {
    const names = [...expected.tensors.keys()].filter((n) => n.startsWith("grad.")).map((n) => n.slice(5));
    expect(names.sort()).toEqual(model.layout.tensors.map((t) => t.name).sort());
    for (const n of names) {
      const want = expected.readFloat32(`grad.${n}`, new Float64Array(model.layout.get(n)!.size));
      // gradients are sums of many products: scale the absolute tolerance by the tensor's magnitude
      let scale = 0;
      for (const x of want) scale = Math.max(scale, Math.abs(x));
      const w = worst(model.grad(n), want, atol * Math.max(1, scale * 10), rtol);
      expect(w, n).toBeLessThan(1);
    }
  });
});
