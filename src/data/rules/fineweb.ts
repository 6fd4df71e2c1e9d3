import type { Lang } from "../signals/profile.js";
import { FINEWEB_STOP_CHARS } from "../text/punct.js";
import type { Rule } from "./rule.js";

/**
 * FineWeb's own quality filter (Penedo et al. 2024, "The FineWeb Datasets", §3.4) with datatrove's
 * FineWebQualityFilter parameter names and defaults.
 */
export interface FineWebThresholds {
  line_punct_thr: number;
  line_punct_exclude_zero: boolean;
  short_line_thr: number;
  short_line_length: number;
  char_duplicates_ratio: number;
  new_line_ratio: number;
  stop_chars: readonly string[];
}

export const FINEWEB_DEFAULTS: FineWebThresholds = {
  line_punct_thr: 0.12,
  line_punct_exclude_zero: false,
  short_line_thr: 0.67,
  short_line_length: 30,
  char_duplicates_ratio: 0.01,
  new_line_ratio: 0.3,
  stop_chars: FINEWEB_STOP_CHARS,
};

export function fineWebRules(
  th: FineWebThresholds,
  source = "FineWeb (Penedo et al. 2024); datatrove FineWebQualityFilter",
  langs?: readonly Lang[],
): Rule[] {
  const f = (d: Parameters<Rule["check"]>[0]) => d.fineWeb(th.stop_chars, th.short_line_length);
  const group = {};
  const rules: Rule[] = [
    {
      flag: "line_punct_ratio",
      kind: "structure",
      test: `lines ending in ${th.stop_chars.join(" ")} / lines ≤ ${th.line_punct_thr}`,
      source,
      langs,
      group,
      check: (d) => {
        const r = f(d).lineEndPunct;
        return r <= th.line_punct_thr && !(r === 0 && th.line_punct_exclude_zero);
      },
    },
    {
      flag: "short_line_ratio",
      kind: "structure",
      test: `lines of ≤ ${th.short_line_length} characters / lines ≥ ${th.short_line_thr}`,
      source,
      langs,
      group,
      check: (d) => f(d).shortLines >= th.short_line_thr,
    },
    {
      flag: "char_dup_ratio",
      kind: "repetition",
      test: `characters in repeated lines / characters ≥ ${th.char_duplicates_ratio}`,
      source,
      langs,
      group,
      check: (d) => f(d).charDup >= th.char_duplicates_ratio,
    },
    {
      flag: "list_ratio",
      kind: "structure",
      test: `newlines / words > ${th.new_line_ratio}`,
      source,
      langs,
      group,
      check: (d) => f(d).newlineRatio > th.new_line_ratio,
    },
  ];
  // datatrove disables a rule by an out-of-range threshold (FineWeb-2 sets short_line_thr = 999).
  return rules.filter((r) => !(r.flag === "short_line_ratio" && th.short_line_thr > 1));
}
