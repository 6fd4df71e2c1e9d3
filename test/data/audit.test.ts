import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditCorpus } from "../../src/data/audit/audit.js";
import { type DemoLabel, writeDemoCorpus } from "../../src/data/demo/generate.js";
import { UserError } from "../../src/util/errors.js";
import { tmpDir } from "../helpers/tmp.js";
import { noisyCorpus } from "./helpers/noisy-corpus.js";

interface FlagLine {
  file: string;
  line: number;
  flags: string[];
  score: number;
  keep: boolean;
  dup_of?: string;
}

const readFlags = (dir: string): FlagLine[] =>
  readFileSync(join(dir, "flags.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("audit: quality against the demo corpus's labels", () => {
  it("flags ≥ 95% of hard noise and ≤ 2% of clean documents", async () => {
    const dir = tmpDir();
    const demo = writeDemoCorpus(dir, { docs: 1000, seed: 3 });
    const out = join(dir, "audit");
    await auditCorpus([demo.files.corpusDir], { out, workers: 0 });
    const flags = new Map(readFlags(out).map((f) => [`${f.file}:${f.line}`, f]));
    const labels: DemoLabel[] = readFileSync(demo.files.labels, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    let hard = 0;
    let hardFlagged = 0;
    let clean = 0;
    let cleanFlagged = 0;
    const missed = new Map<string, number>();
    for (const l of labels) {
      const f = flags.get(`${join(dir, l.file)}:${l.line}`);
      expect(f, `${l.file}:${l.line} has a flags line`).toBeDefined();
      const flagged = !f!.keep;
      if (l.hard) {
        hard++;
        if (flagged) hardFlagged++;
        else missed.set(l.kind, (missed.get(l.kind) ?? 0) + 1);
      }
      if (l.kind === "clean") {
        clean++;
        if (flagged) cleanFlagged++;
      }
    }
    const recall = hardFlagged / hard;
    const falsePositive = cleanFlagged / clean;
    expect(recall, `missed: ${JSON.stringify(Object.fromEntries(missed))}`).toBeGreaterThanOrEqual(0.95);
    expect(falsePositive).toBeLessThanOrEqual(0.02);
  }, 120_000);
});

describe("audit: outputs", () => {
  it("writes one flags.jsonl line per document read, in corpus order, with exactly the documented fields", async () => {
    const dir = tmpDir();
    const corpus = join(dir, "c.txt");
    const docs = [
      "患者发热三天，体温最高三十九度五，伴有咳嗽和咽痛，血常规显示白细胞升高。",
      "",
      "患者发热三天，体温最高三十九度五，伴有咳嗽和咽痛，血常规显示白细胞升高。",
      "好的",
      "The patient had a fever for three days, with a cough and a sore throat, and was treated at home.",
    ];
    writeFileSync(corpus, `${docs.join("\n")}\n`);
    const out = join(dir, "audit");
    const { summary } = await auditCorpus([corpus], { out, workers: 0 });
    const lines = readFlags(out);
    expect(lines.map((l) => l.line)).toEqual([1, 3, 4, 5]); // line 2 is empty: bad input, not a document
    for (const l of lines) {
      const keys = Object.keys(l);
      expect(keys.slice(0, 5)).toEqual(["file", "line", "flags", "score", "keep"]);
      expect(keys.length === 5 || (keys.length === 6 && keys[5] === "dup_of")).toBe(true);
      expect(l.file).toBe(corpus);
      expect(l.score).toBeGreaterThanOrEqual(0);
      expect(l.score).toBeLessThanOrEqual(1);
      expect(l.keep).toBe(l.flags.length === 0);
    }
    expect(lines[0].keep).toBe(true);
    expect(lines[1]).toMatchObject({ flags: ["exact_duplicate"], keep: false, dup_of: `${corpus}:1` });
    expect(lines[2].flags).toContain("too_short");
    expect(summary.totals).toMatchObject({ docs: 4, bad_input: 1 });
    expect(summary.totals.kept + summary.totals.flagged).toBe(4);
    expect(summary.totals.kept).toBe(lines.filter((l) => l.keep).length);
    expect(summary.files).toEqual([expect.objectContaining({ file: corpus, docs: 4 })]);
    expect(summary.bad_input.examples.empty?.[0]).toMatchObject({ file: corpus, line: 2 });
    const onDisk = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(onDisk.totals).toEqual(summary.totals);
    const report = readFileSync(join(out, "report.md"), "utf8");
    for (const h of [
      "# Corpus audit",
      "## Estimated noise by kind",
      "## Duplicates",
      "## Length",
      "## Languages",
      "## Bad input",
    ])
      expect(report).toContain(h);
    expect(report).toContain(`${corpus}:2`);
  });

  it("gives the same flags with worker threads as in-process (deterministic)", async () => {
    const dir = tmpDir();
    const corpus = join(dir, "c.jsonl");
    const docs = noisyCorpus({ docs: 600, seed: 21 });
    writeFileSync(corpus, docs.map((d) => JSON.stringify({ text: d.text })).join("\n"));
    await auditCorpus([corpus], { out: join(dir, "a"), workers: 0, batchDocs: 64 });
    await auditCorpus([corpus], { out: join(dir, "b"), workers: 2, batchDocs: 64 });
    expect(readFileSync(join(dir, "b", "flags.jsonl"), "utf8")).toBe(
      readFileSync(join(dir, "a", "flags.jsonl"), "utf8"),
    );
  }, 60_000);

  it("--strict stops at the first bad input with file:line", async () => {
    const dir = tmpDir();
    const corpus = join(dir, "c.jsonl");
    writeFileSync(corpus, '{"text": "fine document with enough words in it."}\n{"txt": "wrong field"}\n');
    const err = await auditCorpus([corpus], { strict: true, workers: 0, lm: false }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).oneLine()).toMatch(new RegExp(`^${corpus}:2: record without the text field`));
  });

  it("reports near duplicates with the id of the kept document", async () => {
    const dir = tmpDir();
    const corpus = join(dir, "c.txt");
    const base =
      "传染病是指由病原微生物感染人体后产生的有传染性、在一定条件下可造成流行的疾病。感染性疾病是指由病原体感染所致的疾病，包括传染病和非传染性感染性疾病。传染病学是一门研究各种传染病在人体内外发生、发展、传播、诊断、治疗和预防规律的学科。";
    const near = base.replace("流行", "爆发");
    writeFileSync(corpus, `${base}\n${near}\n`);
    const out = join(dir, "audit");
    const { summary } = await auditCorpus([corpus], { out, workers: 0, lm: false });
    const lines = readFlags(out);
    expect(lines[1]).toMatchObject({ flags: ["near_duplicate"], dup_of: `${corpus}:1` });
    expect(summary.duplicates).toMatchObject({ exact: 0, near: 1, clusters: 1 });
    expect(summary.duplicates.largest[0]).toMatchObject({ kept: `${corpus}:1`, size: 2 });
  });
});
