import type { Buf } from "../ops.js";

/** y[n, c] += b[c].  y [N, C], b [C]. */
export function addBias(y: Buf, b: Buf, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    for (let c = 0; c < C; c++) y[o + c] += b[c];
  }
}

/** db[c] += Σ_n dy[n, c], summed in float64 per channel in row order (deterministic).  dy [N, C], db [C]. */
export function biasGrad(dy: Buf, db: Buf, N: number, C: number): void {
  const acc = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    const o = n * C;
    for (let c = 0; c < C; c++) acc[c] += dy[o + c];
  }
  for (let c = 0; c < C; c++) db[c] += acc[c];
}

/** out[i] = a[i] + b[i]. */
export function add(a: Buf, b: Buf, out: Buf, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/** x[i] *= s. */
export function scale(x: Buf, s: number, n: number): void {
  for (let i = 0; i < n; i++) x[i] *= s;
}

/** Σ x[i]², accumulated in float64. */
export function sumSquares(x: Buf, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}

/** out[n, :] = table[ids[n], :].  ids [N], table [V, C], out [N, C]. */
export function embeddingForward(ids: Int32Array, table: Buf, out: Buf, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const src = ids[n] * C;
    const dst = n * C;
    for (let c = 0; c < C; c++) out[dst + c] = table[src + c];
  }
}

/** dtable[ids[n], :] += dout[n, :], in position order. */
export function embeddingBackward(ids: Int32Array, dout: Buf, dtable: Buf, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const dst = ids[n] * C;
    const src = n * C;
    for (let c = 0; c < C; c++) dtable[dst + c] += dout[src + c];
  }
}

/** out = silu(gate) · up, silu(g) = g · σ(g). */
export function swigluForward(gate: Buf, up: Buf, out: Buf, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i];
    out[i] = (g / (1 + Math.exp(-g))) * up[i];
  }
}

/** d/dg [g σ(g)] = σ(g) (1 + g (1 − σ(g))). */
export function swigluBackward(gate: Buf, up: Buf, dout: Buf, dgate: Buf, dup: Buf, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i];
    const s = 1 / (1 + Math.exp(-g));
    const d = dout[i];
    const u = up[i];
    dgate[i] = d * u * s * (1 + g * (1 - s));
    dup[i] = d * g * s;
  }
}
