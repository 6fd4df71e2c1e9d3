import type { Command } from "commander";
import { DEMO_KINDS, writeDemoCorpus } from "../../data/demo/index.js";
import { UserError } from "../../util/errors.js";
import { fmtInt, paint, say, table } from "../../util/term.js";
import { action, examples } from "../context.js";

export function register(program: Command): void {
  const demo = program.command("demo").description("write demo inputs to try plateau on");

  examples(
    demo
      .command("corpus")
      .description(
        "write a seeded mixed-quality corpus (corpus.jsonl + corpus.txt) of real clean prose and labelled noise, with labels.jsonl",
      )
      .requiredOption(
        "--out <dir>",
        "folder to write into (created if missing; its corpus files are replaced)",
      )
      .option("--seed <n>", "random seed: the same seed and size give byte-identical files", "1")
      .option("--docs <n>", "number of documents (at least 20)", "2000")
      .action(
        action((ctx, opts: { out: string; seed: string; docs: string }) => {
          const seed = Number(opts.seed);
          const docs = Number(opts.docs);
          if (!Number.isInteger(seed) || seed < 0)
            throw new UserError(`must be a non-negative integer, got ${opts.seed}`, { field: "--seed" });
          if (!Number.isInteger(docs) || docs < 20)
            throw new UserError(`must be an integer of at least 20, got ${opts.docs}`, { field: "--docs" });
          const s = writeDemoCorpus(opts.out, { seed, docs });
          if (ctx.json) {
            ctx.emit(s);
            return;
          }
          say(`Wrote ${fmtInt(s.docs)} documents to ${paint("bold", s.dir, ctx.color)} (seed ${s.seed})`);
          const rows = [["kind", "docs", ""].map((h) => paint("bold", h, ctx.color))];
          for (const k of DEMO_KINDS)
            rows.push([
              k,
              fmtInt(s.byKind[k]),
              k === "clean" ? "" : k === "truncated" ? "soft noise" : "hard noise",
            ]);
          say(table(rows, { align: ["l", "r", "l"] }));
          say(
            `  corpus  ${s.files.corpusDir} (${s.files.corpus.map((f) => f.slice(s.files.corpusDir.length + 1)).join(", ")})`,
          );
          say(`  labels  ${s.files.labels} (one line per document: file, line, kind, noise, hard, …)`);
        }),
      ),
    ["plateau demo corpus --out demo-corpus", "plateau demo corpus --out /tmp/c --seed 7 --docs 5000 --json"],
  );
}
