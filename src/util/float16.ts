/**
 * Half-precision floats to numbers, exactly. Checkpoints (safetensors F16/BF16) and TensorBoard tensors
 * (DT_HALF/DT_BFLOAT16) both store them.
 */

/** IEEE 754 binary16 bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const bf16View = new DataView(new ArrayBuffer(4));
/** bfloat16 bits (the top half of a float32) → number. */
export function bfloat16ToFloat(b: number): number {
  bf16View.setUint32(0, (b & 0xffff) << 16);
  return bf16View.getFloat32(0);
}
