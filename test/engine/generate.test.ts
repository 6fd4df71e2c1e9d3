import { describe, expect, it } from "vitest";
import { generate, KvDecoder, sampleToken } from "../../src/engine/generate.js";
import type { Qwen2Model } from "../../src/engine/model.js";
import { createRefOps } from "../../src/engine/ref/index.js";
import { Rng } from "../../src/util/rng.js";
import { randomQwen2, tinyQwen2 } from "./tiny-qwen2.js";

const config = tinyQwen2;

function model(dtype: "f32" | "f64" = "f64"): Qwen2Model {
  return randomQwen2(createRefOps(dtype), config, 11, 0.3);
}

describe("generation with a KV cache", () => {
  it("the cache gives the full forward pass's logits, prompt at once or token by token", () => {
    const m = model();
    const ids = [3, 17, 5, 39, 0, 22, 8];
    const T = ids.length;
    m.forward({ ids: Int32Array.from(ids), targets: null, B: 1, T });
    const full = Float64Array.from(m.logits);
    const V = config.vocab_size;
    const whole = new KvDecoder(m, T).feed(ids);
    for (let v = 0; v < V; v++) expect(whole[v]).toBeCloseTo(full[(T - 1) * V + v], 11);
    const dec = new KvDecoder(m, T);
    dec.feed(ids.slice(0, 3));
    for (let t = 3; t < T; t++) {
      const lg = dec.feed([ids[t]]);
      for (let v = 0; v < V; v++) expect(lg[v]).toBeCloseTo(full[t * V + v], 11);
    }
  });

  it("greedy decoding is the argmax of the full forward at every step", () => {
    const m = model();
    const prompt = [1, 2, 3];
    const out = generate(m, prompt, { maxNewTokens: 5, temperature: 0 });
    expect(out).toHaveLength(5);
    const seq = [...prompt];
    for (const t of out) {
      m.forward({ ids: Int32Array.from(seq), targets: null, B: 1, T: seq.length });
      const V = config.vocab_size;
      const last = Array.from(m.logits.subarray((seq.length - 1) * V, seq.length * V));
      expect(t).toBe(last.indexOf(Math.max(...last)));
      seq.push(t);
    }
  });

  it("sampling is seeded, and stops at a stop id or the context length", () => {
    const m = model("f32");
    const opts = { maxNewTokens: 8, temperature: 1.2, topK: 10, topP: 0.9, seed: 5 };
    const a = generate(m, [4, 5], opts);
    expect(generate(m, [4, 5], opts)).toEqual(a);
    expect(generate(m, [4, 5], { ...opts, seed: 6 })).not.toEqual(a);
    const stopped = generate(m, [4, 5], { ...opts, stopIds: [a[2]] });
    expect(stopped[stopped.length - 1]).toBe(a[2]);
    expect(stopped.length).toBeLessThanOrEqual(3);
    expect(generate(m, [1, 2, 3], { maxNewTokens: 100, temperature: 0 })).toHaveLength(32 - 3 + 1);
  });
});

describe("sampleToken", () => {
  const logits = Float64Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
  const freq = (opts: Parameters<typeof sampleToken>[1], n = 20000) => {
    const rng = new Rng(1);
    const c = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) c[sampleToken(logits, opts, rng)]++;
    return c.map((x) => x / n);
  };
  it("greedy picks the argmax", () => {
    expect(sampleToken(logits, { maxNewTokens: 1, greedy: true }, new Rng(0))).toBe(0);
  });
  it("temperature 1 follows the softmax", () => {
    const f = freq({ maxNewTokens: 1, temperature: 1 });
    expect(f[0]).toBeCloseTo(0.5, 1);
    expect(f[3]).toBeCloseTo(0.05, 1);
  });
  it("top-k keeps the k most likely, renormalised", () => {
    const f = freq({ maxNewTokens: 1, temperature: 1, topK: 2 });
    expect(f[2] + f[3]).toBe(0);
    expect(f[0]).toBeCloseTo(0.5 / 0.8, 1);
  });
  it("top-p keeps the smallest set reaching p (HF: drop while cumulative ascending mass ≤ 1 − p)", () => {
    // ascending: 0.05, 0.15 (cumulative 0.20 ≤ 0.25: both dropped at p = 0.75), then 0.3 (0.50): kept
    const f = freq({ maxNewTokens: 1, temperature: 1, topP: 0.75 });
    expect(f[2] + f[3]).toBe(0);
    expect(f[1]).toBeCloseTo(0.3 / 0.8, 1);
    // p small: only the top token survives
    expect(freq({ maxNewTokens: 1, temperature: 1, topP: 0.1 })[0]).toBe(1);
  });
});
