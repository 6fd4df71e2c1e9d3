import { describe, expect, it } from "vitest";
import { qwen2Config } from "../../src/engine/config.js";
import { Qwen2Model } from "../../src/engine/model.js";
import * as ref from "../../src/engine/ref/index.js";
import { shiftedTargets } from "../../src/engine/targets.js";
import { Rng } from "../../src/util/rng.js";

/**
 * Finite-difference gradient checks in float64: for each op, a scalar L = Σ wᵢ·outᵢ with fixed random weights w,
 * its analytic gradient from the op's backward, and central differences (L(x+h) − L(x−h)) / 2h.
 */
const rng = new Rng(7);
const randn = (n: number, s = 1) => Float64Array.from({ length: n }, () => rng.normal() * s);

/** Compare analytic gradient g of f at x with central differences on every (or `sample`) element. */
function check(f: () => number, x: Float64Array, g: ArrayLike<number>, sample?: number): number {
  const h = 1e-6;
  let worst = 0;
  const idx = sample ? Array.from({ length: sample }, () => rng.int(x.length)) : [...x.keys()];
  for (const i of idx) {
    const x0 = x[i];
    x[i] = x0 + h;
    const fp = f();
    x[i] = x0 - h;
    const fm = f();
    x[i] = x0;
    const num = (fp - fm) / (2 * h);
    worst = Math.max(worst, Math.abs(num - g[i]) / (1e-7 + 1e-5 * Math.abs(num)));
  }
  return worst;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe("op gradients (float64 finite differences)", () => {
  it("rmsnorm: dx and dw", () => {
    const N = 3;
    const C = 5;
    const x = randn(N * C);
    const w = randn(C);
    const wOut = randn(N * C);
    const y = new Float64Array(N * C);
    const rstd = new Float64Array(N);
    const f = () => {
      ref.rmsnormForward(x, w, 1e-6, y, rstd, N, C);
      return dot(y, wOut);
    };
    f();
    const dx = new Float64Array(N * C);
    const dw = new Float64Array(C);
    ref.rmsnormBackward(x, w, rstd, wOut, dx, dw, N, C);
    expect(check(f, x, dx)).toBeLessThan(1);
    expect(check(f, w, dw)).toBeLessThan(1);
  });

  it("rmsnorm forward matches the definition w · x / sqrt(mean(x²) + eps)", () => {
    const x = Float64Array.from([1, 2, 3, 4]);
    const y = new Float64Array(4);
    const rstd = new Float64Array(1);
    ref.rmsnormForward(x, Float64Array.from([1, 1, 2, 0.5]), 1e-6, y, rstd, 1, 4);
    const r = 1 / Math.sqrt(30 / 4 + 1e-6); // mean(x²) = 7.5
    expect([...y]).toEqual([1 * r, 2 * r, 6 * r, 2 * r]);
  });

  it("swiglu: dgate and dup", () => {
    const n = 12;
    const gate = randn(n, 2);
    const up = randn(n);
    const wOut = randn(n);
    const out = new Float64Array(n);
    const f = () => {
      ref.swigluForward(gate, up, out, n);
      return dot(out, wOut);
    };
    const dg = new Float64Array(n);
    const du = new Float64Array(n);
    ref.swigluBackward(gate, up, wOut, dg, du, n);
    expect(check(f, gate, dg)).toBeLessThan(1);
    expect(check(f, up, du)).toBeLessThan(1);
  });

  it("rope: the inverse call is the backward (transpose) and undoes the forward", () => {
    const N = 4;
    const H = 2;
    const D = 6;
    const cos = new Float64Array(N * 3);
    const sin = new Float64Array(N * 3);
    for (let p = 0; p < N; p++)
      for (let i = 0; i < 3; i++) {
        const a = p / 100 ** ((2 * i) / D);
        cos[p * 3 + i] = Math.cos(a);
        sin[p * 3 + i] = Math.sin(a);
      }
    const pos = Int32Array.from([0, 1, 2, 3]);
    const x = randn(N * H * D);
    const wOut = randn(N * H * D);
    const f = () => {
      const y = Float64Array.from(x);
      ref.rope(y, pos, cos, sin, N, H, D, false);
      return dot(y, wOut);
    };
    const dx = Float64Array.from(wOut);
    ref.rope(dx, pos, cos, sin, N, H, D, true);
    expect(check(f, x, dx)).toBeLessThan(1);
    // HF: q·cos + rotate_half(q)·sin, rotate_half(x) = cat(−x2, x1); check element (n=1, h=0, i=0) by hand
    const y = Float64Array.from(x);
    ref.rope(y, pos, cos, sin, N, H, D, false);
    const o = 1 * H * D;
    expect(y[o]).toBeCloseTo(x[o] * Math.cos(1) - x[o + 3] * Math.sin(1), 14);
    expect(y[o + 3]).toBeCloseTo(x[o + 3] * Math.cos(1) + x[o] * Math.sin(1), 14);
    ref.rope(y, pos, cos, sin, N, H, D, true);
    for (let i = 0; i < y.length; i++) expect(y[i]).toBeCloseTo(x[i], 13);
  });

  it("attention (GQA, causal): dq, dk, dv", () => {
    const B = 2;
    const T = 4;
    const H = 4;
    const KV = 2;
    const D = 3;
    const N = B * T;
    const q = randn(N * H * D);
    const k = randn(N * KV * D);
    const v = randn(N * KV * D);
    const att = new Float64Array(B * H * T * T);
    const out = new Float64Array(N * H * D);
    const wOut = randn(N * H * D);
    const scale = D ** -0.5;
    const f = () => {
      ref.attentionForward(q, k, v, att, out, B, T, H, KV, D, scale);
      return dot(out, wOut);
    };
    f();
    const dq = new Float64Array(N * H * D);
    const dk = new Float64Array(N * KV * D).fill(Number.NaN); // overwrite semantics
    const dv = new Float64Array(N * KV * D).fill(Number.NaN);
    ref.attentionBackward(q, k, v, att, wOut, dq, dk, dv, B, T, H, KV, D, scale);
    expect(check(f, q, dq)).toBeLessThan(1);
    expect(check(f, k, dk)).toBeLessThan(1);
    expect(check(f, v, dv)).toBeLessThan(1);
    // causal: the first position attends only to itself; entries above the diagonal are 0
    expect(att[0]).toBe(1);
    expect(att[1]).toBe(0);
  });

  it("cross-entropy with ignored rows: value and dlogits", () => {
    const N = 4;
    const V = 6;
    const logits = randn(N * V, 3);
    const targets = Int32Array.from([2, -100, 5, 0]);
    const f = () => ref.crossEntropy(logits, targets, N, V, null, 0).loss;
    const d = new Float64Array(N * V);
    const r = ref.crossEntropy(logits, targets, N, V, d, 1);
    expect(r.count).toBe(3);
    expect(check(f, logits, d)).toBeLessThan(1);
    // hand value for one row: −log softmax
    const row = [...logits.slice(0, V)];
    const lse = Math.log(row.reduce((s, z) => s + Math.exp(z), 0));
    const one = ref.crossEntropy(logits.subarray(0, V), Int32Array.from([2]), 1, V, null, 0);
    expect(one.loss).toBeCloseTo(lse - row[2], 12);
    // in place (dlogits aliasing logits) gives the same gradient
    const inPlace = Float64Array.from(logits);
    ref.crossEntropy(inPlace, targets, N, V, inPlace, 1);
    for (let i = 0; i < d.length; i++) expect(inPlace[i]).toBeCloseTo(d[i], 15);
  });

  it("embedding backward accumulates repeated ids", () => {
    const table = randn(5 * 2);
    const ids = Int32Array.from([3, 1, 3]);
    const out = new Float64Array(6);
    ref.embeddingForward(ids, table, out, 3, 2);
    expect([...out]).toEqual([table[6], table[7], table[2], table[3], table[6], table[7]]);
    const d = new Float64Array(10);
    ref.embeddingBackward(ids, Float64Array.from([1, 2, 3, 4, 5, 6]), d, 3, 2);
    expect([...d]).toEqual([0, 0, 3, 4, 0, 0, 6, 8, 0, 0]);
  });

  it("sgemm: every transpose variant, alpha, beta, leading dimensions", () => {
    const M = 5;
    const N = 7;
    const K = 6;
    for (const tA of [false, true])
      for (const tB of [false, true]) {
        const lda = (tA ? M : K) + 2;
        const ldb = (tB ? K : N) + 1;
        const ldc = N + 3;
        const A = randn((tA ? K : M) * lda);
        const Bm = randn((tB ? N : K) * ldb);
        const C = randn(M * ldc);
        const C0 = Float64Array.from(C);
        ref.sgemm(tA, tB, M, N, K, 0.5, A, lda, Bm, ldb, -2, C, ldc);
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let p = 0; p < K; p++)
              s += (tA ? A[p * lda + i] : A[i * lda + p]) * (tB ? Bm[j * ldb + p] : Bm[p * ldb + j]);
            expect(C[i * ldc + j]).toBeCloseTo(0.5 * s - 2 * C0[i * ldc + j], 12);
          }
        // padding columns untouched
        expect(C[ldc - 1]).toBe(C0[ldc - 1]);
      }
    // beta = 0 ignores NaN in C
    const C = new Float64Array(4).fill(Number.NaN);
    ref.sgemm(false, false, 2, 2, 1, 1, Float64Array.from([1, 2]), 1, Float64Array.from([3, 4]), 2, 0, C, 2);
    expect([...C]).toEqual([3, 4, 6, 8]);
  });

  it("bias gradient and AdamW against hand-computed values", () => {
    const db = Float64Array.from([1, 1]);
    ref.biasGrad(Float64Array.from([1, 2, 3, 4, 5, 6]), db, 3, 2);
    expect([...db]).toEqual([10, 13]);
    // one AdamW step from m = v = 0: m̂ = g, v̂ = g², so p ← p(1 − lr·wd) − lr·g/(|g| + eps)
    const p = Float64Array.from([1, -2]);
    const g = Float64Array.from([0.5, -0.25]);
    const m = new Float64Array(2);
    const v = new Float64Array(2);
    ref.adamw(p, g, m, v, 2, 0.1, 0.9, 0.95, 1e-8, 0.01, 1);
    expect(p[0]).toBeCloseTo(1 * (1 - 0.001) - (0.1 * 0.5) / (0.5 + 1e-8), 14);
    expect(p[1]).toBeCloseTo(-2 * (1 - 0.001) + (0.1 * 0.25) / (0.25 + 1e-8), 14);
    expect(m[0]).toBeCloseTo(0.05, 15);
    expect(v[1]).toBeCloseTo(0.05 * 0.0625, 15);
  });
});

