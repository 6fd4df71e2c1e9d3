// Shared SIMD helpers. The same sources compile twice: with relaxed SIMD (fused multiply-add, one rounding) and
// without (multiply then add); ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each build keeps one path.
// The helpers are static methods because AssemblyScript's @inline on plain functions is not TypeScript syntax
// (biome and editors reject it), while decorators on class methods are.

// biome-ignore lint/complexity/noStaticOnlyClass: @inline is only valid TypeScript syntax on class members
export class V {
  /** a·b + c on four lanes. */
  @inline static fmadd(a: v128, b: v128, c: v128): v128 {
    if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
    return f32x4.add(f32x4.mul(a, b), c);
  }

  /** Sum of the four lanes, in the fixed order (l0 + l1) + (l2 + l3). */
  @inline static hsum(v: v128): f32 {
    return (
      f32x4.extract_lane(v, 0) +
      f32x4.extract_lane(v, 1) +
      (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
    );
  }

  /** Largest of the four lanes (NaN if any lane is NaN). */
  @inline static hmax(v: v128): f32 {
    const m = f32x4.max(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
    return max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1));
  }

  /**
   * e^x on four lanes (Cephes expf: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial in r, 2^n through the
   * exponent bits), about 1 ulp. Below −87.33 the result is 0 (not a denormal), above 88.72 it is +inf; NaN
   * stays NaN. Written for V8's x64 code: pmin/pmax and the 1.5·2^23 rounding trick are one instruction each
   * (f32x4.min/max, nearest and trunc_sat expand to NaN- and overflow-fixing sequences), and the constants are
   * loaded from the table at EXP_TABLE (V8 rebuilds each v128 constant inside the loop with three instructions,
   * and a load is one).
   */
  @inline static exp(x: v128): v128 {
    const under = f32x4.lt(x, v128.load(EXP_TABLE, 0));
    const over = f32x4.gt(x, v128.load(EXP_TABLE, 16));
    // pmax/pmin keep x when it is NaN
    const xc = f32x4.pmin(f32x4.pmax(x, v128.load(EXP_TABLE, 0)), v128.load(EXP_TABLE, 32));
    // n = round(x·log2 e): adding 1.5·2^23 leaves n in the low mantissa bits of nm
    const magic = v128.load(EXP_TABLE, 48);
    const nm = V.fmadd(xc, v128.load(EXP_TABLE, 64), magic);
    const n = f32x4.sub(nm, magic);
    // r = x − n·ln2 with ln2 split in two so that n·ln2_hi is exact
    let r = V.fmadd(n, v128.load(EXP_TABLE, 80), xc);
    r = V.fmadd(n, v128.load(EXP_TABLE, 96), r);
    let p = v128.load(EXP_TABLE, 112);
    p = V.fmadd(p, r, v128.load(EXP_TABLE, 128));
    p = V.fmadd(p, r, v128.load(EXP_TABLE, 144));
    p = V.fmadd(p, r, v128.load(EXP_TABLE, 160));
    p = V.fmadd(p, r, v128.load(EXP_TABLE, 176));
    p = V.fmadd(p, r, v128.load(EXP_TABLE, 192));
    const y = f32x4.add(V.fmadd(p, f32x4.mul(r, r), r), v128.load(EXP_TABLE, 208));
    // 2^n: (bits(nm) + 127) << 23 — the magic's own bits shift out past bit 31
    const pow2n = i32x4.shl(i32x4.add(nm, v128.load(EXP_TABLE, 224)), 23);
    const e = f32x4.mul(y, pow2n);
    return v128.bitselect(v128.load(EXP_TABLE, 240), v128.andnot(e, under), over);
  }
}

/**
 * Where V.exp's constants live: 256 bytes at a fixed address (a literal, so V8 folds it into each load) past the
 * standard library's static data (its exp/log tables, from 1024 to __heap_base), inside the first 64 KiB that
 * the allocator (src/engine/wasm/arena.ts) never hands out. Written by initConstants().
 */
export const EXP_TABLE: usize = 16384;

/** End of everything the kernels keep at fixed addresses, or 0 if the static data reaches EXP_TABLE. */
export function staticEnd(): usize {
  return __heap_base <= EXP_TABLE ? EXP_TABLE + 256 : 0;
}

/** Writes the constant tables (every thread's instance may call it: the bytes are the same). */
export function initConstants(): void {
  const t = EXP_TABLE;
  v128.store(t, f32x4.splat(-87.33654), 0); // below: 0
  v128.store(t, f32x4.splat(88.72283), 16); // above: +inf
  v128.store(t, f32x4.splat(88.3762626647949), 32); // clamp so that n ≤ 127
  v128.store(t, f32x4.splat(12582912.0), 48); // 1.5·2^23
  v128.store(t, f32x4.splat(Mathf.LOG2E), 64);
  v128.store(t, f32x4.splat(-0.693359375), 80); // −ln2, high part (n·ln2_hi is exact)
  v128.store(t, f32x4.splat(2.1219444e-4), 96); // −ln2, low part
  v128.store(t, f32x4.splat(1.98756915e-4), 112); // polynomial, highest degree first
  v128.store(t, f32x4.splat(1.3981999507e-3), 128);
  v128.store(t, f32x4.splat(8.3334519073e-3), 144);
  v128.store(t, f32x4.splat(4.1665795894e-2), 160);
  v128.store(t, f32x4.splat(1.6666665459e-1), 176);
  v128.store(t, f32x4.splat(5.0000001201e-1), 192);
  v128.store(t, f32x4.splat(1.0), 208);
  v128.store(t, i32x4.splat(127), 224);
  v128.store(t, f32x4.splat(Infinity), 240);
}
