import { UserError } from "../../util/errors.js";
import { FINEWEB2_ZH_STOP_WORDS } from "../signals/gopher-quality.js";
import { CJK_TERMINAL } from "../text/punct.js";
import { C4_DEFAULTS, c4Rules } from "./c4.js";
import { FINEWEB_DEFAULTS, fineWebRules } from "./fineweb.js";
import {
  GOPHER_QUALITY_DEFAULTS,
  GOPHER_REPETITION_DEFAULTS,
  type GopherRepetitionThresholds,
  gopherQualityRules,
  gopherRepetitionRules,
} from "./gopher.js";
import { PLATEAU_DEFAULTS, plateauRules } from "./plateau.js";
import type { Rule } from "./rule.js";

/**
 * Rule presets. The published ones reproduce a pipeline's document filters with its thresholds; `default` is
 * plateau's preset for MedicalGPT-style corpora (one sample per line, Chinese and English mixed), documented
 * in README "Data quality". Presets combine: `--preset default,c4` flags what either would.
 */
export const PRESET_NAMES = ["default", "gopher", "c4", "fineweb", "fineweb2-zh"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const FW2 = "FineWeb-2 (huggingface/fineweb-2 configs/cmn_Hani.yml, fineweb-2-pipeline.py)";

/** FineWeb-2's Mandarin repetition thresholds; the rules it disabled (0) stay disabled. */
export const FINEWEB2_ZH_REPETITION: GopherRepetitionThresholds = {
  dup_line_frac: 0.287,
  dup_para_frac: 0,
  dup_line_char_frac: 0,
  dup_para_char_frac: 0,
  top_n_grams: [
    [2, 0.256],
    [3, 0.201],
    [4, 0.171],
  ],
  dup_n_grams: [
    [5, 0.198],
    [6, 0.182],
    [7, 0.167],
    [8, 0.154],
    [9, 0.14],
    [10, 0.127],
  ],
};

export const PRESET_DESCRIPTIONS: Record<PresetName, string> = {
  default:
    "plateau's preset for mixed Chinese/English line corpora: encoding, markup, boilerplate, gibberish, length and fragment rules, Gopher repetition (FineWeb-2 Mandarin thresholds for Chinese), plus perplexity outliers and duplicates",
  gopher: "Gopher quality + repetition filters (Rae et al. 2021), English defaults",
  c4: "C4's document rules (Raffel et al. 2020): lorem ipsum, curly brackets, ≥ 5 sentences (English only: words are split on spaces)",
  fineweb:
    "FineWeb's filter chain (Penedo et al. 2024): Gopher repetition + quality, C4 without the terminal-punctuation line rule, FineWeb quality",
  "fineweb2-zh":
    "FineWeb-2's Mandarin filters (cmn_Hani): Gopher repetition and quality and FineWeb quality with per-language thresholds",
};

export function presetRules(name: PresetName): Rule[] {
  switch (name) {
    case "gopher":
      return [
        ...gopherRepetitionRules(GOPHER_REPETITION_DEFAULTS),
        ...gopherQualityRules(GOPHER_QUALITY_DEFAULTS),
      ];
    case "c4":
      return c4Rules(C4_DEFAULTS);
    case "fineweb":
      return [
        ...gopherRepetitionRules(GOPHER_REPETITION_DEFAULTS),
        ...gopherQualityRules(GOPHER_QUALITY_DEFAULTS),
        ...c4Rules(
          { ...C4_DEFAULTS, filter_no_terminal_punct: false },
          "FineWeb's use of C4QualityFilter (filter_no_terminal_punct=False)",
        ),
        ...fineWebRules(FINEWEB_DEFAULTS),
      ];
    case "fineweb2-zh":
      return [
        ...gopherRepetitionRules(FINEWEB2_ZH_REPETITION, FW2),
        ...fineWebRules(
          {
            ...FINEWEB_DEFAULTS,
            short_line_thr: 999,
            char_duplicates_ratio: 0.1,
            line_punct_thr: 0.106,
            new_line_ratio: 0.178,
            stop_chars: CJK_TERMINAL,
          },
          FW2,
        ),
        ...gopherQualityRules(
          {
            ...GOPHER_QUALITY_DEFAULTS,
            max_avg_word_length: 5,
            min_avg_word_length: 1,
            stop_words: FINEWEB2_ZH_STOP_WORDS,
            max_non_alpha_words_ratio: 0.735,
            min_stop_words: 2,
          },
          FW2,
        ),
      ];
    case "default":
      return [
        ...plateauRules(PLATEAU_DEFAULTS),
        ...gopherRepetitionRules(
          { ...FINEWEB2_ZH_REPETITION, dup_para_frac: 0.3, dup_para_char_frac: 0.2, dup_line_char_frac: 0.2 },
          `${FW2} n-gram thresholds; Gopher's line/paragraph thresholds`,
          ["zh", "ja"],
          PLATEAU_DEFAULTS.short_doc_words,
          true,
          2,
        ),
        ...gopherRepetitionRules(
          GOPHER_REPETITION_DEFAULTS,
          undefined,
          ["latin", "mixed", "ko", "other", "none"],
          PLATEAU_DEFAULTS.short_doc_words,
          true,
        ),
      ];
  }
}

/** Parse `--preset a,b` into the union of the presets' rules (later duplicates of a flag are kept: each has its own languages). */
export function parsePresets(spec: string): { names: PresetName[]; rules: Rule[] } {
  const names = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UserError("empty preset list", { field: "--preset" });
  const rules: Rule[] = [];
  for (const n of names) {
    if (!(PRESET_NAMES as readonly string[]).includes(n))
      throw new UserError(`unknown preset "${n}" (choose from ${PRESET_NAMES.join(", ")})`, {
        field: "--preset",
      });
    rules.push(...presetRules(n as PresetName));
  }
  return { names: names as PresetName[], rules };
}
