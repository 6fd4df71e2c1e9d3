import type { Buf } from "../ops.js";

/**
 * Qwen2RMSNorm forward: y = w · (x · rsqrt(mean(x²) + eps)) per row.  x [N, C], w [C], y [N, C], rstd [N].
 */
export function rmsnormForward(x: Buf, w: Buf, eps: number, y: Buf, rstd: Buf, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x[o + c] * x[o + c];
    const r = 1 / Math.sqrt(ss / C + eps);
    rstd[n] = r;
    for (let c = 0; c < C; c++) y[o + c] = w[c] * (x[o + c] * r);
  }
}

/**
 * With x̂ = x·rstd and g = dy·w:  dw += Σ_n dy·x̂,  dx += rstd · (g − x̂ · mean(g·x̂)).
 */
export function rmsnormBackward(
  x: Buf,
  w: Buf,
  rstd: Buf,
  dy: Buf,
  dx: Buf,
  dw: Buf,
  N: number,
  C: number,
): void {
  const dwAcc = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const r = rstd[n];
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dy[o + c] * w[c] * x[o + c] * r;
    const m = dot / C;
    for (let c = 0; c < C; c++) {
      const xh = x[o + c] * r;
      dwAcc[c] += dy[o + c] * xh;
      dx[o + c] += r * (dy[o + c] * w[c] - xh * m);
    }
  }
  for (let c = 0; c < C; c++) dw[c] += dwAcc[c];
}
