import type { RunFacts } from "../../runs/types.js";

/**
 * Merge facts from several files: nested objects merge key by key, and a value already known is kept unless
 * the new one is defined (later sources refine earlier ones; undefined never erases).
 */
export function mergeFacts(a: RunFacts, b: RunFacts): RunFacts {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = isPlain(v) && isPlain(prev) ? mergeFacts(prev as RunFacts, v as RunFacts) : v;
  }
  return out as RunFacts;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Drop undefined leaves and empty objects, so facts print and serialise cleanly. */
export function pruneFacts<T>(v: T): T {
  if (!isPlain(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const p = pruneFacts(x);
    if (p === undefined || (isPlain(p) && Object.keys(p).length === 0)) continue;
    out[k] = p;
  }
  return out as T;
}
