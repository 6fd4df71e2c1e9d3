import type { Lang } from "../signals/profile.js";

/**
 * What the reference sample says "normal" looks like, per language: the held-out perplexities (for CCNet's
 * head/middle/tail buckets at the 30th and 60th percentiles, Wenzek et al. 2020 §4; and the score's fluency
 * part) and the held-out LM gain (nats per character the trigram model saves over its own unigram part; text
 * with no sequential structure — random characters, shuffled or mis-decoded text — saves ~0).
 */
export interface LangCalibration {
  /** Held-out documents measured. */
  docs: number;
  /** Reference characters of this language the model was trained on. */
  trainChars: number;
  /** Perplexity at the 30th and 60th percentile of held-out documents (CCNet head/middle/tail cut-offs). */
  head: number;
  middle: number;
  /** Sorted held-out perplexities (subsampled to ≤ 200) for the fluency percentile. */
  ppl: number[];
  /** 5th percentile of held-out gain. */
  gainP05: number;
}

export type Calibration = Partial<Record<Lang, LangCalibration>>;

/** Minimum held-out documents and training characters before a language gets LM-based rules and buckets. */
export const MIN_CAL_DOCS = 20;
export const MIN_CAL_CHARS = 20_000;

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Fraction of held-out documents with a lower perplexity (linear between sample points). */
export function pplPercentile(cal: LangCalibration, ppl: number): number {
  const a = cal.ppl;
  if (a.length === 0 || !Number.isFinite(ppl)) return 0.5;
  if (ppl <= a[0]) return 0;
  if (ppl >= a[a.length - 1]) return 1;
  let lo = 0;
  let hi = a.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= ppl) lo = mid;
    else hi = mid;
  }
  return (lo + (ppl - a[lo]) / (a[hi] - a[lo])) / (a.length - 1);
}

export function calibrate(
  samples: { lang: Lang; ppl: number; gain: number }[],
  trainChars: Partial<Record<Lang, number>>,
): Calibration {
  const by = new Map<Lang, { ppl: number[]; gain: number[] }>();
  for (const s of samples) {
    if (!Number.isFinite(s.ppl)) continue;
    let e = by.get(s.lang);
    if (!e) by.set(s.lang, (e = { ppl: [], gain: [] }));
    e.ppl.push(s.ppl);
    e.gain.push(s.gain);
  }
  const out: Calibration = {};
  for (const [lang, e] of by) {
    const chars = trainChars[lang] ?? 0;
    if (e.ppl.length < MIN_CAL_DOCS || chars < MIN_CAL_CHARS) continue;
    const ppl = e.ppl.sort((x, y) => x - y);
    const gain = e.gain.sort((x, y) => x - y);
    const step = Math.max(1, Math.floor(ppl.length / 200));
    out[lang] = {
      docs: ppl.length,
      trainChars: chars,
      head: quantile(ppl, 0.3),
      middle: quantile(ppl, 0.6),
      ppl: ppl.filter((_, i) => i % step === 0 || i === ppl.length - 1),
      gainP05: quantile(gain, 0.05),
    };
  }
  return out;
}
