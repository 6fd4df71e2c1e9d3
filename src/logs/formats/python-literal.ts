import { parseNum } from "./text-common.js";

/**
 * A Python dict literal as str(dict) prints it: {'loss': 2.81, 'grad_norm': nan, 'epoch': 0.5, 'x': 'text',
 * 'flag': True}. Values that wrap a number in a call (np.float64(2.81), tensor(1.53, device='cuda:0')) give
 * that number. Returns only the numeric entries (non-numeric ones are dropped), or undefined if the text is not
 * a dict literal.
 */
export function parsePythonDict(text: string): Record<string, number> | undefined {
  const t = text.trim();
  if (!t.startsWith("{") || !t.endsWith("}")) return undefined;
  const out: Record<string, number> = {};
  const body = t.slice(1, -1);
  const ENTRY =
    /\s*(['"])((?:\\.|(?!\1).)*)\1\s*:\s*([^,'"()]+(?:\([^()]*\))?|(['"])(?:\\.|(?!\4).)*\4)\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  ENTRY.lastIndex = 0;
  while (pos < body.length && (m = ENTRY.exec(body))) {
    pos = ENTRY.lastIndex;
    const key = m[2];
    let raw = m[3].trim();
    if (m[4]) continue; // a string value
    const call = /^[\w.]+\(\s*([^,()]+)/.exec(raw);
    if (call) raw = call[1];
    if (raw === "True" || raw === "False" || raw === "None") continue;
    const v = parseNum(raw);
    if (v !== undefined) out[key] = v;
  }
  if (pos < body.trim().length && Object.keys(out).length === 0) return undefined;
  return out;
}
