import { initConstants, V } from "./simd";

// Single-threaded sgemm on packed panels (GotoBLAS/BLIS loop order). The worker pool splits C into column
// panels (or row panels when N is narrow) and every thread runs this on its part, so each element of C is summed
// in the same order whatever the thread count.
//
//   for jc (NC columns): for pc (KC depth): pack op(B)[pc.., jc..] into NR-wide panels
//     for ic (MC rows): pack op(A)[ic.., pc..] into MR-high panels
//       for jr (NR): for ir (MR): 5×8 micro-kernel, B's panel stays in L1 while A's panels stream from L2.
//
// Why 5×8: an FMA has 4 cycles of latency and Zen 3 / most x86 cores issue two per cycle, so at least 8
// independent accumulators must be in flight; 4×8 has exactly 8 and no slack, 5×8 has 10. V8 allocates 15 xmm
// registers and TurboFan issues a block's loads before its (pure) FMAs, so five broadcast loads per k would need
// 10 + 2 + 5 registers and spill; instead rows 0–3 come in as one vector and are broadcast with in-register
// shuffles (pure, scheduled next to their FMAs): 10 accumulators + 2 B + A + 1 broadcast = 14.
// Measured (2026-11-29, interleaved A/B on one core): alone on L1-resident data 4×8 peaks higher (50.4 vs 46.9
// GFLOP/s), but in the whole sgemm the best runs tie (~42) and 5×8 is 5–17% faster in the median, because it
// keeps its speed when the core is shared with another process.

/** Rows of the micro-tile (and of the units a parallel sgemm splits M into). */
export const MR: i32 = 5;
/** Columns of the micro-tile (and of the units a parallel sgemm splits N into). */
export const NR: i32 = 8;
// Depth blocks up to 384: K = 704 takes two passes over C instead of three, and a 384-deep B panel (12 KiB) and
// A panel (7.5 KiB) still share L1.
const KC: i32 = 384;
const MC: i32 = 120;

// Per-instance scratch: each thread's instance points these at its own region of the shared memory.
let tile: usize = 0; // MR×NR floats for edge tiles (256 bytes reserved)
let packA: usize = 0; // MC×KC floats
let packB: usize = 0; // KC×ncMax floats
let ncMax: i32 = 0;

/** Bytes of scratch one thread needs for `nc` packed columns. */
export function gemmScratchBytes(nc: i32): usize {
  return 256 + <usize>(MC * KC * 4) + <usize>(KC * nc * 4);
}

/** Points this instance's packing buffers at [ptr, ptr + bytes) and writes the shared constant tables. */
export function gemmSetScratch(ptr: usize, bytes: usize): void {
  initConstants();
  tile = ptr;
  packA = ptr + 256;
  packB = packA + <usize>(MC * KC * 4);
  ncMax = <i32>((bytes - 256 - <usize>(MC * KC * 4)) / <usize>(KC * 4 * NR)) * NR;
}

// biome-ignore lint/complexity/noStaticOnlyClass: @inline is only valid TypeScript syntax on class members
class Tile {
  /** One row of a C tile: C[0..8) = alpha·(x0, x1) + beta·C (beta === 0: C is not read). */
  @inline static store(c: usize, x0: v128, x1: v128, va: v128, beta: f32): void {
    if (beta === 0) {
      v128.store(c, f32x4.mul(x0, va));
      v128.store(c, f32x4.mul(x1, va), 16);
    } else {
      const vb = f32x4.splat(beta);
      v128.store(c, V.fmadd(x0, va, f32x4.mul(v128.load(c), vb)));
      v128.store(c, V.fmadd(x1, va, f32x4.mul(v128.load(c, 16), vb)), 16);
    }
  }
}

// C[5×8] = alpha·(Ap·Bp) + beta·C (beta === 0: C is not read). pa: [kc][5], pb: [kc][8], ldc in bytes.
function kernel5x8(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, alpha: f32, beta: f32): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  let c40 = c00;
  let c41 = c00;
  // One k per iteration on purpose: an unrolled body would load everything first (see above) and spill.
  const pbEnd = pb + <usize>(kc * 32);
  while (pb < pbEnd) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a03 = v128.load(pa);
    const a4 = v128.load32_splat(pa, 16);
    let a = i32x4.shuffle(a03, a03, 0, 0, 0, 0);
    c00 = V.fmadd(a, b0, c00);
    c01 = V.fmadd(a, b1, c01);
    a = i32x4.shuffle(a03, a03, 1, 1, 1, 1);
    c10 = V.fmadd(a, b0, c10);
    c11 = V.fmadd(a, b1, c11);
    a = i32x4.shuffle(a03, a03, 2, 2, 2, 2);
    c20 = V.fmadd(a, b0, c20);
    c21 = V.fmadd(a, b1, c21);
    a = i32x4.shuffle(a03, a03, 3, 3, 3, 3);
    c30 = V.fmadd(a, b0, c30);
    c31 = V.fmadd(a, b1, c31);
    c40 = V.fmadd(a4, b0, c40);
    c41 = V.fmadd(a4, b1, c41);
    pa += 20;
    pb += 32;
  }
  const va = f32x4.splat(alpha);
  Tile.store(c, c00, c01, va, beta);
  Tile.store(c + ldc, c10, c11, va, beta);
  Tile.store(c + 2 * ldc, c20, c21, va, beta);
  Tile.store(c + 3 * ldc, c30, c31, va, beta);
  Tile.store(c + 4 * ldc, c40, c41, va, beta);
}

