import { describe, expect, it } from "vitest";
import type { Buf } from "../../src/engine/ops.js";
import { createRefOps } from "../../src/engine/ref/index.js";
import type { WasmOps } from "../../src/engine/wasm/wasm-ops.js";
import { Rng } from "../../src/util/rng.js";
import { f64, maxRelErr, randn, sameBits, wasmBackends } from "./wasm-fixtures.js";

/**
 * Every non-GEMM op of the WebAssembly backend against the float64 reference (src/engine/ref), at 1 and 2
 * threads, on sizes that are not multiples of the SIMD width and large enough to take the multi-threaded path;
 * and the two thread counts must agree bit for bit.
 */
const { ops } = wasmBackends();
const ref = createRefOps("f64");

/** Runs body on both thread counts; returns the float32 outputs it names, after checking they agree bitwise. */
function onBoth(body: (o: WasmOps) => Float32Array[]): Float32Array[] {
  const one = body(ops(1));
  const two = body(ops(2));
  one.forEach((buf, i) => {
    expect(sameBits(buf, two[i]), `output ${i} differs between 1 and 2 threads`).toBe(true);
  });
  return one;
}

/** A backend buffer holding a copy of src. */
function put(o: WasmOps, src: ArrayLike<number>): Float32Array {
  const b = o.alloc(src.length);
  b.set(src);
  return b;
}

function putInt(o: WasmOps, src: ArrayLike<number>): Int32Array {
  const b = o.allocInt(src.length);
  b.set(src);
  return b;
}

const rand = (n: number, seed: number, s = 1): Float32Array =>
  randn(new Float32Array(n), new Rng(seed), s) as Float32Array;

