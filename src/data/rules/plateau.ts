import type { Rule } from "./rule.js";

/**
 * plateau's own rules for the noise that breaks pretraining but that the web-crawl filters above were not
 * written for — wrong decoders, replacement characters, markup and boilerplate inside one-line samples,
 * random characters, fragments — tuned for MedicalGPT-style corpora (one sample per line, Chinese and English
 * mixed). Each threshold is named here, with the reason for its value.
 */
export interface PlateauThresholds {
  /** U+FFFD means bytes were lost in decoding; any is too many. */
  max_replacement_chars: number;
  /** Control/format/private-use characters (not tab or newlines): allow a stray zero-width space or BOM. */
  max_control_chars: number;
  max_control_ratio: number;
  /**
   * Mojibake (see signals/encoding.ts): any UTF-8-as-Latin-1 sequence of a 3/4-byte character or a marker
   * (锟斤拷) — these never occur in natural text; 2-byte sequences ("Ã©") from the second on; GBK-as-Latin-1 runs
   * from max_gbk_run_chars characters; or Latin-1 high characters above max_latin1_high_ratio of non-space
   * characters (accented European prose stays well under it: French ~4%, Vietnamese's Latin-1 letters ~15%).
   */
  max_mojibake_long: number;
  max_mojibake_short: number;
  max_gbk_run_chars: number;
  max_latin1_high_ratio: number;
  /** HTML tags + entities, or the share of characters inside them. */
  max_html_items: number;
  max_html_ratio: number;
  /** Distinct boilerplate phrases, alone or with the share of characters they cover. */
  max_boilerplate_phrases: number;
  boilerplate_phrases_with_ratio: number;
  max_boilerplate_ratio: number;
  /** Share of Han characters outside everyday Chinese, once there are enough Han characters to judge. */
  max_rare_han_ratio: number;
  min_han_for_rare: number;
  /** Punctuation + symbols over non-space characters (random printable ASCII is ~34%). */
  max_special_ratio: number;
  /** ASCII words of 4+ letters without a vowel (random letter strings), once there are enough words. */
  max_vowelless_ratio: number;
  min_latin_words_for_vowelless: number;
  /** Fewer words (CJK characters + letter/digit runs) than this is not a training sample. */
  min_words: number;
  /**
   * Repetition in documents too short for Gopher's n-gram rules (< short_doc_words words): the most common
   * 2-, 3- or 4-gram occurs at least repeated_phrase_count times and covers more than repeated_phrase_share.
   */
  short_doc_words: number;
  repeated_phrase_count: number;
  repeated_phrase_share: number;
}

export const PLATEAU_DEFAULTS: PlateauThresholds = {
  max_replacement_chars: 0,
  max_control_chars: 2,
  max_control_ratio: 0.005,
  max_mojibake_long: 0,
  max_mojibake_short: 1,
  max_gbk_run_chars: 5,
  max_latin1_high_ratio: 0.35,
  max_html_items: 2,
  max_html_ratio: 0.05,
  max_boilerplate_phrases: 3,
  boilerplate_phrases_with_ratio: 2,
  max_boilerplate_ratio: 0.15,
  max_rare_han_ratio: 0.25,
  min_han_for_rare: 8,
  max_special_ratio: 0.3,
  max_vowelless_ratio: 0.3,
  min_latin_words_for_vowelless: 6,
  min_words: 6,
  short_doc_words: 50,
  repeated_phrase_count: 3,
  repeated_phrase_share: 0.4,
};

const SOURCE = "plateau (src/data/rules/plateau.ts)";

