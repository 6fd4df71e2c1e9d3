import type { Lang } from "../signals/profile.js";
import type { DocView } from "./view.js";

/**
 * A rule is one small unit in datatrove's style: a stable flag name, the measurement and threshold it tests
 * (named, with the source it comes from), and a check that says whether a document should be removed.
 */
export type NoiseKind =
  | "duplicate"
  | "encoding"
  | "markup"
  | "boilerplate"
  | "repetition"
  | "gibberish"
  | "length"
  | "structure"
  | "quality";

export const NOISE_KINDS: readonly NoiseKind[] = [
  "duplicate",
  "encoding",
  "markup",
  "boilerplate",
  "repetition",
  "gibberish",
  "length",
  "structure",
  "quality",
];

export interface Rule {
  /** Stable flag name written to flags.jsonl. */
  flag: string;
  kind: NoiseKind;
  /** The measurement and threshold, e.g. "top 2-gram character fraction > 0.2". */
  test: string;
  /** Where the rule and its threshold come from. */
  source: string;
  /** Languages (Profile.lang) the rule applies to; all when absent. */
  langs?: readonly Lang[];
  /**
   * Rules from one published filter share a group: like the datatrove filter, the group reports only its first
   * failing rule (and the later ones are not computed).
   */
  group?: object;
  check(d: DocView): boolean;
}

/** The JSON form of a rule for summary.json and --help listings. */
export function describeRule(r: Rule): {
  flag: string;
  kind: NoiseKind;
  test: string;
  source: string;
  langs?: Lang[];
} {
  return {
    flag: r.flag,
    kind: r.kind,
    test: r.test,
    source: r.source,
    ...(r.langs ? { langs: [...r.langs] } : {}),
  };
}

/**
 * Rules pre-sorted by language, so a document pays one lookup instead of a language test per rule. Order
 * within a language follows the rule list (a group's first failing rule is the one reported).
 */
export class RuleSet {
  private readonly byLang = new Map<Lang, Rule[]>();
  constructor(readonly rules: readonly Rule[]) {}

  apply(d: DocView, out: string[] = []): string[] {
    const lang = d.prof.lang;
    let list = this.byLang.get(lang);
    if (!list) {
      list = this.rules.filter((r) => !r.langs || r.langs.includes(lang));
      this.byLang.set(lang, list);
    }
    let fired: object[] | undefined;
    for (const r of list) {
      if (r.group && fired?.includes(r.group)) continue;
      if (r.check(d)) {
        if (!out.includes(r.flag)) out.push(r.flag);
        if (r.group) (fired ??= []).push(r.group);
      }
    }
    return out;
  }
}

/** Run the rules on a document; a rule restricted to some languages is skipped for the others. */
export function applyRules(rules: readonly Rule[], d: DocView, out: string[] = []): string[] {
  let fired: object[] | undefined;
  for (const r of rules) {
    if (r.group && fired?.includes(r.group)) continue;
    if (r.langs && !r.langs.includes(d.prof.lang)) continue;
    if (r.check(d)) {
      if (!out.includes(r.flag)) out.push(r.flag);
      if (r.group) (fired ??= []).push(r.group);
    }
  }
  return out;
}
