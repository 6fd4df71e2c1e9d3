import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tmpDir } from "../helpers/tmp.js";

describe("plateau demo corpus", () => {
  it("writes the corpus and labels and reports them as one JSON document", async () => {
    const dir = join(tmpDir(), "demo");
    const r = await runCli(["demo", "corpus", "--out", dir, "--seed", "3", "--docs", "300", "--json"]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.docs).toBe(300);
    for (const f of ["corpus/corpus.jsonl", "corpus/corpus.txt", "labels.jsonl", "README.md"])
      expect(existsSync(join(dir, f))).toBe(true);
    expect(readFileSync(join(dir, "labels.jsonl"), "utf8").trim().split("\n")).toHaveLength(300);
  });

  it("prints a table on stderr without --json, and has examples in --help", async () => {
    const dir = join(tmpDir(), "demo");
    const r = await runCli(["demo", "corpus", "--out", dir, "--docs", "50"], { NO_COLOR: "1" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("near_duplicate");
    const h = await runCli(["demo", "corpus", "--help"]);
    expect(h.stdout + h.stderr).toContain("Examples:");
  });

  it("rejects a bad --docs with exit 2 and one line naming the option", async () => {
    const dir = join(tmpDir(), "demo");
    const r = await runCli(["demo", "corpus", "--out", dir, "--docs", "5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--docs");
    const r2 = await runCli(["demo", "corpus", "--out", dir, "--docs", "abc"]);
    expect(r2.code).toBe(2);
  });
});
