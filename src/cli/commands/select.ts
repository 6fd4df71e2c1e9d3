import { resolve } from "node:path";
import type { Command } from "commander";
import { manifestPath, selectBest } from "../../data/select/select.js";
import { UserError } from "../../util/errors.js";
import { fmtInt, paint, say, table, warn } from "../../util/term.js";
import { action, examples } from "../context.js";
import {
  addCorpusAuditOptions,
  auditOptionsFrom,
  type CorpusAuditFlags,
  intOption,
  noDocuments,
} from "./audit.js";

export function register(program: Command): void {
  const cmd = program
    .command("select")
    .argument("<paths...>", "corpus files or folders (.txt, .jsonl, .json, .parquet, optionally .gz)")
    .description(
      "pick the N best documents: drop flagged ones, rank by quality score, spread over sources and lengths, no near duplicates; writes FILE.jsonl and FILE.manifest.json",
    )
    .requiredOption("-n, --count <n>", "how many documents to select")
    .requiredOption("--out <file>", 'output .jsonl ({"text": …} per line, best first)')
    .option("--seed <s>", "seed for tie-breaking", "0")
    .option("--manifest <file>", "where to write why each document was picked (default: FILE.manifest.json)")
    .option(
      "--max-similarity <j>",
      "replace picks at least this similar to a better pick (MinHash Jaccard)",
      "0.5",
    )
    .option("--audit-out <dir>", "also write the audit (flags.jsonl, summary.json, report.md) here");
  addCorpusAuditOptions(cmd);
  examples(cmd, [
    "plateau select data/pretrain -n 1000 --out best1000.jsonl",
    "plateau select corpus.jsonl --field content -n 200 --out overfit.jsonl --seed 7 --json",
  ]).action(
    action(
      async (
        ctx,
        paths: string[],
        o: CorpusAuditFlags & {
          count: string;
          out: string;
          seed: string;
          manifest?: string;
          maxSimilarity: string;
          auditOut?: string;
        },
      ) => {
        const n = intOption(o.count, "-n", 1);
        const seed = intOption(o.seed, "--seed", 0);
        const maxSimilarity = Number(o.maxSimilarity);
        if (!(maxSimilarity > 0 && maxSimilarity <= 1))
          throw new UserError(`expected a number in (0, 1], got "${o.maxSimilarity}"`, {
            field: "--max-similarity",
          });
        const outFile = resolve(o.out);
        const manifest = resolve(o.manifest ?? manifestPath(outFile));
        const sel = await selectBest(paths, {
          ...auditOptionsFrom(o, "select"),
          n,
          seed,
          maxSimilarity,
          outFile,
          manifestFile: manifest,
          out: o.auditOut ? resolve(o.auditOut) : undefined,
        });
        if (sel.audit.totals.docs === 0) throw noDocuments(sel.audit);
        const m = sel.manifest;
        if (ctx.json) {
          ctx.emit({ out: outFile, manifest, ...m });
          return;
        }
        if (m.n < n)
          warn(
            `only ${fmtInt(m.eligible)} clean documents: selected ${fmtInt(m.n)} of the ${fmtInt(n)} asked`,
          );
        say(
          `selected ${paint("bold", fmtInt(m.n), ctx.color)} of ${fmtInt(m.eligible)} clean documents (${fmtInt(m.total)} read); ${fmtInt(m.rejectedAsSimilar)} skipped as too similar to a better pick`,
        );
        const rows = [
          ["source", "length", "clean", "quota", "picked"].map((h) => paint("bold", h, ctx.color)),
        ];
        for (const s of m.strata.filter((x) => x.picked > 0).slice(0, 20))
          rows.push([s.file, s.length, fmtInt(s.eligible), fmtInt(s.quota), fmtInt(s.picked)]);
        say(table(rows, { align: ["l", "r", "r", "r", "r"], indent: "  " }));
        if (m.picks.length) {
          const scores = m.picks.map((p) => p.score);
          say(`  scores ${Math.min(...scores).toFixed(3)}–${Math.max(...scores).toFixed(3)}`);
        }
        say(`wrote ${outFile} and ${manifest}`);
      },
    ),
  );
}
