/**
 * JSON as Python's json module writes it: the standard grammar plus the bare literals NaN, Infinity and
 * -Infinity (allow_nan=True is the default, and trainer_state.json uses it). JSON.parse is used whenever it can
 * be; only a text that contains such a literal outside strings is rewritten first, with NaN becoming the string
 * "NaN" (decodeNumber in src/util/finite-json.ts reads it back as NaN) and ±Infinity becoming ±1e999 (which
 * JSON.parse itself turns into ±Infinity).
 */

const MAYBE_NONFINITE = /[:[,]\s*-?(?:NaN|Infinity)\b/;

export function parsePythonJson(text: string): unknown {
  if (!MAYBE_NONFINITE.test(text)) return JSON.parse(text);
  return JSON.parse(rewriteNonFinite(text));
}

/** Replace NaN / Infinity / -Infinity literals outside strings (string contents are left untouched). */
export function rewriteNonFinite(text: string): string {
  let out = "";
  let last = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string, honouring escapes.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x4e /* N */ && text.startsWith("NaN", i)) {
      out += `${text.slice(last, i)}"NaN"`;
      i += 2;
      last = i + 1;
    } else if (c === 0x49 /* I */ && text.startsWith("Infinity", i)) {
      const neg = i > 0 && text.charCodeAt(i - 1) === 0x2d;
      out += `${text.slice(last, neg ? i - 1 : i)}${neg ? "-1e999" : "1e999"}`;
      i += 7;
      last = i + 1;
    }
  }
  return out + text.slice(last);
}
