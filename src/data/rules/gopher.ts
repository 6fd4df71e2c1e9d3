import { GOPHER_STOP_WORDS, StopWords } from "../signals/gopher-quality.js";
import type { Lang } from "../signals/profile.js";
import type { Rule } from "./rule.js";

/**
 * Gopher's heuristics (Rae et al. 2021, "Scaling Language Models", Appendix A.1.1 and Table A1) with the
 * parameter names and defaults of datatrove's GopherRepetitionFilter / GopherQualityFilter. A threshold of
 * 0 or null disables its rule, as in datatrove. Flag names are datatrove's reasons.
 */
export interface GopherRepetitionThresholds {
  dup_line_frac: number | null;
  dup_para_frac: number | null;
  dup_line_char_frac: number | null;
  dup_para_char_frac: number | null;
  top_n_grams: [number, number][];
  dup_n_grams: [number, number][];
}

export const GOPHER_REPETITION_DEFAULTS: GopherRepetitionThresholds = {
  dup_line_frac: 0.3,
  dup_para_frac: 0.3,
  dup_line_char_frac: 0.2,
  dup_para_char_frac: 0.2,
  top_n_grams: [
    [2, 0.2],
    [3, 0.18],
    [4, 0.16],
  ],
  dup_n_grams: [
    [5, 0.15],
    [6, 0.14],
    [7, 0.13],
    [8, 0.12],
    [9, 0.11],
    [10, 0.1],
  ],
};

const GOPHER_SOURCE = "Gopher (Rae et al. 2021, Table A1); datatrove GopherRepetitionFilter";

/**
 * `charScale` (not in datatrove): for rules restricted to CJK documents, whose words here are single
 * characters, a published word n-gram rule is applied to character (charScale·n)-grams — a Chinese word
 * (jieba, which FineWeb-2's thresholds were set with) averages about two characters.
 * `cjkSpans` (not in datatrove) measures a top n-gram by the span it covers, without the spaces " ".join
 * puts between CJK characters (see RepetitionStats.topNgramSpan).
 * `minWords` (not in datatrove) restricts the n-gram rules to documents of at least that many words: on a
 * 4-word line the single 4-gram "covers" more than the whole text, which datatrove flags — harmless in a
 * pipeline that first drops documents under 50 words (Gopher's min_doc_words), wrong for one-line samples.
 */
export function gopherRepetitionRules(
  th: GopherRepetitionThresholds,
  source = GOPHER_SOURCE,
  langs?: readonly Lang[],
  minWords = 0,
  cjkSpans = false,
  charScale = 1,
): Rule[] {
  const rules: Rule[] = [];
  const group = {};
  const min = minWords * charScale;
  const gate = min > 0 ? ` (documents of ≥ ${min} ${charScale > 1 ? "characters" : "words"})` : "";
  const add = (flag: string, test: string, check: Rule["check"]) =>
    rules.push({ flag, kind: "repetition", test, source, langs, group, check });
  const addNgram = (flag: string, test: string, check: Rule["check"]) =>
    add(flag, test + gate, min > 0 ? (d) => d.sig.nTok >= min && check(d) : check);
  const { dup_para_frac, dup_para_char_frac, dup_line_frac, dup_line_char_frac } = th;
  if (dup_para_frac)
    add(
      "dup_para_frac",
      `duplicate paragraphs / paragraphs > ${dup_para_frac}`,
      (d) => d.rep.dupParaFrac > dup_para_frac,
    );
  if (dup_para_char_frac)
    add(
      "dup_para_char_frac",
      `characters in duplicate paragraphs / characters > ${dup_para_char_frac}`,
      (d) => d.rep.dupParaCharFrac > dup_para_char_frac,
    );
  if (dup_line_frac)
    add(
      "dup_line_frac",
      `duplicate lines / lines > ${dup_line_frac}`,
      (d) => d.rep.dupLineFrac > dup_line_frac,
    );
  if (dup_line_char_frac)
    add(
      "dup_line_char_frac",
      `characters in duplicate lines / characters > ${dup_line_char_frac}`,
      (d) => d.rep.dupLineCharFrac > dup_line_char_frac,
    );
  for (const [n, frac] of th.top_n_grams) {
    if (!frac || n < 2 || n > 4) continue;
    const m = n * charScale;
    // NaN (fewer than m words) never fires.
    addNgram(
      `top_${n}_gram`,
      `most common ${charScale > 1 ? `character ${m}-gram` : `${n}-gram`}'s ${cjkSpans ? "span (no spaces around CJK characters), if it repeats," : "characters"} / characters > ${frac}`,
      // With cjkSpans (plateau's adaptation) the n-gram must actually repeat: datatrove also "flags" a short
      // text whose single n-gram is long relative to it.
      cjkSpans
        ? (d) => d.rep.topNgramCount(m) >= 2 && d.rep.topNgramSpan(m) > frac
        : (d) => d.rep.topNgram(m) > frac,
    );
  }
  for (const [n, frac] of th.dup_n_grams) {
    if (!frac || n < 5 || n > 10) continue;
    const m = n * charScale;
    addNgram(
      `duplicated_${n}_n_grams`,
      `characters in repeated ${charScale > 1 ? `character ${m}-grams` : `${n}-grams`} / characters > ${frac}`,
      (d) => d.rep.dupNgram(m) > frac,
    );
  }
  return rules;
}

