import type { Lang } from "../signals/profile.js";
import type { Rule } from "./rule.js";

/** C4's document-level rules (Raffel et al. 2020, §2.2) with datatrove C4QualityFilter's defaults. */
export interface C4Thresholds {
  filter_no_terminal_punct: boolean;
  min_num_sentences: number;
}

export const C4_DEFAULTS: C4Thresholds = { filter_no_terminal_punct: true, min_num_sentences: 5 };

export function c4Rules(
  th: C4Thresholds,
  source = "C4 (Raffel et al. 2020, §2.2); datatrove C4QualityFilter",
  langs?: readonly Lang[],
): Rule[] {
  const c = (d: Parameters<Rule["check"]>[0]) => d.c4(th.filter_no_terminal_punct);
  const group = {};
  const rules: Rule[] = [
    {
      flag: "lorem_ipsum",
      kind: "boilerplate",
      test: 'a kept line contains "lorem ipsum"',
      source,
      langs,
      group,
      check: (d) => c(d).loremIpsum,
    },
    {
      flag: "curly_bracket",
      kind: "markup",
      test: 'a kept line contains "{"',
      source,
      langs,
      group,
      check: (d) => c(d).curlyBracket,
    },
  ];
  if (th.min_num_sentences > 0)
    rules.push({
      flag: "too_few_sentences",
      kind: "structure",
      test: `sentences in kept lines < ${th.min_num_sentences}${th.filter_no_terminal_punct ? " (lines without terminal punctuation dropped)" : ""}`,
      source,
      langs,
      group,
      check: (d) => {
        const s = c(d);
        return !s.loremIpsum && !s.curlyBracket && s.sentences < th.min_num_sentences;
      },
    });
  return rules;
}
