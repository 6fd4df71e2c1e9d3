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
   * stays NaN.
   */
  @inline static exp(x: v128): v128 {
    const under = f32x4.lt(x, f32x4.splat(-87.33654));
    const over = f32x4.gt(x, f32x4.splat(88.72283));
    const xc = f32x4.min(f32x4.max(x, f32x4.splat(-87.33654)), f32x4.splat(88.37626));
    const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(Mathf.LOG2E)));
    // r = x − n·ln2 with ln2 split in two so that n·ln2_hi is exact.
    let r = V.fmadd(n, f32x4.splat(-0.693359375), xc);
    r = V.fmadd(n, f32x4.splat(2.1219444e-4), r);
    let p = f32x4.splat(1.98756915e-4);
    p = V.fmadd(p, r, f32x4.splat(1.3981999507e-3));
    p = V.fmadd(p, r, f32x4.splat(8.3334519073e-3));
    p = V.fmadd(p, r, f32x4.splat(4.1665795894e-2));
    p = V.fmadd(p, r, f32x4.splat(1.6666665459e-1));
    p = V.fmadd(p, r, f32x4.splat(5.0000001201e-1));
    const y = f32x4.add(V.fmadd(p, f32x4.mul(r, r), r), f32x4.splat(1.0));
    const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
    const e = f32x4.mul(y, pow2n);
    return v128.bitselect(f32x4.splat(Infinity), v128.andnot(e, under), over);
  }
}
