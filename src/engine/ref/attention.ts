import type { Buf } from "../ops.js";

/**
 * Causal grouped-query attention, per sequence b and head h (kv head h / (H/KV), HF's repeat_kv):
 *   att[b,h,t,s] = softmax_s≤t(scale · q[b,t,h]·k[b,s,kv])   (0 for s > t)
 *   out[b,t,h]   = Σ_s att[b,h,t,s] · v[b,s,kv]
 * q [B·T, H, D], k, v [B·T, KV, D], att [B, H, T, T], out [B·T, H, D].
 * `causal = false` drops the mask (every position sees the whole sequence): only for reproducing that bug
 * (src/protocols/faults.ts); the model always calls it causal.
 */
export function attentionForward(
  q: Buf,
  k: Buf,
  v: Buf,
  att: Buf,
  out: Buf,
  B: number,
  T: number,
  H: number,
  KV: number,
  D: number,
  scale: number,
  causal = true,
): void {
  const group = H / KV;
  const row = new Float64Array(T);
  const acc = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kv = Math.floor(h / group);
      const a0 = (b * H + h) * T * T;
      for (let t = 0; t < T; t++) {
        const qo = ((b * T + t) * H + h) * D;
        const last = causal ? t : T - 1;
        let max = Number.NEGATIVE_INFINITY;
        for (let s = 0; s <= last; s++) {
          const ko = ((b * T + s) * KV + kv) * D;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qo + d] * k[ko + d];
          row[s] = dot * scale;
          if (row[s] > max) max = row[s];
        }
        let sum = 0;
        for (let s = 0; s <= last; s++) {
          row[s] = Math.exp(row[s] - max);
          sum += row[s];
        }
        const ar = a0 + t * T;
        acc.fill(0);
        for (let s = 0; s <= last; s++) {
          const p = row[s] / sum;
          att[ar + s] = p;
          const pv = att[ar + s]; // the stored (rounded) probability, so out matches att · v exactly
          const vo = ((b * T + s) * KV + kv) * D;
          for (let d = 0; d < D; d++) acc[d] += pv * v[vo + d];
        }
        for (let s = last + 1; s < T; s++) att[ar + s] = 0;
        for (let d = 0; d < D; d++) out[qo + d] = acc[d];
      }
    }
  }
}

/**
 * Backward of attentionForward, from the saved probabilities:
 *   dv[s] += Σ_t att[t,s]·dout[t];  datt[t,s] = dout[t]·v[s];  dz = att·(datt − Σ_s att·datt)
 *   dq[t] = scale · Σ_s dz[t,s]·k[s];  dk[s] += scale · Σ_t dz[t,s]·q[t]
 * dq, dk, dv are overwritten (several query heads add into one kv head). `causal` as in attentionForward.
 */
export function attentionBackward(
  q: Buf,
  k: Buf,
  v: Buf,
  att: Buf,
  dout: Buf,
  dq: Buf,
  dk: Buf,
  dv: Buf,
  B: number,
  T: number,
  H: number,
  KV: number,
  D: number,
  scale: number,
  causal = true,
): void {
  const group = H / KV;
  dk.fill(0, 0, B * T * KV * D);
  dv.fill(0, 0, B * T * KV * D);
  const dz = new Float64Array(T);
  const acc = new Float64Array(D);
  // float64 accumulators for dk and dv so the float32 results are rounded once.
  const dkAcc = new Float64Array(B * T * KV * D);
  const dvAcc = new Float64Array(B * T * KV * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kv = Math.floor(h / group);
      const a0 = (b * H + h) * T * T;
      for (let t = 0; t < T; t++) {
        const qo = ((b * T + t) * H + h) * D;
        const ar = a0 + t * T;
        const last = causal ? t : T - 1;
        let dot = 0;
        for (let s = 0; s <= last; s++) {
          const vo = ((b * T + s) * KV + kv) * D;
          const p = att[ar + s];
          let da = 0;
          for (let d = 0; d < D; d++) {
            da += dout[qo + d] * v[vo + d];
            dvAcc[vo + d] += p * dout[qo + d];
          }
          dz[s] = da;
          dot += p * da;
        }
        acc.fill(0);
        for (let s = 0; s <= last; s++) {
          const g = att[ar + s] * (dz[s] - dot) * scale;
          const ko = ((b * T + s) * KV + kv) * D;
          for (let d = 0; d < D; d++) {
            acc[d] += g * k[ko + d];
            dkAcc[ko + d] += g * q[qo + d];
          }
        }
        for (let d = 0; d < D; d++) dq[qo + d] = acc[d];
      }
    }
  }
  for (let i = 0; i < dkAcc.length; i++) {
    dk[i] = dkAcc[i];
    dv[i] = dvAcc[i];
  }
}
