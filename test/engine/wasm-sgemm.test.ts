import { describe, expect, it } from "vitest";
import { Rng } from "../../src/util/rng.js";
import { randn, sameBits, wasmBackends } from "./wasm-fixtures.js";

/**
 * The WebAssembly sgemm against a float64 triple loop written here from the BLAS definition
 * C = alpha·op(A)·op(B) + beta·C, for every transpose variant, edge tiles (sizes not multiples of the 4×8 tile),
 * several K blocks (K > 256), padded leading dimensions, and beta = 0 over a C full of NaN.
 */
const { ops } = wasmBackends();

/** Σ_k op(A)[i, k]·op(B)[k, j] in float64, and Σ_k |op(A)[i, k]·op(B)[k, j]| (the scale of the rounding error). */
function naive(
  tA: boolean,
  tB: boolean,
  M: number,
  N: number,
  K: number,
  A: ArrayLike<number>,
  lda: number,
  B: ArrayLike<number>,
  ldb: number,
): { ab: Float64Array; mag: Float64Array } {
  const ab = new Float64Array(M * N);
  const mag = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      let m = 0;
      for (let k = 0; k < K; k++) {
        const a = tA ? A[k * lda + i] : A[i * lda + k];
        const b = tB ? B[j * ldb + k] : B[k * ldb + j];
        s += a * b;
        m += Math.abs(a * b);
      }
      ab[i * N + j] = s;
      mag[i * N + j] = m;
    }
  return { ab, mag };
}

// [M, N, K]: single elements, tiles with every edge, M > 120 (two row blocks), N > M (column split),
// K over one and two 384-deep block boundaries, N above the 4096-column packing width.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 8, 4],
  [13, 17, 800],
  [33, 70, 513],
  [130, 20, 40],
  [257, 19, 64],
  [70, 300, 65],
  [2, 4100, 3],
];
const VARIANTS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

describe("wasm sgemm", () => {
  it("matches the float64 definition for every variant, edge tile, K block and beta, at 1 and 2 threads", () => {
    const rng = new Rng(1);
    let checked = 0;
    for (const [M, N, K] of SHAPES) {
      for (const [tA, tB] of VARIANTS) {
        // Padded leading dimensions: the kernels must use the strides, not the sizes.
        const lda = (tA ? M : K) + 3;
        const ldb = (tB ? K : N) + 1;
        const ldc = N + 2;
        let oracle: { ab: Float64Array; mag: Float64Array } | undefined;
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, 1],
          [-2, -0.5],
        ]) {
          const results: Float32Array[] = [];
          const C0 = randn(new Float32Array(M * ldc), rng);
          for (const t of [1, 2] as const) {
            const o = ops(t);
            const A = randn(o.alloc((tA ? K : M) * lda), new Rng(M * 7 + K));
            const B = randn(o.alloc((tB ? N : K) * ldb), new Rng(N * 3 + K));
            const C = o.alloc(M * ldc);
            if (beta === 0) C.fill(Number.NaN);
            else C.set(C0);
            o.sgemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
            oracle ??= naive(tA, tB, M, N, K, A, lda, B, ldb);
            const { ab, mag } = oracle;
            for (let i = 0; i < M; i++)
              for (let j = 0; j < N; j++) {
                const got = C[i * ldc + j];
                const c0 = beta === 0 ? 0 : beta * C0[i * ldc + j];
                const want = alpha * ab[i * N + j] + c0;
                const err = Math.abs(got - want);
                if (!(err <= 1e-6 * (Math.abs(alpha) * mag[i * N + j] + Math.abs(c0) + 1)))
                  throw new Error(
                    `${tA ? "T" : "N"}${tB ? "T" : "N"} M${M} N${N} K${K} a${alpha} b${beta} t${t}: C[${i},${j}] = ${got}, want ${want}`,
                  );
              }
            // the padding between rows is untouched
            for (let i = 0; i < M; i++)
              for (let j = N; j < ldc && i * ldc + j < C.length; j++)
                expect(Object.is(C[i * ldc + j], beta === 0 ? Number.NaN : C0[i * ldc + j])).toBe(true);
            results.push(C);
            checked++;
          }
          // Same bits whatever the thread count (the split never changes a sum's order).
          expect(sameBits(results[0], results[1])).toBe(true);
        }
      }
    }
    expect(checked).toBe(SHAPES.length * VARIANTS.length * 3 * 2);
  });

  it("K = 0 or alpha = 0 gives beta·C, and beta = 0 then ignores NaN", () => {
    const o = ops(2);
    const A = o.alloc(64 * 64);
    const B = o.alloc(64 * 64);
    A.fill(Number.NaN);
    B.fill(Number.NaN);
    const C = o.alloc(64 * 64);
    C.fill(2);
    o.sgemm(false, false, 64, 64, 0, 1, A, 64, B, 64, 3, C, 64);
    expect(C.every((x) => x === 6)).toBe(true);
    C.fill(Number.NaN);
    o.sgemm(false, true, 64, 64, 0, 1, A, 64, B, 64, 0, C, 64);
    expect(C.every((x) => x === 0)).toBe(true);
  });

  it("is deterministic: the same call twice gives the same bits", () => {
    const o = ops(2);
    const rng = new Rng(5);
    const [M, N, K] = [300, 200, 600];
    const A = randn(o.alloc(M * K), rng);
    const B = randn(o.alloc(K * N), rng);
    const C1 = o.alloc(M * N);
    const C2 = o.alloc(M * N);
    o.sgemm(false, true, M, N, K, 1, A, K, B, K, 0, C1, N);
    o.sgemm(false, true, M, N, K, 1, A, K, B, K, 0, C2, N);
    expect(sameBits(C1, C2)).toBe(true);
  });

  it("rejects buffers it does not own, short buffers and bad leading dimensions", () => {
    const o = ops(1);
    const A = o.alloc(16);
    expect(() => o.sgemm(false, false, 4, 4, 4, 1, new Float32Array(16), 4, A, 4, 0, A, 4)).toThrow(
      /not a buffer of this WebAssembly backend/,
    );
    expect(() => o.sgemm(false, false, 4, 4, 5, 1, A, 5, A, 4, 0, A, 4)).toThrow(/needs 20 elements/);
    expect(() => o.sgemm(false, false, 4, 4, 4, 1, A, 3, A, 4, 0, A, 4)).toThrow(/leading dimensions/);
    expect(() => o.sgemm(false, false, 4, 4, 4, 1, ops(2).alloc(16), 4, A, 4, 0, A, 4)).toThrow(
      /not a buffer of this/,
    );
  });
});
