import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { type AuditOptions, auditCorpus } from "../../data/audit/audit.js";
import type { AuditSummary } from "../../data/audit/summary.js";
import { MINHASH_DEFAULTS } from "../../data/dedup/minhash.js";
import type { CorpusFormat } from "../../data/read/files.js";
import { PRESET_DESCRIPTIONS, PRESET_NAMES, parsePresets } from "../../data/rules/presets.js";
import { CheckFailed, UserError } from "../../util/errors.js";
import { Progress } from "../../util/progress.js";
import { fmtInt, paint, say, table } from "../../util/term.js";
import { action, examples } from "../context.js";

/** Options shared by `audit` and `select` (both read a corpus and run the audit). */
export interface CorpusAuditFlags {
  field: string;
  format?: CorpusFormat;
  preset: string;
  workers?: string;
  strict?: boolean;
  maxDocBytes?: string;
  nearDup: boolean;
  lm: boolean;
  reference?: string[];
  bands?: string;
  rows?: string;
}

export function addCorpusAuditOptions(cmd: Command): Command {
  return cmd
    .option(
      "--field <name>",
      'text field of .jsonl/.json/.parquet records ("a.b" reaches into objects)',
      "text",
    )
    .addOption(
      new Option("--format <fmt>", "read every file as this format instead of by extension").choices([
        "txt",
        "jsonl",
        "json",
        "parquet",
      ]),
    )
    .option(
      "--preset <list>",
      `rule presets, comma-separated: ${PRESET_NAMES.join(", ")} (see README "Data quality")`,
      "default",
    )
    .option("--workers <n>", "worker threads (default: all cores; 0 = none)")
    .option(
      "--strict",
      "stop with exit code 2 at the first bad input line (invalid JSON/UTF-8, empty, too long)",
    )
    .option("--max-doc-bytes <n>", "skip documents longer than this many bytes as too_long", String(4 << 20))
    .option("--no-near-dup", "skip MinHash near-duplicate detection (exact duplicates are still found)")
    .option("--no-lm", "skip the character language model (no perplexity, no lm_gibberish flag)")
    .option("--reference <file...>", "train the LM on these files instead of a sample of the corpus")
    .option("--bands <n>", "MinHash LSH bands", String(MINHASH_DEFAULTS.bands))
    .option("--rows <n>", "MinHash rows per band", String(MINHASH_DEFAULTS.rows));
}

export function auditOptionsFrom(o: CorpusAuditFlags, label: string): AuditOptions {
  parsePresets(o.preset); // validate early: a usage error, not a failure half-way through
  const workers = o.workers === undefined ? undefined : intOption(o.workers, "--workers", 0);
  const bands = intOption(o.bands ?? String(MINHASH_DEFAULTS.bands), "--bands", 1);
  const rows = intOption(o.rows ?? String(MINHASH_DEFAULTS.rows), "--rows", 1);
  let progress: Progress | undefined;
  return {
    field: o.field,
    format: o.format,
    preset: o.preset,
    workers,
    strict: Boolean(o.strict),
    maxDocBytes: intOption(o.maxDocBytes ?? String(4 << 20), "--max-doc-bytes", 1),
    minhash: o.nearDup ? { ...MINHASH_DEFAULTS, bands, rows } : null,
    lm: o.lm,
    reference: o.reference,
    onProgress: (done, total, docs) => {
      progress ??= new Progress({ label, total, unit: "bytes" });
      progress.update(done, `${fmtInt(docs)} docs`);
      if (done >= total) progress.finish();
    },
  };
}