describe("wasm elementwise ops", () => {
  it("addBias and biasGrad (+=)", () => {
    const [N, C] = [300, 67];
    const y0 = rand(N * C, 1);
    const b = rand(C, 2);
    const db0 = rand(C, 3);
    const [y, db] = onBoth((o) => {
      const y = put(o, y0);
      o.addBias(y, put(o, b), N, C);
      const db = put(o, db0);
      o.biasGrad(put(o, y0), db, N, C);
      return [y, db];
    });
    const wy = f64(y0);
    ref.addBias(wy, f64(b), N, C);
    const wdb = f64(db0);
    ref.biasGrad(f64(y0), wdb, N, C);
    expect(maxRelErr(y, wy)).toBeLessThan(5e-6);
    expect(maxRelErr(db, wdb)).toBeLessThan(5e-6);
  });

  it("add (aliased output), scale and sumSquares", () => {
    const n = 20011;
    const a = rand(n, 4);
    const b = rand(n, 5);
    const [sum, scaled] = onBoth((o) => {
      const x = put(o, a);
      o.add(x, put(o, b), x, n);
      const s = put(o, a);
      o.scale(s, -0.37, n);
      return [x, s];
    });
    const want = f64(a);
    ref.add(want, f64(b), want, n);
    expect(maxRelErr(sum, want)).toBeLessThan(5e-6);
    const ws = f64(a);
    ref.scale(ws, -0.37, n);
    expect(maxRelErr(scaled, ws)).toBeLessThan(5e-6);

    const big = rand(50001, 6, 3);
    const s1 = ops(1).sumSquares(put(ops(1), big), big.length);
    const s2 = ops(2).sumSquares(put(ops(2), big), big.length);
    expect(s1).toBe(s2);
    expect(Math.abs(s1 - ref.sumSquares(f64(big), big.length)) / s1).toBeLessThan(1e-12);
    expect(ops(1).sumSquares(put(ops(1), [3, 4]), 2)).toBe(25);
  });

  it("embedding forward and backward (repeated ids accumulate in order)", () => {
    const [V, C, N] = [50, 70, 300];
    const rng = new Rng(7);
    const ids = Int32Array.from({ length: N }, () => rng.int(V));
    ids[0] = V - 1;
    const table = rand(V * C, 8);
    const dout = rand(N * C, 9);
    const dt0 = rand(V * C, 10);
    const [out, dtable] = onBoth((o) => {
      const out = o.alloc(N * C);
      out.fill(Number.NaN);
      const id = putInt(o, ids);
      o.embeddingForward(id, put(o, table), out, N, C);
      const dtable = put(o, dt0);
      o.embeddingBackward(id, put(o, dout), dtable, N, C);
      return [out, dtable];
    });
    const wo = new Float64Array(N * C);
    ref.embeddingForward(ids, f64(table), wo, N, C);
    expect(maxRelErr(out, wo)).toBe(0);
    const wd = f64(dt0);
    ref.embeddingBackward(ids, f64(dout), wd, N, C);
    expect(maxRelErr(dtable, wd)).toBeLessThan(5e-6);
    const o = ops(1);
    expect(() => o.embeddingForward(putInt(o, [V]), put(o, table), o.alloc(C), 1, C)).toThrow(
      /outside \[0, 50\)/,
    );
  });

  it("rmsnorm forward and backward (dx, dw +=)", () => {
    const [N, C] = [130, 131];
    const eps = 1e-6;
    const x = rand(N * C, 11, 2);
    const w = rand(C, 12);
    const dy = rand(N * C, 13);
    const dx0 = rand(N * C, 14);
    const dw0 = rand(C, 15);
    const [y, rstd, dx, dw] = onBoth((o) => {
      const y = o.alloc(N * C);
      y.fill(Number.NaN);
      const rstd = o.alloc(N);
      const bx = put(o, x);
      const bw = put(o, w);
      o.rmsnormForward(bx, bw, eps, y, rstd, N, C);
      const dx = put(o, dx0);
      const dw = put(o, dw0);
      o.rmsnormBackward(bx, bw, rstd, put(o, dy), dx, dw, N, C);
      return [y, rstd, dx, dw];
    });
    const wy = new Float64Array(N * C);
    const wr = new Float64Array(N);
    ref.rmsnormForward(f64(x), f64(w), eps, wy, wr, N, C);
    expect(maxRelErr(y, wy)).toBeLessThan(5e-6);
    expect(maxRelErr(rstd, wr)).toBeLessThan(5e-6);
    const wdx = f64(dx0);
    const wdw = f64(dw0);
    ref.rmsnormBackward(f64(x), f64(w), wr, f64(dy), wdx, wdw, N, C);
    expect(maxRelErr(dx, wdx)).toBeLessThan(5e-6);
    expect(maxRelErr(dw, wdw)).toBeLessThan(5e-6);
  });

  it("rope forward and inverse (HF half-split), even when D/2 is not a multiple of 4", () => {
    for (const [N, H, D] of [
      [100, 4, 64],
      [33, 3, 10],
    ]) {
      const maxPos = 50;
      const half = D / 2;
      const cos = new Float32Array(maxPos * half);
      const sin = new Float32Array(maxPos * half);
      for (let p = 0; p < maxPos; p++)
        for (let i = 0; i < half; i++) {
          cos[p * half + i] = Math.cos(p / 10000 ** ((2 * i) / D));
          sin[p * half + i] = Math.sin(p / 10000 ** ((2 * i) / D));
        }
      const rng = new Rng(16);
      const pos = Int32Array.from({ length: N }, () => rng.int(maxPos));
      const x = rand(N * H * D, 17);
      for (const inverse of [false, true]) {
        const [got] = onBoth((o) => {
          const bx = put(o, x);
          o.rope(bx, putInt(o, pos), put(o, cos), put(o, sin), N, H, D, inverse);
          return [bx];
        });
        const want = f64(x);
        ref.rope(want, pos, f64(cos), f64(sin), N, H, D, inverse);
        expect(maxRelErr(got, want)).toBeLessThan(5e-6);
      }
    }
  });

  it("swiglu forward and backward, including saturated gates", () => {
    const n = 20011;
    const gate = rand(n, 18, 4);
    gate.set([0, -0, 30, -30, 88, -88, 100, -100, 1e-30], 0);
    const up = rand(n, 19);
    const dout = rand(n, 20);
    const [out, dgate, dup] = onBoth((o) => {
      const out = o.alloc(n);
      const dgate = o.alloc(n);
      const dup = o.alloc(n);
      const g = put(o, gate);
      const u = put(o, up);
      o.swigluForward(g, u, out, n);
      o.swigluBackward(g, u, put(o, dout), dgate, dup, n);
      return [out, dgate, dup];
    });
    const wo = new Float64Array(n);
    ref.swigluForward(f64(gate), f64(up), wo, n);
    const wdg = new Float64Array(n);
    const wdu = new Float64Array(n);
    ref.swigluBackward(f64(gate), f64(up), f64(dout), wdg, wdu, n);
    expect(maxRelErr(out, wo)).toBeLessThan(5e-6);
    expect(maxRelErr(dgate, wdg)).toBeLessThan(5e-6);
    expect(maxRelErr(dup, wdu)).toBeLessThan(5e-6);
  });

  it("adamw over three steps matches PyTorch's update order", () => {
    const n = 20011;
    const p0 = rand(n, 21);
    const m0 = new Float32Array(n);
    const v0 = new Float32Array(n);
    const grads = [rand(n, 22), rand(n, 23, 1e-3), rand(n, 24, 10)];
    const [p, m, v] = onBoth((o) => {
      const p = put(o, p0);
      const m = put(o, m0);
      const v = put(o, v0);
      grads.forEach((g, i) => {
        o.adamw(p, put(o, g), m, v, n, 1e-3, 0.9, 0.95, 1e-8, 0.1, i + 1);
      });
      return [p, m, v];
    });
    const wp = f64(p0);
    const wm = f64(m0);
    const wv = f64(v0);
    grads.forEach((g, i) => {
      ref.adamw(wp, f64(g), wm, wv, n, 1e-3, 0.9, 0.95, 1e-8, 0.1, i + 1);
    });
    expect(maxRelErr(p, wp)).toBeLessThan(5e-6);
    expect(maxRelErr(m, wm)).toBeLessThan(5e-6);
    expect(maxRelErr(v, wv)).toBeLessThan(5e-6);
  });
});

