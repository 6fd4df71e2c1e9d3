import type { Buf } from "../ops.js";

/**
 * Reference GEMM: C = alpha · op(A) · op(B) + beta · C (the Ops.sgemm contract).
 *
 * op(A) and op(B) are first packed into float64 panels (4 rows of op(A) interleaved per k; 4 columns of op(B)
 * interleaved per k, zero-padded to a multiple of 4), which turns every transpose variant into the same
 * contiguous 4×4 register-blocked loop with 16 float64 accumulators. Each element of C is one float64 dot
 * product rounded once when stored, so the float32 result is as close to exact as one rounding allows, and
 * the summation order (k ascending) does not depend on the transpose flags. This is the test oracle and the
 * fallback backend, not the fast path.
 */
export function sgemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Buf,
  lda: number,
  B: Buf,
  ldb: number,
  beta: number,
  C: Buf,
  ldc: number,
): void {
  const N4 = Math.ceil(N / 4);
  // bp[(jb·K + p)·4 + c] = op(B)[p, 4·jb + c]
  const bp = new Float64Array(N4 * K * 4);
  for (let jb = 0; jb < N4; jb++) {
    for (let c = 0; c < 4; c++) {
      const j = 4 * jb + c;
      if (j >= N) continue;
      const base = jb * K * 4 + c;
      if (transB) for (let p = 0, o = j * ldb; p < K; p++) bp[base + 4 * p] = B[o + p];
      else for (let p = 0; p < K; p++) bp[base + 4 * p] = B[p * ldb + j];
    }
  }
  const ap = new Float64Array(K * 4);
  for (let i0 = 0; i0 < M; i0 += 4) {
    const rows = Math.min(4, M - i0);
    ap.fill(0);
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      if (transA) for (let p = 0; p < K; p++) ap[4 * p + r] = A[p * lda + i];
      else for (let p = 0, o = i * lda; p < K; p++) ap[4 * p + r] = A[o + p];
    }
    for (let jb = 0; jb < N4; jb++) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      const b0 = jb * K * 4;
      for (let p = 0; p < K; p++) {
        const a = 4 * p;
        const b = b0 + a;
        const a0 = ap[a],
          a1 = ap[a + 1],
          a2 = ap[a + 2],
          a3 = ap[a + 3];
        const x0 = bp[b],
          x1 = bp[b + 1],
          x2 = bp[b + 2],
          x3 = bp[b + 3];
        c00 += a0 * x0;
        c01 += a0 * x1;
        c02 += a0 * x2;
        c03 += a0 * x3;
        c10 += a1 * x0;
        c11 += a1 * x1;
        c12 += a1 * x2;
        c13 += a1 * x3;
        c20 += a2 * x0;
        c21 += a2 * x1;
        c22 += a2 * x2;
        c23 += a2 * x3;
        c30 += a3 * x0;
        c31 += a3 * x1;
        c32 += a3 * x2;
        c33 += a3 * x3;
      }
      const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
      const cols = Math.min(4, N - 4 * jb);
      for (let r = 0; r < rows; r++) {
        const o = (i0 + r) * ldc + 4 * jb;
        for (let c = 0; c < cols; c++) {
          const v = alpha * acc[4 * r + c];
          C[o + c] = beta === 0 ? v : v + beta * C[o + c];
        }
      }
    }
  }
}
