import { execFileSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";
import { Deduper } from "../src/data/dedup/deduper.js";
import { MinHasher } from "../src/data/dedup/minhash.js";
import { cleanDocuments } from "../src/data/demo/generate.js";
import {
  boilerplate,
  htmlResidue,
  randomChars,
  repetition,
  tooShort,
  truncate,
  utf8AsCp1252,
  withReplacementChars,
} from "../src/data/demo/noise.js";
import { readCorpus } from "../src/data/read/corpus.js";
import { DocSignals } from "../src/data/signals/doc.js";
import { Rng } from "../src/util/rng.js";
import { measure, printHeader, row } from "./lib.js";

/**
 * `npm run bench:data`: corpus readers, the audit (all signals + MinHash + char LM) with 1 and 2 worker
 * threads, MinHash alone, and the dedup index's memory — on a generated corpus of ≥ 100 MB of real sentences
 * (the demo corpus's Factbook and UDHR text, recombined so documents are distinct) with 20% demo-style noise.
 * Peer for the readers: a raw newline count over the same bytes (the I/O ceiling); for the audit: the reader.
 */
export async function benchData(): Promise<void> {
  printHeader("data: readers, audit, MinHash, dedup index");
  const dir = mkdtempSync(join(tmpdir(), "plateau-bench-data-"));
  try {
    const mb = Number(process.env.PLATEAU_BENCH_DATA_MB ?? 100);
    const files = await writeCorpus(dir, mb * 1e6);
    const size = (f: string) => statSync(f).size;
    console.log(
      `corpus: ${files.docs.toLocaleString("en-US")} documents, ${(size(files.jsonl) / 1e6).toFixed(1)} MB JSONL (${(size(files.gz) / 1e6).toFixed(1)} MB gzip)\n`,
    );

    console.log(row(["what", "MB/s", "peer (newline scan) MB/s", "ratio", "clean samples"]));
    console.log(row(["---", "---", "---", "---", "---"]));
    const peer = await measure(() => newlineScan(files.jsonl), { n: 3 });
    const peerMBs = size(files.jsonl) / 1e6 / peer.median_s;
    for (const [name, f, bytes] of [
      ["read .txt", files.txt, size(files.txt)],
      ["read .jsonl", files.jsonl, size(files.jsonl)],
      ["read .jsonl.gz (MB of JSONL)", files.gz, size(files.jsonl)],
      ["read .json array", files.json, size(files.json)],
    ] as const) {
      let docs = 0;
      const m = await measure(
        async () => {
          docs = 0;
          for await (const b of readCorpus(f).batches()) docs += b.length;
        },
        { n: 3 },
      );
      if (docs !== files.docs) throw new Error(`${name}: read ${docs} documents, wrote ${files.docs}`);
      const mbs = bytes / 1e6 / m.median_s;
      console.log(
        row([name, mbs.toFixed(1), peerMBs.toFixed(1), (mbs / peerMBs).toFixed(2), `${m.clean}/3`]),
      );
    }

    console.log(
      `\n${row(["audit (signals + MinHash + LM)", "MB/s", "docs/s", "MB per CPU-second", "peak RSS", "reader MB/s ratio"])}`,
    );
    console.log(row(["---", "---", "---", "---", "---", "---"]));
    const readJsonl = await measure(
      async () => {
        for await (const _ of readCorpus(files.jsonl).batches());
      },
      { n: 1, warmup: 0 },
    );
    const readMBs = size(files.jsonl) / 1e6 / readJsonl.median_s;
    for (const workers of [1, 2]) {
      const r = auditInChild(files.jsonl, workers, join(dir, `audit-${workers}`));
      console.log(
        row([
          `${workers} worker${workers > 1 ? "s" : ""}`,
          r.mbPerS.toFixed(2),
          Math.round(r.docsPerS).toLocaleString("en-US"),
          (r.mb / r.cpuS).toFixed(2),
          `${Math.round(r.maxRssMB)} MB`,
          (r.mbPerS / readMBs).toFixed(3),
        ]),
      );
    }

    // MinHash alone (one thread): tokenise + 112 hashes + 14 band keys per document.
    const sample = files.sample;
    const sig = new DocSignals();
    const hasher = new MinHasher();
    const keys = new Int32Array(28);
    const mh = await measure(() => {
      for (const t of sample) if (hasher.signDoc(sig.reset(t))) hasher.bandKeys(keys);
    });
    const sampleMB = sample.reduce((a, t) => a + Buffer.byteLength(t), 0) / 1e6;
    console.log(
      `\nMinHash (14 × 8, 5-gram shingles, one thread): ${Math.round(sample.length / mh.median_s).toLocaleString("en-US")} docs/s, ${(sampleMB / mh.median_s).toFixed(1)} MB/s on ${sample.length.toLocaleString("en-US")} documents (clean samples ${mh.clean}/5)`,
    );

    // The dedup index for one million distinct documents.
    const dd = new Deduper(14);
    const r = new Rng(1);
    const bands = new Int32Array(28);
    for (let i = 0; i < 1_000_000; i++) {
      for (let k = 0; k < 28; k++) bands[k] = r.nextU32() | 0;
      dd.check(i, [r.nextU32() | 0, r.nextU32() | 0], bands);
    }
    console.log(
      `dedup index after 1,000,000 distinct documents: ${(dd.bytes / 1e6).toFixed(0)} MB (${(dd.bytes / 1e6).toFixed(0)} bytes per document; ${dd.indexedKeys.toLocaleString("en-US")} keys)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Files {
  txt: string;
  jsonl: string;
  gz: string;
  json: string;
  docs: number;
  /** ~20k documents kept in memory for the MinHash figure. */
  sample: string[];
}

/** Real sentences recombined into distinct documents, with 20% noise of the demo corpus's kinds. */
async function writeCorpus(dir: string, targetBytes: number): Promise<Files> {
  const pool = cleanDocuments();
  const zh = pool.filter((d) => d.lang === "zh").flatMap((d) => d.sentences);
  const en = pool.filter((d) => d.lang === "en").flatMap((d) => d.sentences);
  const r = new Rng(7);
  const pick = <T>(a: T[]) => a[r.int(a.length)];
  const f = {
    txt: join(dir, "corpus.txt"),
    jsonl: join(dir, "corpus.jsonl"),
    gz: join(dir, "corpus.jsonl.gz"),
    json: join(dir, "corpus.json"),
  };
  const txt = createWriteStream(f.txt);
  const jsonl = createWriteStream(f.jsonl);
  const json = createWriteStream(f.json);
  json.write("[\n");
  let bytes = 0;
  let docs = 0;
  const sample: string[] = [];
  const recent: string[] = [];
  while (bytes < targetBytes) {
    const lang = r.float() < 0.5 ? "zh" : "en";
    const src = lang === "zh" ? zh : en;
    const sentences = Array.from({ length: 2 + r.int(5) }, () => pick(src));
    let text = sentences.join(lang === "zh" ? "" : " ");
    const u = r.float();
    if (u < 0.03 && recent.length) text = pick(recent);
    else if (u < 0.05) text = utf8AsCp1252(text);
    else if (u < 0.07) text = withReplacementChars(r, text);
    else if (u < 0.09) text = boilerplate(r, lang, " ");
    else if (u < 0.11) text = htmlResidue(r, sentences);
    else if (u < 0.13) text = repetition(r, lang, sentences[0]);
    else if (u < 0.15) text = randomChars(r);
    else if (u < 0.17) text = tooShort(r);
    else if (u < 0.2) text = truncate(r, text);
    if (recent.length < 1000) recent.push(text);
    else recent[r.int(1000)] = text;
    const line = `${JSON.stringify({ text })}\n`;
    const a = jsonl.write(line);
    const b = txt.write(`${text.replace(/[\r\n]+/g, " ")}\n`);
    const c = json.write(`${docs ? ",\n" : ""}${JSON.stringify({ text })}`);
    if (!(a && b && c)) await Promise.all([jsonl, txt, json].map((s) => drained(s)));
    bytes += Buffer.byteLength(line);
    if (sample.length < 20_000) sample.push(text);
    docs++;
  }
  json.write("\n]\n");
  await Promise.all([txt, jsonl, json].map((s) => new Promise<void>((res) => s.end(() => res()))));
  await pipeline(createReadStream(f.jsonl), createGzip(), createWriteStream(f.gz));
  return { ...f, docs, sample };
}

function drained(s: NodeJS.WritableStream & { writableNeedDrain?: boolean }): Promise<void> {
  return s.writableNeedDrain ? new Promise<void>((res) => s.once("drain", () => res())) : Promise.resolve();
}

async function newlineScan(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}

/** One audit in a fresh process, so its time and peak memory are its own. */
function auditInChild(
  file: string,
  workers: number,
  out: string,
): { mbPerS: number; docsPerS: number; maxRssMB: number; mb: number; cpuS: number } {
  const auditModule = new URL("../src/data/audit/audit.js", import.meta.url).href;
  const script = join(out, "..", `run-${workers}.mjs`);
  writeFileSync(
    script,
    `const { auditCorpus } = await import(${JSON.stringify(auditModule)});
const { summary } = await auditCorpus([${JSON.stringify(file)}], { workers: ${workers}, out: ${JSON.stringify(out)} });
const u = process.resourceUsage();
process.stdout.write(JSON.stringify({ mbPerS: summary.timing.mb_per_s, docsPerS: summary.timing.docs_per_s, maxRssMB: u.maxRSS / 1024, mb: summary.totals.bytes / 1e6, cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
`,
  );
  return JSON.parse(execFileSync(process.execPath, [script], { encoding: "utf8", maxBuffer: 1 << 20 }));
}

if (import.meta.url === `file://${process.argv[1]}` || fileURLToPath(import.meta.url) === process.argv[1])
  await benchData();
