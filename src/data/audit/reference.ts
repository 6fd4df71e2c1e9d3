import { type Calibration, calibrate } from "../lm/calibration.js";
import { CharLm } from "../lm/char-lm.js";
import { type ReadOptions, readCorpus } from "../read/corpus.js";
import { parsePresets } from "../rules/presets.js";
import { applyRules } from "../rules/rule.js";
import { DocView } from "../rules/view.js";
import type { Lang } from "../signals/profile.js";
import { key53 } from "../text/hash.js";

/**
 * The reference sample the character LM learns "normal text" from. Without `--reference`, it is drawn from the
 * corpus itself, spread over its files (the first documents of each file, up to an equal share of the
 * budget), keeping only documents that pass the heuristic rules and are not exact repeats — CCNet's idea of a
 * trusted reference, with the corpus's own clean part standing in for Wikipedia. Every tenth kept document is
 * held out to calibrate perplexity buckets and the gibberish threshold on text the model has not seen.
 */
export interface ReferenceOptions {
  /** Explicit reference files (taken as they are, not filtered). */
  files?: string[];
  /** Budget of reference text in bytes (default 4 MB). */
  budgetBytes?: number;
  presets: string;
  read?: ReadOptions;
}

export interface ReferenceModel {
  lm: CharLm;
  calibration: Calibration;
  source: "corpus sample" | "reference files";
  docs: number;
  heldOut: number;
  bytes: number;
  /** Reference characters per language (after normalisation). */
  trainChars: Partial<Record<Lang, number>>;
}

export async function buildReference(
  corpusFiles: string[],
  opts: ReferenceOptions,
): Promise<ReferenceModel | null> {
  const budget = opts.budgetBytes ?? 4_000_000;
  const files = opts.files?.length ? opts.files : corpusFiles;
  const filter = !opts.files?.length;
  const perFile = Math.max(64_000, Math.floor(budget / Math.max(1, files.length)));
  const { rules } = parsePresets(opts.presets);
  const view = new DocView();
  const seen = new Set<number>();
  const train: string[] = [];
  const held: { text: string; lang: Lang }[] = [];
  const trainChars: Partial<Record<Lang, number>> = {};
  let bytes = 0;
  let kept = 0;
  for (const file of files) {
    if (bytes >= budget) break;
    let fileBytes = 0;
    const corpus = readCorpus(file, { ...opts.read, strict: false });
    outer: for await (const batch of corpus.batches()) {
      for (const d of batch) {
        view.reset(d.text);
        if (filter && applyRules(rules, view).length > 0) continue;
        const k = key53(view.sig.norm1, view.sig.norm2);
        if (seen.has(k)) continue;
        seen.add(k);
        const len = Buffer.byteLength(d.text);
        bytes += len;
        fileBytes += len;
        const lang = view.prof.lang;
        if (kept++ % 10 === 9) held.push({ text: d.text, lang });
        else {
          train.push(d.text);
          trainChars[lang] = (trainChars[lang] ?? 0) + view.prof.chars;
        }
        if (fileBytes >= perFile || bytes >= budget) break outer;
      }
    }
  }
  if (train.length === 0) return null;
  const lm = CharLm.train(train);
  const samples = held.map((h) => {
    const s = lm.score(h.text, 20_000);
    return { lang: h.lang, ppl: s.ppl, gain: Math.log(s.unigramPpl) - Math.log(s.ppl) };
  });
  return {
    lm,
    calibration: calibrate(samples, trainChars),
    source: filter ? "corpus sample" : "reference files",
    docs: kept,
    heldOut: held.length,
    bytes,
    trainChars,
  };
}