// A partial tile (mr ≤ 5 rows, nr ≤ 8 columns): the full kernel into the scratch tile, then the valid part out.
function edgeTile(
  kc: i32,
  pa: usize,
  pb: usize,
  c: usize,
  ldc: usize,
  mr: i32,
  nr: i32,
  alpha: f32,
  beta: f32,
): void {
  kernel5x8(kc, pa, pb, tile, 32, 1, 0);
  for (let r = 0; r < mr; r++) {
    const t = tile + <usize>(r * 32);
    const cr = c + <usize>r * ldc;
    for (let j = 0; j < nr; j++) {
      const o = <usize>(j << 2);
      const ab = load<f32>(t + o) * alpha;
      store<f32>(cr + o, beta === 0 ? ab : ab + beta * load<f32>(cr + o));
    }
  }
}

// Packs op(B)[k0:k0+kc, j0:j0+nc] into NR-wide panels at packB: panel p holds [kc][8]; columns past nc are 0.
// op(B)[k, j] = B[k·ldb + j] (NN), or B[j·ldb + k] when transB. ldb in elements.
function packBPanels(transB: bool, B: usize, ldb: i32, k0: i32, kc: i32, j0: i32, nc: i32): void {
  const ldbB = (<usize>ldb) << 2;
  for (let jp = 0; jp < nc; jp += NR) {
    let dst = packB + <usize>(jp * kc) * 4;
    const w = min(NR, nc - jp);
    const j = j0 + jp;
    if (!transB) {
      let src = B + <usize>k0 * ldbB + ((<usize>j) << 2);
      if (w === NR) {
        for (let k = 0; k < kc; k++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += ldbB;
          dst += 32;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let q = 0; q < NR; q++)
            store<f32>(dst + ((<usize>q) << 2), q < w ? load<f32>(src + ((<usize>q) << 2)) : 0);
          src += ldbB;
          dst += 32;
        }
      }
    } else {
      const src = B + <usize>j * ldbB + ((<usize>k0) << 2);
      if (w === NR) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const s = src + ((<usize>k) << 2);
          const r0 = v128.load(s);
          const r1 = v128.load(s + ldbB);
          const r2 = v128.load(s + 2 * ldbB);
          const r3 = v128.load(s + 3 * ldbB);
          const r4 = v128.load(s + 4 * ldbB);
          const r5 = v128.load(s + 5 * ldbB);
          const r6 = v128.load(s + 6 * ldbB);
          const r7 = v128.load(s + 7 * ldbB);
          // transpose rows r0..r3 (columns j..j+3) and r4..r7 (j+4..j+7) into k-major order
          const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
          const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
          const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
          const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
          const u0 = i32x4.shuffle(r4, r5, 0, 4, 1, 5);
          const u1 = i32x4.shuffle(r6, r7, 0, 4, 1, 5);
          const u2 = i32x4.shuffle(r4, r5, 2, 6, 3, 7);
          const u3 = i32x4.shuffle(r6, r7, 2, 6, 3, 7);
          const d = dst + <usize>(k * 32);
          v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
          v128.store(d, i64x2.shuffle(u0, u1, 0, 2), 16);
          v128.store(d, i64x2.shuffle(t0, t1, 1, 3), 32);
          v128.store(d, i64x2.shuffle(u0, u1, 1, 3), 48);
          v128.store(d, i64x2.shuffle(t2, t3, 0, 2), 64);
          v128.store(d, i64x2.shuffle(u2, u3, 0, 2), 80);
          v128.store(d, i64x2.shuffle(t2, t3, 1, 3), 96);
          v128.store(d, i64x2.shuffle(u2, u3, 1, 3), 112);
        }
        for (; k < kc; k++) {
          const s = src + ((<usize>k) << 2);
          const d = dst + <usize>(k * 32);
          for (let q = 0; q < NR; q++) store<f32>(d + ((<usize>q) << 2), load<f32>(s + <usize>q * ldbB));
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const s = src + ((<usize>k) << 2);
          const d = dst + <usize>(k * 32);
          for (let q = 0; q < NR; q++)
            store<f32>(d + ((<usize>q) << 2), q < w ? load<f32>(s + <usize>q * ldbB) : 0);
        }
      }
    }
  }
}