describe("wasm cross-entropy", () => {
  const [N, V] = [37, 1003];
  const logits = rand(N * V, 25, 3);
  logits.set([80, -80, 1e4, -1e4], 5 * V); // extreme logits in one row
  const rng = new Rng(26);
  const targets = Int32Array.from({ length: N }, () => rng.int(V));
  targets[3] = -100;
  targets[10] = -100;
  targets[5] = 2; // the 1e4 logit: loss ≈ 0

  function want(): { loss: number; count: number; dl: Float64Array } {
    const dl = new Float64Array(N * V);
    const r = ref.crossEntropy(f64(logits), targets, N, V, dl, 0.25);
    return { ...r, dl };
  }

  it("fused loss and gradient, separate or in place, at 1 and 2 threads", () => {
    const w = want();
    expect(w.count).toBe(N - 2);
    const losses: number[] = [];
    for (const inPlace of [false, true]) {
      const [dl] = onBoth((o) => {
        const l = put(o, logits);
        const dl = inPlace ? l : o.alloc(N * V);
        dl.fill(Number.NaN, 0, inPlace ? 0 : N * V);
        const r = o.crossEntropy(l, putInt(o, targets), N, V, dl, 0.25);
        expect(r.count).toBe(N - 2);
        losses.push(r.loss);
        return [dl];
      });
      expect(maxRelErr(dl, w.dl)).toBeLessThan(5e-6);
      for (const row of [3, 10]) expect(dl.subarray(row * V, (row + 1) * V).every((x) => x === 0)).toBe(true);
    }
    for (const l of losses) {
      expect(l).toBe(losses[0]);
      expect(Math.abs(l - w.loss) / w.loss).toBeLessThan(1e-6);
    }
  });

  it("loss only (no gradient buffer) leaves the logits untouched", () => {
    const o = ops(2);
    const l = put(o, logits);
    const r = o.crossEntropy(l, putInt(o, targets), N, V, null, 1);
    expect(Math.abs(r.loss - want().loss) / r.loss).toBeLessThan(1e-6);
    expect(sameBits(l, logits)).toBe(true);
  });

  it("rejects a target outside the vocabulary", () => {
    const o = ops(1);
    expect(() => o.crossEntropy(put(o, [1, 2]), putInt(o, [2]), 1, 2, null, 1)).toThrow(/target 2 at row 0/);
  });
});

