import { C4_END_PUNCTUATION, endsWithAny } from "../text/punct.js";
import type { DocSignals } from "./doc.js";
import { splitlines, stripRange } from "./lines.js";

/**
 * datatrove's C4QualityFilter (`c4_filters.py`, after Raffel et al. 2020 and tensorflow_datasets c4_utils) with
 * its defaults: each line (splitlines, stripped) is dropped if a whitespace-separated word exceeds 1000 chars,
 * if it lacks terminal punctuation (. ? ! " ') or ends in "...", if it has fewer than 3 words, if it mentions
 * "javascript", or if it holds a cookie/terms-of-use phrase; citations like [1] and [edit] are removed first.
 * The document is removed if a kept line contains "lorem ipsum" or "{", or if fewer than 5 sentences remain.
 *
 * One approximation: sentences are counted by terminal punctuation followed by a space (nltk's Punkt, which the
 * source uses, also knows abbreviations such as "Dr."). Words are `line.split()`, so Chinese lines — one
 * "word" each — never survive: C4 is an English filter (see data-quality.md), and this preset says so.
 */
export interface C4Stats {
  loremIpsum: boolean;
  curlyBracket: boolean;
  sentences: number;
  keptLines: number;
}

const CITATION = /\[\d*]|\[edit]|\[citation needed]/g;
const POLICY = [
  "terms of use",
  "privacy policy",
  "cookie policy",
  "uses cookies",
  "use of cookies",
  "use cookies",
];
const SENTENCE_END = /[.!?]+["')\]]*\s+(?=\S)/g;

export function c4Stats(s: DocSignals, filterNoTerminalPunct = true): C4Stats {
  const text = s.text;
  let sentences = 0;
  let kept = 0;
  for (const l of splitlines(s)) {
    const r = stripRange(text, l.start, l.end);
    let line = text.slice(r.start, r.end);
    const words = line.split(/\s+/).filter((w) => w.length > 0);
    if (words.some((w) => w.length > 1000)) continue;
    line = line.replace(CITATION, "");
    if (filterNoTerminalPunct && (!endsWithAny(line, C4_END_PUNCTUATION) || line.endsWith("..."))) continue;
    if (words.length < 3) continue;
    const lower = line.toLowerCase();
    if (lower.includes("lorem ipsum"))
      return { loremIpsum: true, curlyBracket: false, sentences, keptLines: kept };
    if (lower.includes("javascript")) continue;
    if (line.includes("{")) return { loremIpsum: false, curlyBracket: true, sentences, keptLines: kept };
    if (POLICY.some((p) => lower.includes(p))) continue;
    sentences += countSentences(line);
    kept++;
  }
  return { loremIpsum: false, curlyBracket: false, sentences, keptLines: kept };
}

function countSentences(line: string): number {
  if (line.trim() === "") return 0;
  SENTENCE_END.lastIndex = 0;
  let n = 1;
  while (SENTENCE_END.exec(line)) n++;
  return n;
}
