/** Pieces shared by the text-log dialects. */

/** A number as logs print it, including Python's nan/inf spellings and units stuck to it (12.3ms, 45%). */
export const NUM = String.raw`[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|NaN|inf(?:inity)?|Inf(?:inity)?)`;

export function parseNum(s: string): number | undefined {
  const t = s.trim().replace(/(ms|s|%|x)$/i, "");
  if (t === "") return undefined;
  const lower = t.toLowerCase();
  if (lower === "nan" || lower === "+nan" || lower === "-nan") return Number.NaN;
  if (/^[+]?inf(inity)?$/.test(lower)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/.test(lower)) return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** "number of skipped iterations" → "number_of_skipped_iterations" */
export function snake(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/\(([^)]*)\)/g, " $1")
    .replace(/[^a-z0-9/]+/g, "_")
    .replace(/^_+|_+$/g, "");
}
