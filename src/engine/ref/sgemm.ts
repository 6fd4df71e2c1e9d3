import type { Buf } from "../ops.js";

/**
 * Reference GEMM: C = alpha · op(A) · op(B) + beta · C (the Ops.sgemm contract). Each output row is accumulated
 * in a float64 scratch row and rounded once when stored, so the float32 result is as close to the exact value
 * as a single rounding allows; in float64 mode the arithmetic is plain double precision. Four rows of C are
 * computed together so each loaded element of B is used four times (this is the fallback and the test oracle,
 * not the fast path, but it should not be needlessly slow).
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
  const acc = new Float64Array(4 * N);
  for (let i0 = 0; i0 < M; i0 += 4) {
    const rows = Math.min(4, M - i0);
    acc.fill(0);
    if (!transB) accumulateRowsBN(transA, i0, rows, N, K, A, lda, B, ldb, acc);
    else accumulateRowsBT(transA, i0, rows, N, K, A, lda, B, ldb, acc);
    for (let r = 0; r < rows; r++) {
      const c0 = (i0 + r) * ldc;
      const a0 = r * N;
      if (beta === 0) for (let j = 0; j < N; j++) C[c0 + j] = alpha * acc[a0 + j];
      else for (let j = 0; j < N; j++) C[c0 + j] = alpha * acc[a0 + j] + beta * C[c0 + j];
    }
  }
}

/** Element (i, p) of op(A). */
function aAt(transA: boolean, A: Buf, lda: number, i: number, p: number): number {
  return transA ? A[p * lda + i] : A[i * lda + p];
}

/** B stored [K, ldb]: acc[r, j] += Σ_p op(A)[i0+r, p] · B[p, j], streaming rows of B. */
function accumulateRowsBN(
  transA: boolean,
  i0: number,
  rows: number,
  N: number,
  K: number,
  A: Buf,
  lda: number,
  B: Buf,
  ldb: number,
  acc: Float64Array,
): void {
  if (rows === 4) {
    for (let p = 0; p < K; p++) {
      const a0 = aAt(transA, A, lda, i0, p);
      const a1 = aAt(transA, A, lda, i0 + 1, p);
      const a2 = aAt(transA, A, lda, i0 + 2, p);
      const a3 = aAt(transA, A, lda, i0 + 3, p);
      const b0 = p * ldb;
      for (let j = 0; j < N; j++) {
        const b = B[b0 + j];
        acc[j] += a0 * b;
        acc[N + j] += a1 * b;
        acc[2 * N + j] += a2 * b;
        acc[3 * N + j] += a3 * b;
      }
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < K; p++) {
      const a = aAt(transA, A, lda, i0 + r, p);
      const b0 = p * ldb;
      for (let j = 0; j < N; j++) acc[r * N + j] += a * B[b0 + j];
    }
  }
}

/** B stored [N, ldb] (transposed): acc[r, j] = dot(op(A)[i0+r, :], B[j, :]). */
function accumulateRowsBT(
  transA: boolean,
  i0: number,
  rows: number,
  N: number,
  K: number,
  A: Buf,
  lda: number,
  B: Buf,
  ldb: number,
  acc: Float64Array,
): void {
  // Gather the rows of op(A) once (contiguous in float64), then take dot products with rows of B.
  const a = new Float64Array(rows * K);
  for (let r = 0; r < rows; r++) for (let p = 0; p < K; p++) a[r * K + p] = aAt(transA, A, lda, i0 + r, p);
  for (let j = 0; j < N; j++) {
    const b0 = j * ldb;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      const ar = r * K;
      for (let p = 0; p < K; p++) s += a[ar + p] * B[b0 + p];
      acc[r * N + j] = s;
    }
  }
}
