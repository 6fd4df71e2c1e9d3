/**
 * JSON has no NaN or Infinity, but a loss that went NaN is exactly what plateau must record. On disk we write
 * the strings "NaN", "Infinity" and "-Infinity" in number fields (the same spelling Python's json module uses
 * for its non-standard literals); these helpers convert in both directions.
 */

export type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";

export function encodeNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return "NaN";
  return x > 0 ? "Infinity" : "-Infinity";
}

/** Accepts a number or one of the three spellings; anything else gives undefined. */
export function decodeNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (v === "NaN" || v === "nan") return Number.NaN;
  if (v === "Infinity" || v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity" || v === "-inf") return Number.NEGATIVE_INFINITY;
  return undefined;
}