// Packs op(A)[i0:i0+mc, k0:k0+kc] into MR-high panels at packA: panel p holds [kc][5] (20 bytes per k, rows
// 0–3 loaded as one vector by the kernel); rows past mc are 0. With a triangular `tri` only the depths the
// kernel will read are packed (the same ranges as in gemmTri).
// op(A)[i, k] = A[i·lda + k] (NN), or A[k·lda + i] when transA. lda in elements.
function packAPanels(transA: bool, A: usize, lda: i32, i0: i32, mc: i32, k0: i32, kc: i32, tri: i32): void {
  const ldaB = (<usize>lda) << 2;
  const step = <usize>(MR * 4);
  for (let ip = 0; ip < mc; ip += MR) {
    const dst = packA + <usize>(ip * kc) * 4;
    const h = min(MR, mc - ip);
    const i = i0 + ip;
    const ka = tri === TRI_A_UPPER ? min(kc, max(0, i - k0)) : 0;
    const kb = tri === TRI_A_LOWER ? max(0, min(kc, i + MR - k0)) : kc;
    if (transA) {
      let src = A + <usize>(k0 + ka) * ldaB + ((<usize>i) << 2);
      let d = dst + <usize>ka * step;
      if (h === MR) {
        for (let k = ka; k < kb; k++) {
          v128.store(d, v128.load(src));
          store<f32>(d, load<f32>(src, 16), 16);
          src += ldaB;
          d += step;
        }
      } else {
        for (let k = ka; k < kb; k++) {
          for (let q = 0; q < MR; q++)
            store<f32>(d + ((<usize>q) << 2), q < h ? load<f32>(src + ((<usize>q) << 2)) : 0);
          src += ldaB;
          d += step;
        }
      }
    } else {
      const src = A + <usize>i * ldaB + ((<usize>k0) << 2);
      let k = ka;
      if (h === MR) {
        for (; k + 4 <= kb; k += 4) {
          const s = src + ((<usize>k) << 2);
          const r0 = v128.load(s);
          const r1 = v128.load(s + ldaB);
          const r2 = v128.load(s + 2 * ldaB);
          const r3 = v128.load(s + 3 * ldaB);
          const r4 = s + 4 * ldaB;
          // 4×4 transpose of rows 0–3: column j holds op(A)[i..i+3, k + j]
          const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
          const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
          const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
          const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
          const d = dst + <usize>k * step;
          v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
          store<f32>(d, load<f32>(r4), 16);
          v128.store(d + step, i64x2.shuffle(t0, t1, 1, 3));
          store<f32>(d + step, load<f32>(r4, 4), 16);
          v128.store(d + 2 * step, i64x2.shuffle(t2, t3, 0, 2));
          store<f32>(d + 2 * step, load<f32>(r4, 8), 16);
          v128.store(d + 3 * step, i64x2.shuffle(t2, t3, 1, 3));
          store<f32>(d + 3 * step, load<f32>(r4, 12), 16);
        }
      }
      for (; k < kb; k++) {
        const s = src + ((<usize>k) << 2);
        const d = dst + <usize>k * step;
        for (let q = 0; q < MR; q++)
          store<f32>(d + ((<usize>q) << 2), q < h ? load<f32>(s + <usize>q * ldaB) : 0);
      }
    }
  }
}

/** C = beta·C on an M×N block (beta === 0 writes zeros, ignoring NaN in C). */
function scaleC(M: i32, N: i32, beta: f32, C: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    const row = C + <usize>i * ((<usize>ldc) << 2);
    if (beta === 0) memory.fill(row, 0, (<usize>N) << 2);
    else
      for (let j = 0; j < N; j++)
        store<f32>(row + ((<usize>j) << 2), beta * load<f32>(row + ((<usize>j) << 2)));
  }
}

/** No structure: every tile over the full depth. */
export const TRI_NONE: i32 = 0;
/** op(A) is lower triangular (op(A)[i, k] = 0 for k > i): row tile i stops at depth i + MR. */
export const TRI_A_LOWER: i32 = 1;
/** op(A) is upper triangular (op(A)[i, k] = 0 for k < i): row tile i starts at depth i. */
export const TRI_A_UPPER: i32 = 2;
/** Only C's lower triangle is wanted: tiles wholly above the diagonal are skipped (left unwritten). */
export const TRI_C_LOWER: i32 = 3;

