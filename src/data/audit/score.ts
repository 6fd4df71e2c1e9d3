import { type LangCalibration, pplPercentile } from "../lm/calibration.js";
import type { DocView } from "../rules/view.js";

/**
 * The composite quality score in [0, 1]: a weighted mean of five parts, each in [0, 1], so a manifest can say
 * exactly why a document ranks where it does.
 *
 *   fluency    0.35  1 − the share of reference documents (same language) with lower char-LM perplexity;
 *                    0.5 when the language has no calibrated model
 *   repetition 0.20  1 − the worst of the Gopher repetition measures, each divided by its Gopher threshold
 *                    (top 2-gram / 0.20, duplicated 5-grams / 0.15, duplicate lines / 0.30), clipped to [0, 1];
 *                    under 50 words: 1 − top 2-gram share / 0.4 when that 2-gram occurs ≥ 3 times, else 1
 *   length     0.20  log(words / 6) / log(200 / 6), clipped: 6 words → 0, 200+ words → 1
 *   cleanliness 0.15 1 − (punctuation + symbols) / non-space / 0.3, minus 0.5 if any U+FFFD or mojibake
 *   ending     0.10  1 if it ends a sentence, else 0
 */
export const SCORE_WEIGHTS = {
  fluency: 0.35,
  repetition: 0.2,
  length: 0.2,
  cleanliness: 0.15,
  ending: 0.1,
} as const;
export type ScorePart = keyof typeof SCORE_WEIGHTS;
export const SCORE_PARTS = Object.keys(SCORE_WEIGHTS) as ScorePart[];

export function scoreParts(d: DocView, cal: LangCalibration | undefined): Record<ScorePart, number> {
  const p = d.prof;
  const r = d.rep;
  const clip = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
  const fluency = cal && Number.isFinite(d.perplexity) ? 1 - pplPercentile(cal, d.perplexity) : 0.5;
  // Under 50 words Gopher's n-gram shares are dominated by the text's own length (one 4-gram "covers" a
  // 4-word line), so short documents are judged on a phrase that actually repeats (≥ 3 times).
  const worst =
    d.sig.nTok >= 50
      ? Math.max(finiteOr0(r.topNgramSpan(2)) / 0.2, finiteOr0(r.dupNgram(5)) / 0.15, r.dupLineFrac / 0.3)
      : r.topNgramCount(2) >= 3
        ? finiteOr0(r.topNgramSpan(2)) / 0.4
        : 0;
  const repetition = 1 - clip(worst);
  const length = clip(Math.log(Math.max(p.words, 1) / 6) / Math.log(200 / 6));
  const nonSpace = Math.max(1, d.sig.nonSpace);
  let cleanliness = 1 - clip(((p.punctRatio + p.symbolRatio) * p.chars) / nonSpace / 0.3);
  if (p.replacement > 0 || p.mojibakeChars > 0) cleanliness = Math.max(0, cleanliness - 0.5);
  const ending = p.endsTerminal ? 1 : 0;
  return { fluency: clip(fluency), repetition, length, cleanliness, ending };
}

export function combineScore(parts: Record<ScorePart, number>): number {
  let s = 0;
  for (const k of SCORE_PARTS) s += SCORE_WEIGHTS[k] * parts[k];
  return s;
}

function finiteOr0(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
