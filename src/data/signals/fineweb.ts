import { fmix32 } from "../text/hash.js";
import { endsWithAny } from "../text/punct.js";
import { ScratchTable } from "../text/scratch-table.js";
import type { DocSignals } from "./doc.js";

/**
 * The measurements of datatrove's FineWebQualityFilter (`fineweb_quality_filter.py`, Penedo et al. 2024),
 * on lines = text.split("\n") (empty lines included, as in the source):
 *   lineEndPunct: lines ending with one of the stop chars / lines
 *   shortLines: lines with len ≤ shortLineLength / lines
 *   charDup: characters in repeated non-empty lines / len(text without "\n")
 *   newlineRatio: text.count("\n") / number of words
 */
export interface FineWebStats {
  lineEndPunct: number;
  shortLines: number;
  charDup: number;
  newlineRatio: number;
}

const table = new ScratchTable(1024);

export function fineWebStats(
  s: DocSignals,
  stopChars: readonly string[],
  shortLineLength = 30,
): FineWebStats {
  const text = s.text;
  const n = s.nLines;
  let punct = 0;
  let short = 0;
  let dupChars = 0;
  table.clear(n);
  for (let i = 0; i < n; i++) {
    const a = s.lineStart[i];
    const b = s.lineEnd[i];
    if (endsWithAny(text, stopChars, a, b)) punct++;
    if (s.lineLen[i] <= shortLineLength) short++;
    if (s.lineContent[i]) {
      const h1 = fmix32(s.lineP1[i] ^ s.lineLen[i]);
      const h2 = fmix32(s.lineP2[i] + s.lineLen[i]);
      if (table.addIfAbsent(h1, h2, 0) >= 0) dupChars += s.lineLen[i];
    }
  }
  const noNewlines = s.nChars - s.newlines;
  return {
    lineEndPunct: punct / n,
    shortLines: short / n,
    charDup: noNewlines > 0 ? dupChars / noNewlines : 0,
    newlineRatio: s.nTok > 0 ? s.newlines / s.nTok : 0,
  };
}