describe("wasm attention", () => {
  // [B, T, H, KV, D]: GQA with 2 heads per KV head, MHA, one KV head for 3 heads; T and D off the tile sizes.
  const CASES: [number, number, number, number, number][] = [
    [3, 70, 4, 2, 16],
    [2, 13, 2, 2, 12],
    [1, 9, 3, 1, 5],
    [1, 400, 2, 1, 8], // T over one 384-deep block of the GEMMs' K loop
  ];
  it("causal GQA forward and backward match the reference", () => {
    for (const [B, T, H, KV, D] of CASES) {
      const N = B * T;
      const scale = 1 / Math.sqrt(D);
      const q = rand(N * H * D, 27);
      const k = rand(N * KV * D, 28);
      const v = rand(N * KV * D, 29);
      const dout = rand(N * H * D, 30);
      const got = onBoth((o) => {
        const [bq, bk, bv] = [put(o, q), put(o, k), put(o, v)];
        const att = o.alloc(B * H * T * T);
        att.fill(Number.NaN);
        const out = o.alloc(N * H * D);
        o.attentionForward(bq, bk, bv, att, out, B, T, H, KV, D, scale);
        const [dq, dk, dv] = [o.alloc(N * H * D), o.alloc(N * KV * D), o.alloc(N * KV * D)];
        for (const b of [dq, dk, dv]) b.fill(Number.NaN);
        o.attentionBackward(bq, bk, bv, att, put(o, dout), dq, dk, dv, B, T, H, KV, D, scale);
        return [att, out, dq, dk, dv];
      });
      const watt = new Float64Array(B * H * T * T);
      const wout = new Float64Array(N * H * D);
      const [wq, wk, wv] = [f64(q), f64(k), f64(v)];
      ref.attentionForward(wq, wk, wv, watt, wout, B, T, H, KV, D, scale);
      const [wdq, wdk, wdv] = [
        new Float64Array(N * H * D),
        new Float64Array(N * KV * D),
        new Float64Array(N * KV * D),
      ];
      ref.attentionBackward(wq, wk, wv, watt, f64(dout), wdq, wdk, wdv, B, T, H, KV, D, scale);
      const label = `B${B} T${T} H${H} KV${KV} D${D}`;
      expect(maxRelErr(got[0], watt), `${label} att`).toBeLessThan(1e-5);
      // above the diagonal: exactly 0
      for (let bh = 0; bh < B * H; bh++)
        for (let t = 0; t < T; t++)
          for (let s = t + 1; s < T; s++)
            if (got[0][(bh * T + t) * T + s] !== 0) throw new Error(`${label}: att[${bh},${t},${s}] ≠ 0`);
      expect(maxRelErr(got[1], wout), `${label} out`).toBeLessThan(1e-5);
      expect(maxRelErr(got[2], wdq), `${label} dq`).toBeLessThan(1e-5);
      expect(maxRelErr(got[3], wdk), `${label} dk`).toBeLessThan(1e-5);
      expect(maxRelErr(got[4], wdv), `${label} dv`).toBeLessThan(1e-5);
    }
  });
});

describe("wasm backend plumbing", () => {
  it("names itself, reports threads, and refuses float64 buffers and foreign ones", () => {
    expect(ops(2).name).toMatch(/^wasm (relaxed-simd|simd) ×2 threads$/);
    expect(ops(2).threads).toBe(2);
    expect(ops(1).dtype).toBe("f32");
    const o = ops(1);
    const x: Buf = new Float64Array(4);
    expect(() => o.scale(x, 2, 4)).toThrow(/not a buffer of this WebAssembly backend/);
    expect(() => o.scale(o.alloc(3), 2, 4)).toThrow(/needs 4 elements, has 3/);
  });

  it("measures the micro-kernel's own rate (the benchmark's calibration) on every thread", () => {
    for (const t of [1, 2] as const) {
      const g = ops(t).microKernelGflops(0.01);
      expect(Number.isFinite(g) && g > 0.1).toBe(true);
    }
  });
});