export function intOption(v: string, name: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UserError(`expected an integer ≥ ${min}, got "${v}"`, { field: name });
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command("audit")
    .argument("<paths...>", "corpus files or folders (.txt, .jsonl, .json, .parquet, optionally .gz)")
    .description(
      "audit a corpus: quality flags, duplicates, perplexity, bad input; writes flags.jsonl, summary.json, report.md",
    )
    .option("--out <dir>", "output folder", "audit")
    .option(
      "--signals",
      "also write DIR/signals.jsonl: language, length, perplexity, CCNet bucket, score parts per document",
    )
    .option("--max-noise <fraction>", "exit 1 when more than this share of documents is flagged (for CI)");
  addCorpusAuditOptions(cmd);
  cmd.addHelpText(
    "after",
    `\nPresets:\n${PRESET_NAMES.map((p) => `  ${p.padEnd(12)} ${PRESET_DESCRIPTIONS[p]}`).join("\n")}\n`,
  );
  examples(cmd, [
    "plateau audit data/pretrain --out audit",
    "plateau audit corpus.jsonl.gz --field content --preset default,c4 --json",
    "plateau audit shards/ --workers 8 --reference clean-sample.txt --max-noise 0.2",
  ]).action(
    action(
      async (
        ctx,
        paths: string[],
        o: CorpusAuditFlags & { out: string; maxNoise?: string; signals?: boolean },
      ) => {
        const maxNoise = o.maxNoise === undefined ? undefined : Number(o.maxNoise);
        if (maxNoise !== undefined && !(maxNoise >= 0 && maxNoise <= 1))
          throw new UserError(`expected a fraction between 0 and 1, got "${o.maxNoise}"`, {
            field: "--max-noise",
          });
        const out = resolve(o.out);
        const { summary } = await auditCorpus(paths, {
          ...auditOptionsFrom(o, "audit"),
          out,
          signals: Boolean(o.signals),
        });
        if (summary.totals.docs === 0) throw noDocuments(summary);
        const flaggedShare = summary.totals.flagged / summary.totals.docs;
        if (ctx.json) ctx.emit({ out, outputs: outputFiles(out), ...summary });
        else printSummary(summary, out, ctx.color);
        if (maxNoise !== undefined && flaggedShare > maxNoise)
          throw new CheckFailed(
            `${(flaggedShare * 100).toFixed(1)}% of documents flagged, more than --max-noise ${(maxNoise * 100).toFixed(1)}%`,
          );
      },
    ),
  );
}

/** Nothing usable was read: say why, with the first bad line, instead of reporting an empty corpus. */
export function noDocuments(s: AuditSummary): UserError {
  const [kind, n] = Object.entries(s.bad_input.counts).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))[0] ?? [];
  const ex = kind ? s.bad_input.examples[kind as keyof typeof s.bad_input.examples]?.[0] : undefined;
  if (!ex) return new UserError("no documents in the corpus");
  return new UserError(`no documents read: all ${n} records skipped, e.g. ${ex.detail}`, {
    file: ex.file,
    line: ex.line,
  });
}

function outputFiles(out: string) {
  return {
    flags: join(out, "flags.jsonl"),
    summary: join(out, "summary.json"),
    report: join(out, "report.md"),
  };
}

function printSummary(s: AuditSummary, out: string, color: boolean): void {
  const t = s.totals;
  const pct = (n: number) => (t.docs ? `${((n / t.docs) * 100).toFixed(1)}%` : "0%");
  say(
    `${paint("bold", fmtInt(t.docs), color)} documents, ${paint("green", `${fmtInt(t.kept)} kept (${pct(t.kept)})`, color)}, ${paint(t.flagged ? "yellow" : "green", `${fmtInt(t.flagged)} flagged`, color)}; ${fmtInt(t.bad_input)} bad input lines skipped`,
  );
  const kinds = Object.entries(s.noise).sort((a, b) => b[1].docs - a[1].docs);
  if (kinds.length) {
    const rows = [["noise", "docs", "share", "top flags"].map((h) => paint("bold", h, color))];
    for (const [k, v] of kinds)
      rows.push([
        k,
        fmtInt(v.docs),
        pct(v.docs),
        Object.entries(v.flags)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([f, n]) => `${f} ${fmtInt(n)}`)
          .join(", "),
      ]);
    say(table(rows, { align: ["l", "r", "r", "l"], indent: "  " }));
  }
  const d = s.duplicates;
  say(`  duplicates: ${fmtInt(d.exact)} exact, ${fmtInt(d.near)} near, in ${fmtInt(d.clusters)} clusters`);
  const langs = Object.entries(s.languages)
    .map(([l, v]) => `${l} ${fmtInt(v!.docs)}`)
    .join(", ");
  say(`  languages: ${langs}`);
  if (s.bad_input.total) {
    const first = Object.entries(s.bad_input.examples)[0];
    const ex = first?.[1]?.[0];
    say(
      paint(
        "yellow",
        `  bad input: ${Object.entries(s.bad_input.counts)
          .map(([k, n]) => `${k} ${fmtInt(n!)}`)
          .join(", ")}${ex ? ` (first: ${ex.file}:${ex.line})` : ""}`,
        color,
      ),
    );
  }
  for (const h of s.hints) say(paint("yellow", `  note: ${h}`, color));
  say(
    `  ${s.timing.seconds.toFixed(1)} s (${s.timing.mb_per_s.toFixed(1)} MB/s on ${s.timing.workers} worker${s.timing.workers === 1 ? "" : "s"})`,
  );
  say(`wrote ${join(out, "report.md")}, summary.json, flags.jsonl`);
}
