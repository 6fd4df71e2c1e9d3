import { UserError } from "../../util/errors.js";

/**
 * Input a reader skips instead of stopping: each kind is counted, and the first few occurrences keep their
 * file:line so the report can point at them. `--strict` turns the first one into a UserError (exit 2).
 */
export const BAD_INPUT_KINDS = [
  "invalid_json",
  "missing_field",
  "not_a_string",
  "invalid_utf8",
  "empty",
  "too_long",
  "unreadable",
] as const;
export type BadInputKind = (typeof BAD_INPUT_KINDS)[number];

const DESCRIPTIONS: Record<BadInputKind, string> = {
  invalid_json: "invalid JSON",
  missing_field: "record without the text field",
  not_a_string: "text field is not a string",
  invalid_utf8: "invalid UTF-8",
  empty: "empty or whitespace-only",
  too_long: "longer than the size limit",
  unreadable: "file could not be read to the end",
};

export function describeBadInput(kind: BadInputKind): string {
  return DESCRIPTIONS[kind];
}

export interface BadInputExample {
  file: string;
  line: number;
  detail: string;
}

export interface BadInputSummary {
  total: number;
  counts: Partial<Record<BadInputKind, number>>;
  examples: Partial<Record<BadInputKind, BadInputExample[]>>;
}

export class BadInputLog {
  readonly counts = new Map<BadInputKind, number>();
  readonly examples = new Map<BadInputKind, BadInputExample[]>();
  total = 0;

  constructor(
    private readonly strict = false,
    private readonly keepExamples = 5,
  ) {}

  add(kind: BadInputKind, file: string, line: number, detail: string): void {
    if (this.strict)
      throw new UserError(`${describeBadInput(kind)}: ${detail} (--strict stops at bad input)`, {
        file,
        line,
      });
    this.total++;
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    let ex = this.examples.get(kind);
    if (!ex) {
      ex = [];
      this.examples.set(kind, ex);
    }
    if (ex.length < this.keepExamples) ex.push({ file, line, detail });
  }

  summary(): BadInputSummary {
    const counts: BadInputSummary["counts"] = {};
    const examples: BadInputSummary["examples"] = {};
    for (const k of BAD_INPUT_KINDS) {
      const c = this.counts.get(k);
      if (c) {
        counts[k] = c;
        examples[k] = this.examples.get(k) ?? [];
      }
    }
    return { total: this.total, counts, examples };
  }
}
