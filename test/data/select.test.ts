import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allocate } from "../../src/data/select/allocate.js";
import { manifestPath, selectBest } from "../../src/data/select/select.js";
import { TopK } from "../../src/data/select/top-k.js";
import { Rng } from "../../src/util/rng.js";
import { tmpDir } from "../helpers/tmp.js";
import { noisyCorpus } from "./helpers/noisy-corpus.js";

describe("selection helpers", () => {
  it("allocate: largest remainder, capped by group size, one per source first", () => {
    expect(allocate([50, 30, 20], 10, false)).toEqual([5, 3, 2]);
    expect(allocate([1, 1, 1], 2, false)).toEqual([1, 1, 0]); // ties → earlier group
    expect(allocate([100, 1], 10, true)).toEqual([9, 1]);
    expect(allocate([100, 2, 0], 50, false)).toEqual([49, 1, 0]);
    expect(allocate([5, 3], 100, false)).toEqual([5, 3]);
    expect(allocate([10, 30, 20], 2, true)).toEqual([0, 1, 1]); // fewer slots than sources: the largest
    const sizes = [7, 13, 1, 0, 29];
    for (let n = 0; n <= 50; n++)
      expect(allocate(sizes, n, true).reduce((a, b) => a + b, 0)).toBe(Math.min(n, 50));
  });

  it("TopK keeps the k best under the comparator", () => {
    const t = new TopK<number>(5, (a, b) => a - b);
    const r = new Rng(1);
    const xs = Array.from({ length: 1000 }, () => r.int(100000));
    for (const x of xs) t.offer(x);
    expect(t.sorted()).toEqual([...xs].sort((a, b) => b - a).slice(0, 5));
  });
});

describe("selectBest", () => {
  it("picks N unflagged documents, spread over sources, deterministic, with a manifest saying why", async () => {
    const dir = tmpDir();
    const outDir = tmpDir();
    const docs = noisyCorpus({ docs: 900, seed: 5 });
    const files = ["a.txt", "b.txt", "c.jsonl"].map((f) => join(dir, f));
    writeFileSync(
      files[0],
      docs
        .slice(0, 600)
        .map((d) => d.text)
        .join("\n"),
    );
    writeFileSync(
      files[1],
      docs
        .slice(600, 860)
        .map((d) => d.text)
        .join("\n"),
    );
    writeFileSync(
      files[2],
      docs
        .slice(860)
        .map((d) => JSON.stringify({ text: d.text }))
        .join("\n"),
    );
    const outFile = join(outDir, "best.jsonl"); // not inside the corpus folder, which a rerun reads
    const sel = await selectBest([dir], { n: 60, seed: 3, outFile, workers: 0 });
    expect(sel.docs).toHaveLength(60);
    const labelOf = new Map<string, string>();
    const parts: [number, number, string][] = [
      [0, 600, files[0]],
      [600, 860, files[1]],
      [860, 900, files[2]],
    ];
    for (const [a, b, f] of parts)
      for (let i = a; i < b; i++) labelOf.set(`${f}:${i - a + 1}`, docs[i].label);
    // No noise gets in (truncated documents are not hard noise, but they are flagged too).
    for (const d of sel.docs) expect(labelOf.get(d.id), d.id).toBe("clean");
    // Spread: every source is represented, roughly in proportion.
    const perFile = new Map<string, number>();
    for (const d of sel.docs) perFile.set(d.file, (perFile.get(d.file) ?? 0) + 1);
    expect(perFile.size).toBe(3);
    expect(perFile.get(files[0])!).toBeGreaterThan(perFile.get(files[1])!);
    // Best first within the picks of a stratum; ranks 1..N; reasons given.
    expect(sel.docs.map((d) => d.rank)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    for (const d of sel.docs) expect(d.why).toMatch(/^no flags; score /);
    // Files: one {"text"} per line, and the manifest beside it.
    const lines = readFileSync(outFile, "utf8").trim().split("\n");
    expect(lines).toHaveLength(60);
    expect(Object.keys(JSON.parse(lines[0]))).toEqual(["text"]);
    expect(JSON.parse(lines[0]).text).toBe(sel.docs[0].text);
    expect(existsSync(manifestPath(outFile))).toBe(true);
    const manifest = JSON.parse(readFileSync(manifestPath(outFile), "utf8"));
    expect(manifest.picks[0]).toMatchObject({ rank: 1, id: sel.docs[0].id });
    expect(manifest.strata.reduce((a: number, s: { quota: number }) => a + s.quota, 0)).toBe(60);
    // Same seed, same selection; with workers too.
    const again = await selectBest([dir], { n: 60, seed: 3, workers: 2 });
    expect(again.docs.map((d) => d.id)).toEqual(sel.docs.map((d) => d.id));
  }, 60_000);

  it("never returns two near duplicates, and selects everything clean when N is larger", async () => {
    const dir = tmpDir();
    const base =
      "流行性感冒是由流感病毒引起的急性呼吸道传染病，主要通过飞沫传播，冬春季节多见，临床表现为高热、头痛、乏力和全身肌肉酸痛。";
    const texts = [
      base,
      base.replace("高热", "发热"), // near duplicate (flagged by the audit's LSH)
      "细菌性痢疾是由志贺菌属引起的肠道传染病，主要表现为腹痛、腹泻、里急后重和黏液脓血便，夏秋季节多见，经粪口途径传播。",
      "病毒性肝炎是由多种肝炎病毒引起的以肝脏损害为主的全身性传染病，临床上以乏力、食欲减退、肝功能异常为主要表现。",
    ];
    writeFileSync(join(dir, "c.txt"), texts.join("\n"));
    const sel = await selectBest([join(dir, "c.txt")], { n: 10, workers: 0, lm: false });
    expect(sel.docs.map((d) => d.line).sort()).toEqual([1, 3, 4]);
    expect(sel.manifest).toMatchObject({ n: 3, requested: 10, eligible: 3, total: 4 });
  });
});
