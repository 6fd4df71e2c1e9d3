import { afterAll, beforeAll } from "vitest";
import type { Buf } from "../../src/engine/ops.js";
import { WasmOps } from "../../src/engine/wasm/wasm-ops.js";
import type { Rng } from "../../src/util/rng.js";

/** WasmOps at 1 and 2 threads for one test file, started once and disposed after it. */
export function wasmBackends(): { ops: (threads: 1 | 2) => WasmOps } {
  const made: Partial<Record<1 | 2, WasmOps>> = {};
  beforeAll(async () => {
    for (const t of [1, 2] as const) {
      // minParallelWork 0: every call goes through the workers, however small the test sizes are.
      const ops = await WasmOps.create({ threads: t, minParallelWork: 0 });
      if (!ops) throw new Error("this Node has no WebAssembly SIMD");
      made[t] = ops;
    }
  });
  afterAll(() => {
    made[1]?.dispose();
    made[2]?.dispose();
  });
  return { ops: (t) => made[t]! };
}

/** Fills buf with N(0, s²) values from rng. */
export function randn(buf: Buf, rng: Rng, s = 1): Buf {
  for (let i = 0; i < buf.length; i++) buf[i] = rng.normal() * s;
  return buf;
}

/**
 * Largest |got − want| / (|want| + mean |want|) over the first n elements: relative error, with an absolute floor
 * at the typical magnitude so that values that cancel to near 0 are judged on the scale of the whole output
 * (like torch.allclose with atol tied to the data). NaN anywhere counts as Infinity.
 */
export function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>, n = want.length): number {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += Math.abs(want[i]);
  mean = mean / Math.max(n, 1) || 1e-30;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + mean);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
  }
  return worst;
}

/** A float64 copy (for the float64 reference). */
export const f64 = (b: ArrayLike<number>): Float64Array => Float64Array.from(b);

/** Whether two buffers hold the same float32 bit patterns. */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
