import { key53 } from "../text/hash.js";
import { type DocSignals, F_ALPHA, F_SYMBOL, polyHash } from "./doc.js";
import { splitlines, stripRange } from "./lines.js";

/**
 * The measurements of datatrove's GopherQualityFilter (`gopher_quality_filter.py`, Rae et al. 2021 §A.1.1),
 * computed as the source does: `words` = the word tokens (DocSignals); non-symbol words = words with at least
 * one character outside datatrove's PUNCTUATION; lines = text.splitlines().
 */
export interface GopherQualityStats {
  nWords: number;
  nNonSymbolWords: number;
  /** Mean length of non-symbol words; NaN when there are none (np.mean of []). */
  meanWordLength: number;
  /** text.count("#") / n_words. */
  hashRatio: number;
  /** (text.count("...") + text.count("…")) / n_words. */
  ellipsisRatio: number;
  /** Lines whose lstrip() starts with "•" or "-", over all lines. */
  bulletLinesRatio: number;
  /** Lines whose rstrip() ends with "..." or "…". */
  ellipsisLinesRatio: number;
  /** Words with at least one alphabetic character, over all words. */
  alphaWordsRatio: number;
  /** Occurrences of stop words (each occurrence counts, as in the source). */
  stopWords: number;
}

/** Stop-word sets as hash keys of the exact token text (case-sensitive, as the source compares). */
export class StopWords {
  private readonly keys = new Set<number>();
  readonly maxLen: number;
  constructor(readonly words: readonly string[]) {
    for (const w of words) {
      const [a, b] = polyHash(w);
      this.keys.add(key53(a ^ w.length, b));
    }
    this.maxLen = Math.max(0, ...words.map((w) => w.length));
  }
  count(s: DocSignals): number {
    let n = 0;
    for (let i = 0; i < s.nTok; i++) {
      const units = s.tokEnd[i] - s.tokStart[i];
      if (units > this.maxLen) continue;
      if (this.keys.has(key53(s.tokP1[i] ^ units, s.tokP2[i]))) n++;
    }
    return n;
  }
}

/** Gopher's English stop words (datatrove STOP_WORDS). */
export const GOPHER_STOP_WORDS = ["the", "be", "to", "of", "and", "that", "have", "with"];

/** FineWeb-2's Mandarin stop words (huggingface/fineweb-2 `configs/cmn_Hani.yml`). */
export const FINEWEB2_ZH_STOP_WORDS = [..."的年在月是和日了於·為有被人中为他與後也而由"];

export function gopherQualityStats(s: DocSignals, stop: StopWords): GopherQualityStats {
  const text = s.text;
  const nWords = s.nTok;
  let nonSymbol = 0;
  let nonSymbolChars = 0;
  let alpha = 0;
  for (let i = 0; i < nWords; i++) {
    const f = s.tokFlags[i];
    if ((f & F_SYMBOL) === 0) {
      nonSymbol++;
      nonSymbolChars += s.tokLen[i];
    }
    if (f & F_ALPHA) alpha++;
  }
  const lines = splitlines(s);
  let bullets = 0;
  let endEllipsis = 0;
  for (const l of lines) {
    const r = stripRange(text, l.start, l.end);
    const c = text[r.start];
    if (r.end > r.start && (c === "•" || c === "-")) bullets++;
    if (
      (r.end - r.start >= 3 && text.startsWith("...", r.end - 3)) ||
      (r.end > r.start && text.charCodeAt(r.end - 1) === 0x2026)
    )
      endEllipsis++;
  }
  const ellipses = countOccurrences(text, "...") + countOccurrences(text, "…");
  return {
    nWords,
    nNonSymbolWords: nonSymbol,
    meanWordLength: nonSymbol > 0 ? nonSymbolChars / nonSymbol : Number.NaN,
    hashRatio: nWords > 0 ? s.hashes / nWords : 0,
    ellipsisRatio: nWords > 0 ? ellipses / nWords : 0,
    bulletLinesRatio: lines.length > 0 ? bullets / lines.length : 0,
    ellipsisLinesRatio: lines.length > 0 ? endEllipsis / lines.length : 0,
    alphaWordsRatio: nWords > 0 ? alpha / nWords : 0,
    stopWords: stop.count(s),
  };
}

/** Python str.count: non-overlapping occurrences. */
export function countOccurrences(text: string, sub: string): number {
  let n = 0;
  for (let i = text.indexOf(sub); i >= 0; i = text.indexOf(sub, i + sub.length)) n++;
  return n;
}
