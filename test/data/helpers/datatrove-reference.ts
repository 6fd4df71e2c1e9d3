/**
 * Straightforward string-based transcriptions of datatrove's filter measurements (huggingface/datatrove
 * `gopher_repetition_filter.py`, `gopher_quality_filter.py`, `fineweb_quality_filter.py`), used as the
 * independent reference the fast typed-array implementation is tested against. Words come from a regex
 * tokenizer written from plateau's documented word definition (src/data/signals/doc.ts), not from its scanner.
 */

const CJK = String.raw`[[\p{sc=Han}&&[\p{L}\p{Nl}]][[\p{sc=Hiragana}\p{sc=Katakana}]&&\p{L}]]`;
const WORD = String.raw`[[\p{L}\p{N}\p{M}]--${CJK}]`;
const TOKEN = new RegExp(String.raw`${CJK}|${WORD}+|(?<p>[^\p{White_Space}\p{L}\p{N}\p{M}])\k<p>*`, "gv");

export function refWords(text: string): string[] {
  return [...text.matchAll(TOKEN)].map((m) => m[0]);
}

/** Python's len(): code points. */
export const pyLen = (s: string) => [...s].length;

// biome-ignore lint/suspicious/noControlCharactersInRegex: Python's str.strip() removes \x1c–\x1f
const PY_WS = /^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/g;
export const pyStrip = (s: string) => s.replace(PY_WS, "");

export function findDuplicates(x: string[]): [number, number] {
  const unique = new Set<string>();
  let dupChars = 0;
  let dupElements = 0;
  for (const e of x) {
    if (unique.has(e)) {
      dupChars += pyLen(e);
      dupElements++;
    } else unique.add(e);
  }
  return [dupElements, dupChars];
}

export function getNGrams(words: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= words.length; i++) out.push(words.slice(i, i + n).join(" "));
  return out;
}

/** Counter(x).most_common(1): highest count, first inserted among ties. */
export function findTopDuplicate(x: string[]): [number, number] {
  const counter = new Map<string, number>();
  for (const e of x) counter.set(e, (counter.get(e) ?? 0) + 1);
  let best = "";
  let bestCount = -1;
  for (const [k, c] of counter) {
    if (c > bestCount) {
      best = k;
      bestCount = c;
    }
  }
  return [pyLen(best) * bestCount, bestCount];
}

export function findAllDuplicate(words: string[], n: number): number {
  const unique = new Set<string>();
  let repeated = 0;
  let idx = 0;
  while (idx < words.length - n + 1) {
    const g = words.slice(idx, idx + n).join("");
    if (unique.has(g)) {
      repeated += pyLen(g);
      idx += n;
    } else {
      unique.add(g);
      idx += 1;
    }
  }
  return repeated;
}

export interface RefRepetition {
  dupParaFrac: number;
  dupParaCharFrac: number;
  dupLineFrac: number;
  dupLineCharFrac: number;
  top: number[];
  topCount: number[];
  dup: number[];
}

export function refRepetition(text: string): RefRepetition {
  const len = pyLen(text);
  const paragraphs = pyStrip(text).split(/\n{2,}/);
  const [pd, pc] = findDuplicates(paragraphs);
  const lines = text.split(/\n+/);
  const [ld, lc] = findDuplicates(lines);
  const words = refWords(text);
  const top: number[] = [];
  const topCount: number[] = [];
  for (let n = 2; n <= 4; n++) {
    const g = getNGrams(words, n);
    if (g.length === 0) {
      top.push(Number.NaN);
      topCount.push(0);
    } else {
      const [chars, count] = findTopDuplicate(g);
      top.push(chars / len);
      topCount.push(count);
    }
  }
  const dup: number[] = [];
  for (let n = 5; n <= 10; n++) dup.push(words.length < n ? Number.NaN : findAllDuplicate(words, n) / len);
  return {
    dupParaFrac: pd / paragraphs.length,
    dupParaCharFrac: pc / len,
    dupLineFrac: ld / lines.length,
    dupLineCharFrac: lc / len,
    top,
    topCount,
    dup,
  };
}

const PUNCT =
  "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»" +
  String.fromCharCode(
    ...[...Array(9).keys()],
    11,
    12,
    ...Array.from({ length: 19 }, (_, i) => 13 + i),
    ...Array.from({ length: 33 }, (_, i) => 127 + i),
  );
const PUNCT_SET = new Set(PUNCT);

export function refGopherQuality(text: string, stopWords: string[]) {
  const words = refWords(text);
  const nonSymbol = words.filter((w) => [...w].some((ch) => !PUNCT_SET.has(ch)));
  const mean = nonSymbol.length ? nonSymbol.reduce((a, w) => a + pyLen(w), 0) / nonSymbol.length : Number.NaN;
  const count = (sub: string) => text.split(sub).length - 1;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Python's splitlines() breaks on \x1c–\x1e
  const lines = text.split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Python's lstrip() removes \x1c–\x1f
  const bullets = lines.filter((l) => /^[\s\x1c-\x1f\x85]*[•-]/.test(l)).length;
  const ell = lines.filter((l) => {
    const r = pyStrip(l);
    return r.endsWith("...") || r.endsWith("…");
  }).length;
  const isAlpha = (ch: string) => /\p{L}/u.test(ch);
  return {
    nWords: words.length,
    nNonSymbolWords: nonSymbol.length,
    meanWordLength: mean,
    hashRatio: words.length ? count("#") / words.length : 0,
    ellipsisRatio: words.length ? (count("...") + count("…")) / words.length : 0,
    bulletLinesRatio: lines.length ? bullets / lines.length : 0,
    ellipsisLinesRatio: lines.length ? ell / lines.length : 0,
    alphaWordsRatio: words.length ? words.filter((w) => [...w].some(isAlpha)).length / words.length : 0,
    stopWords: words.filter((w) => stopWords.includes(w)).length,
  };
}

export function refFineWeb(text: string, stopChars: string[], shortLen = 30) {
  const lines = text.split("\n");
  const punct = lines.filter((l) => stopChars.some((c) => l.endsWith(c))).length / lines.length;
  const short = lines.filter((l) => pyLen(l) <= shortLen).length / lines.length;
  const nonEmpty = lines.filter((l) => pyStrip(l) !== "");
  const denom = pyLen(text.replace(/\n/g, ""));
  return {
    lineEndPunct: punct,
    shortLines: short,
    charDup: denom > 0 ? findDuplicates(nonEmpty)[1] / denom : 0,
    newlineRatio: refWords(text).length ? (text.split("\n").length - 1) / refWords(text).length : 0,
  };
}