export interface GopherQualityThresholds {
  min_doc_words: number | null;
  max_doc_words: number | null;
  min_avg_word_length: number | null;
  max_avg_word_length: number | null;
  max_symbol_word_ratio: number | null;
  max_bullet_lines_ratio: number | null;
  max_ellipsis_lines_ratio: number | null;
  max_non_alpha_words_ratio: number | null;
  min_stop_words: number | null;
  stop_words: readonly string[];
}

export const GOPHER_QUALITY_DEFAULTS: GopherQualityThresholds = {
  min_doc_words: 50,
  max_doc_words: 100_000,
  min_avg_word_length: 3,
  max_avg_word_length: 10,
  max_symbol_word_ratio: 0.1,
  max_bullet_lines_ratio: 0.9,
  max_ellipsis_lines_ratio: 0.3,
  max_non_alpha_words_ratio: 0.8,
  min_stop_words: 2,
  stop_words: GOPHER_STOP_WORDS,
};

export function gopherQualityRules(
  th: GopherQualityThresholds,
  source = "Gopher (Rae et al. 2021, §A.1.1); datatrove GopherQualityFilter",
  langs?: readonly Lang[],
): Rule[] {
  const stop = new StopWords(th.stop_words);
  const rules: Rule[] = [];
  const group = {};
  const add = (flag: string, kind: Rule["kind"], test: string, check: Rule["check"]) =>
    rules.push({ flag, kind, test, source, langs, group, check });
  const q = (d: Parameters<Rule["check"]>[0]) => d.gopherQuality(stop);
  const {
    min_doc_words,
    max_doc_words,
    min_avg_word_length,
    max_avg_word_length,
    max_symbol_word_ratio,
    max_bullet_lines_ratio,
    max_ellipsis_lines_ratio,
    max_non_alpha_words_ratio,
    min_stop_words,
  } = th;
  if (min_doc_words)
    add(
      "gopher_short_doc",
      "length",
      `non-symbol words < ${min_doc_words}`,
      (d) => q(d).nNonSymbolWords < min_doc_words,
    );
  if (max_doc_words)
    add(
      "gopher_long_doc",
      "length",
      `non-symbol words > ${max_doc_words}`,
      (d) => q(d).nNonSymbolWords > max_doc_words,
    );
  if (min_avg_word_length)
    add(
      "gopher_below_avg_threshold",
      "quality",
      `mean non-symbol word length < ${min_avg_word_length}`,
      (d) => q(d).meanWordLength < min_avg_word_length,
    );
  if (max_avg_word_length)
    add(
      "gopher_above_avg_threshold",
      "quality",
      `mean non-symbol word length > ${max_avg_word_length}`,
      (d) => q(d).meanWordLength > max_avg_word_length,
    );
  if (max_symbol_word_ratio) {
    add(
      "gopher_too_many_hashes",
      "quality",
      `"#" / words > ${max_symbol_word_ratio}`,
      (d) => q(d).hashRatio > max_symbol_word_ratio,
    );
    add(
      "gopher_too_many_ellipsis",
      "quality",
      `("..." + "…") / words > ${max_symbol_word_ratio}`,
      (d) => q(d).ellipsisRatio > max_symbol_word_ratio,
    );
  }
  if (max_bullet_lines_ratio)
    add(
      "gopher_too_many_bullets",
      "structure",
      `lines starting with "•" or "-" / lines > ${max_bullet_lines_ratio}`,
      (d) => q(d).bulletLinesRatio > max_bullet_lines_ratio,
    );
  if (max_ellipsis_lines_ratio)
    add(
      "gopher_too_many_end_ellipsis",
      "structure",
      `lines ending in "..." or "…" / lines > ${max_ellipsis_lines_ratio}`,
      (d) => q(d).ellipsisLinesRatio > max_ellipsis_lines_ratio,
    );
  if (max_non_alpha_words_ratio)
    add(
      "gopher_below_alpha_threshold",
      "quality",
      `words with a letter / words < ${max_non_alpha_words_ratio}`,
      (d) => q(d).nWords > 0 && q(d).alphaWordsRatio < max_non_alpha_words_ratio,
    );
  if (min_stop_words)
    add(
      "gopher_enough_stop_words",
      "quality",
      `stop-word occurrences < ${min_stop_words} (${th.stop_words.join(" ")})`,
      (d) => q(d).stopWords < min_stop_words,
    );
  return rules;
}
