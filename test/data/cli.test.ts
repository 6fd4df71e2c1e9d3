import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tmpDir } from "../helpers/tmp.js";
import { noisyCorpus } from "./helpers/noisy-corpus.js";

function corpus(dir: string, n = 300): string {
  const p = join(dir, "corpus.txt");
  writeFileSync(
    p,
    noisyCorpus({ docs: n, seed: 9 })
      .map((d) => d.text)
      .join("\n"),
  );
  return p;
}

describe("plateau audit", () => {
  it("writes flags.jsonl, summary.json, report.md; --json prints the summary as one document", async () => {
    const dir = tmpDir();
    const c = corpus(dir);
    const out = join(dir, "audit");
    const r = await runCli(["audit", c, "--out", out, "--workers", "0", "--json", "--signals"], {
      NO_COLOR: "1",
    });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.totals.docs).toBe(300);
    expect(doc.outputs.flags).toBe(join(out, "flags.jsonl"));
    for (const f of ["flags.jsonl", "summary.json", "report.md"]) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, "flags.jsonl"), "utf8").trim().split("\n")).toHaveLength(300);
    const signals = readFileSync(join(out, "signals.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(signals).toHaveLength(300);
    expect(Object.keys(signals[0])).toEqual([
      "file",
      "line",
      "lang",
      "chars",
      "words",
      "ppl",
      "bucket",
      "score_parts",
    ]);
    for (const s of signals) expect([null, "head", "middle", "tail"]).toContain(s.bucket);
  });

  it("human output on stderr; --max-noise turns a noisy corpus into exit 1", async () => {
    const dir = tmpDir();
    const c = corpus(dir);
    const r = await runCli(["audit", c, "--out", join(dir, "a"), "--workers", "0", "--max-noise", "0.05"], {
      NO_COLOR: "1",
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/300 documents, \d+ kept/);
    expect(r.stderr).toMatch(/more than --max-noise 5\.0%/);
  });

  it("usage errors exit 2 with one line: unknown preset, bad number, missing path, strict bad input", async () => {
    const dir = tmpDir();
    const c = corpus(dir, 20);
    const bad = await runCli(["audit", c, "--preset", "nope"], { NO_COLOR: "1" });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^error: --preset: unknown preset "nope"/);
    expect((await runCli(["audit", c, "--workers", "-1"])).code).toBe(2);
    const missing = await runCli(["audit", join(dir, "nope.txt")], { NO_COLOR: "1" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.txt: no such file or directory/);
    const j = join(dir, "bad.jsonl");
    writeFileSync(j, '{"text": "ok ok ok ok ok ok ok."}\nnot json\n');
    const strict = await runCli([
      "audit",
      j,
      "--strict",
      "--out",
      join(dir, "s"),
      "--workers",
      "0",
      "--json",
    ]);
    expect(strict.code).toBe(2);
    expect(JSON.parse(strict.stdout).error).toMatchObject({ file: j, line: 2, exit_code: 2 });
  });

  it("a corpus with no usable document is a usage error naming the first bad line", async () => {
    const dir = tmpDir();
    const j = join(dir, "sft.jsonl");
    writeFileSync(j, '{"conversations": [{"from": "human", "value": "hi"}]}\n'.repeat(3));
    const r = await runCli(["audit", j, "--out", join(dir, "a"), "--workers", "0"], { NO_COLOR: "1" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error: ${j}:1: no documents read: all 3 records skipped, e.g. no field "text" (fields: conversations`,
    );
  });

  it("--help lists presets and examples", async () => {
    const r = await runCli(["audit", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ plateau audit/);
    expect(r.stdout).toMatch(/fineweb2-zh/);
  });
});

describe("plateau select", () => {
  it("writes N documents and the manifest; --json summarises", async () => {
    const dir = tmpDir();
    const c = corpus(dir);
    const out = join(dir, "best.jsonl");
    const r = await runCli(["select", c, "-n", "25", "--out", out, "--workers", "0", "--json"], {
      NO_COLOR: "1",
    });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ n: 25, requested: 25 });
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(25);
    expect(JSON.parse(readFileSync(join(dir, "best.manifest.json"), "utf8")).picks).toHaveLength(25);
  });

  it("-n is required and must be a positive integer", async () => {
    const dir = tmpDir();
    const c = corpus(dir, 10);
    expect((await runCli(["select", c, "--out", join(dir, "x.jsonl")])).code).toBe(2);
    expect((await runCli(["select", c, "-n", "0", "--out", join(dir, "x.jsonl")])).code).toBe(2);
  });
});