describe("whole-model gradient (float64 finite differences)", () => {
  it.each([true, false])("tied=%s: every tensor, sampled elements", (tied) => {
    const config = qwen2Config({
      vocab_size: 11,
      hidden_size: 8,
      intermediate_size: 10,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 4,
      max_position_embeddings: 16,
      tie_word_embeddings: tied,
      rope_theta: 100,
    });
    const model = new Qwen2Model(ref.createRefOps("f64"), config);
    const r = new Rng(3);
    for (let i = 0; i < model.params.length; i++) model.params[i] = r.normal() * 0.5;
    for (const t of model.layout.tensors)
      if (t.init === "ones") for (let i = 0; i < t.size; i++) model.params[t.offset + i] += 1;
    const B = 2;
    const T = 5;
    const ids = Int32Array.from({ length: B * T }, () => r.int(11));
    const labels = Int32Array.from(ids);
    labels[3] = -100;
    const targets = shiftedTargets(labels, B, T);
    const loss = () => {
      const o = model.forward({ ids, targets, B, T });
      return o.lossSum / o.count;
    };
    const count = model.forward({ ids, targets, B, T }).count;
    model.zeroGrads();
    model.forward({ ids, targets, B, T }, 1 / count);
    model.backward();
    const g = Float64Array.from(model.grads);
    const params = model.params as Float64Array;
    for (const t of model.layout.tensors) {
      const view = params.subarray(t.offset, t.offset + t.size);
      const w = check(loss, view, g.subarray(t.offset, t.offset + t.size), Math.min(t.size, 6));
      expect(w, t.name).toBeLessThan(1);
    }
  });
});

describe("initialisation (Qwen2PreTrainedModel._init_weights)", () => {
  it("N(0, initializer_range) weights, zero biases, unit norm gains, zero padding row", () => {
    const config = qwen2Config({
      vocab_size: 64,
      hidden_size: 32,
      intermediate_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      max_position_embeddings: 16,
      initializer_range: 0.05,
      pad_token_id: 3,
    });
    const model = new Qwen2Model(ref.createRefOps("f32"), config);
    model.initWeights(new Rng(1));
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (const t of model.layout.tensors) {
      const w = model.param(t);
      if (t.init === "zeros")
        expect(
          Array.from(w).every((x) => x === 0),
          t.name,
        ).toBe(true);
      if (t.init === "ones")
        expect(
          Array.from(w).every((x) => x === 1),
          t.name,
        ).toBe(true);
      if (t.init === "normal" && t !== model.layout.embed)
        for (const x of w) {
          n++;
          sum += x;
          sq += x * x;
        }
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.002);
    expect(Math.sqrt(sq / n)).toBeCloseTo(0.05, 2);
    const row = model.param(model.layout.embed).subarray(3 * 32, 4 * 32);
    expect(Array.from(row).every((x) => x === 0)).toBe(true);
  });
});