export function plateauRules(th: PlateauThresholds = PLATEAU_DEFAULTS): Rule[] {
  return [
    {
      flag: "replacement_char",
      kind: "encoding",
      test: `U+FFFD characters > ${th.max_replacement_chars}`,
      source: SOURCE,
      check: (d) => d.prof.replacement > th.max_replacement_chars,
    },
    {
      flag: "control_chars",
      kind: "encoding",
      test: `control/format characters > ${th.max_control_chars} and > ${th.max_control_ratio} of characters`,
      source: SOURCE,
      check: (d) =>
        d.prof.control > th.max_control_chars && d.prof.control > th.max_control_ratio * d.prof.chars,
    },
    {
      flag: "mojibake",
      kind: "encoding",
      test: `UTF-8-as-Latin-1 sequences of 3/4-byte characters or 锟斤拷-style markers > ${th.max_mojibake_long}, of 2-byte characters > ${th.max_mojibake_short}, GBK-as-Latin-1 run characters > ${th.max_gbk_run_chars}, or Latin-1 high characters > ${th.max_latin1_high_ratio} of non-space characters`,
      source: `${SOURCE}; patterns of UTF-8/GBK bytes decoded as Latin-1/cp1252 (cf. ftfy)`,
      check: (d) => {
        const m = d.prof.mojibake;
        return (
          m.long + m.markers > th.max_mojibake_long ||
          m.short > th.max_mojibake_short ||
          m.gbkRunChars > th.max_gbk_run_chars ||
          m.latin1High > th.max_latin1_high_ratio * d.sig.nonSpace
        );
      },
    },
    {
      flag: "html_residue",
      kind: "markup",
      test: `HTML tags + entities > ${th.max_html_items} or > ${th.max_html_ratio} of characters inside them`,
      source: SOURCE,
      check: (d) => {
        const m = d.markup;
        return (
          m.htmlTags + m.htmlEntities > th.max_html_items || m.htmlChars > th.max_html_ratio * d.prof.chars
        );
      },
    },
    {
      flag: "boilerplate",
      kind: "boilerplate",
      test: `boilerplate phrases ≥ ${th.max_boilerplate_phrases}, or ≥ ${th.boilerplate_phrases_with_ratio} covering > ${th.max_boilerplate_ratio} of non-space characters`,
      source: SOURCE,
      check: (d) => {
        const m = d.markup;
        return (
          m.boilerplatePhrases >= th.max_boilerplate_phrases ||
          (m.boilerplatePhrases >= th.boilerplate_phrases_with_ratio &&
            m.boilerplateChars > th.max_boilerplate_ratio * d.sig.nonSpace)
        );
      },
    },
    {
      flag: "rare_han",
      kind: "gibberish",
      test: `Han characters outside GB 2312 + Big5 level 1 / Han characters > ${th.max_rare_han_ratio} (≥ ${th.min_han_for_rare} Han)`,
      source: `${SOURCE}; character sets from Node's ICU decoders`,
      check: (d) => d.prof.han >= th.min_han_for_rare && d.prof.rareHanRatio > th.max_rare_han_ratio,
    },
    {
      flag: "special_chars",
      kind: "gibberish",
      test: `(punctuation + symbols) / non-space characters > ${th.max_special_ratio}`,
      source: `${SOURCE}; cf. data-juicer special_characters_filter (max 0.25, digits included)`,
      check: (d) => {
        const p = d.prof;
        const nonSpace = d.sig.nonSpace;
        return nonSpace > 0 && ((p.punctRatio + p.symbolRatio) * p.chars) / nonSpace > th.max_special_ratio;
      },
    },
    {
      flag: "vowelless_words",
      kind: "gibberish",
      test: `ASCII words (4+ letters) without a vowel / such words > ${th.max_vowelless_ratio} (≥ ${th.min_latin_words_for_vowelless} words)`,
      source: SOURCE,
      check: (d) =>
        d.prof.latinWords >= th.min_latin_words_for_vowelless &&
        d.prof.vowellessRatio > th.max_vowelless_ratio,
    },
    {
      flag: "repeated_phrase",
      kind: "repetition",
      test: `documents under ${th.short_doc_words} words: top 2/3/4-gram occurs ≥ ${th.repeated_phrase_count}× and covers > ${th.repeated_phrase_share} of characters`,
      source: SOURCE,
      check: (d) => {
        if (d.sig.nTok >= th.short_doc_words) return false;
        const r = d.rep;
        // A 3- or 4-gram occurring k times implies its leading 2-gram occurs ≥ k times: test the 2-gram first.
        if (r.topNgramCount(2) < th.repeated_phrase_count) return false;
        for (let n = 2; n <= 4; n++)
          if (r.topNgramCount(n) >= th.repeated_phrase_count && r.topNgramSpan(n) > th.repeated_phrase_share)
            return true;
        return false;
      },
    },
    {
      flag: "too_short",
      kind: "length",
      test: `words (CJK characters + letter/digit runs) < ${th.min_words}`,
      source: `${SOURCE}; cf. data-juicer text_length_filter (min 10 characters)`,
      check: (d) => d.prof.words < th.min_words,
    },
    {
      flag: "truncated",
      kind: "structure",
      test: "does not end with sentence-final punctuation (。！？.!?… possibly followed by closing quotes)",
      source: `${SOURCE}; cf. C4 terminal-punctuation rule`,
      check: (d) => !d.prof.endsTerminal,
    },
  ];
}