/**
 * C = alpha·op(A)·op(B) + beta·C on this thread (see Ops.sgemm in src/engine/ops.ts; strides in elements,
 * pointers in bytes). `tri` skips the zero parts of causal attention's triangular matrices (TRI_*); with
 * TRI_A_LOWER / TRI_A_UPPER the skipped entries inside a diagonal tile are still read and must be 0.
 */
export function gemmTri(
  transA: bool,
  transB: bool,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  beta: f32,
  C: usize,
  ldc: i32,
  tri: i32,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha === 0) {
    scaleC(M, N, beta, C, ldc);
    return;
  }
  const ldcB = (<usize>ldc) << 2;
  // Even K blocks no deeper than KC (704 → 2 × 352, 1000 → 3 × 334) so no block is a sliver.
  const kBlocks = (K + KC - 1) / KC;
  const kcStep = (K + kBlocks - 1) / kBlocks;
  const ncStep = min(ncMax, ((N + NR - 1) / NR) * NR);
  for (let jc = 0; jc < N; jc += ncStep) {
    const nc = min(ncStep, N - jc);
    for (let pc = 0; pc < K; pc += kcStep) {
      const kc = min(kcStep, K - pc);
      packBPanels(transB, B, ldb, pc, kc, jc, nc);
      const betaBlock: f32 = pc === 0 ? beta : 1;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packAPanels(transA, A, lda, ic, mc, pc, kc, tri);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = packB + <usize>(jr * kc) * 4;
          const nr = min(NR, nc - jr);
          let c = C + <usize>ic * ldcB + ((<usize>(jc + jr)) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const pa = packA + <usize>(ir * kc) * 4;
            const mr = min(MR, mc - ir);
            let k0 = 0;
            let k1 = kc;
            if (tri === TRI_A_LOWER) k1 = min(kc, ic + ir + MR - pc);
            else if (tri === TRI_A_UPPER) k0 = min(kc, max(0, ic + ir - pc));
            else if (tri === TRI_C_LOWER && jc + jr > ic + ir + MR - 1) {
              c += <usize>MR * ldcB;
              continue;
            }
            // An empty depth range still has to apply beta in the first block.
            if (k1 > k0 || pc === 0) {
              const n = max(0, k1 - k0);
              const a = pa + <usize>(k0 * MR * 4);
              const b = pb + <usize>(k0 * NR * 4);
              if (mr === MR && nr === NR) kernel5x8(n, a, b, c, ldcB, alpha, betaBlock);
              else edgeTile(n, a, b, c, ldcB, mr, nr, alpha, betaBlock);
            }
            c += <usize>MR * ldcB;
          }
        }
      }
    }
  }
}

/** gemmTri without structure: the plain single-threaded sgemm. */
export function gemm(
  transA: bool,
  transB: bool,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  beta: f32,
  C: usize,
  ldc: i32,
): void {
  gemmTri(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, TRI_NONE);
}

/**
 * The micro-kernel alone, for calibration (bench/engine-kernels.ts): `reps` 5×8×256 tiles per unit in [lo, hi)
 * on this thread's scratch, everything in L1 — the FMA rate this machine gives the kernels right now.
 */
export function kernelPeak(reps: i32, lo: i32, hi: i32): void {
  for (let u = lo; u < hi; u++) for (let r = 0; r < reps; r++) kernel5x8(256, packA, packB, tile, 32, 1, 0);
}

/**
 * One thread's share of a parallel sgemm: column panels [lo, hi) of NR columns when splitN, else row panels
 * [lo, hi) of MR rows.
 */
export function gemmPart(
  transA: bool,
  transB: bool,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  beta: f32,
  C: usize,
  ldc: i32,
  splitN: bool,
  lo: i32,
  hi: i32,
): void {
  if (splitN) {
    const j0 = lo * NR;
    const j1 = min(hi * NR, N);
    if (j0 >= j1) return;
    const b = B + (transB ? <usize>j0 * <usize>ldb : <usize>j0) * 4;
    gemm(transA, transB, M, j1 - j0, K, alpha, A, lda, b, ldb, beta, C + ((<usize>j0) << 2), ldc);
  } else {
    const i0 = lo * MR;
    const i1 = min(hi * MR, M);
    if (i0 >= i1) return;
    const a = A + (transA ? <usize>i0 : <usize>i0 * <usize>lda) * 4;
    gemm(
      transA,
      transB,
      i1 - i0,
      N,
      K,
      alpha,
      a,
      lda,
      B,
      ldb,
      beta,
      C + <usize>i0 * ((<usize>ldc) << 2),
      ldc,
    );
  }
}
