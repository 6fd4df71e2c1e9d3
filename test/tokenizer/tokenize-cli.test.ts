import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/tokenizer/hf-json.js";
import { runCli } from "../helpers/cli.js";
import { tmpDir } from "../helpers/tmp.js";

describe("plateau tokenize", () => {
  const lines = ["发热3天，体温39.5℃。", "The fever came back at night.", "", "短"];
  /** A fresh corpus folder per test (tmpDir removes it after each test). */
  const corpus = () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "a.txt"), `${lines.join("\n")}\n`);
    return dir;
  };

  it("reports tokens, characters per token and MedicalGPT packing for the Qwen tokenizer", async () => {
    const dir = corpus();
    const r = await runCli(["tokenize", dir, "--block-size", "8", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // as MedicalGPT reads .txt: every line is a document and keeps its "\n"; the empty line is "\n"
    expect(j.stats.docs).toBe(4);
    expect(j.eos_id).toBe(151645);
    const chars = lines.reduce((a, l) => a + Array.from(l).length + 1, 0);
    expect(j.stats.chars).toBe(chars);
    expect(j.packing.tokens).toBe(j.stats.tokens + 4); // one EOS per document
    expect(j.packing.blocks).toBe(Math.floor(j.packing.tokens / 8));
    expect(j.pitfalls[1].findings.map((f: { id: string }) => f.id)).toContain("pad_in_loss");
  });

  it("reads lines as plateau's reader does with --plain-lines (no line breaks, no empty documents)", async () => {
    const dir = corpus();
    const r = await runCli(["tokenize", dir, "--plain-lines", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.stats.docs).toBe(3);
    expect(j.stats.chars).toBe(lines.reduce((a, l) => a + Array.from(l).length, 0));
  });

  it("writes a sub-vocabulary tokenizer.json that loads back", async () => {
    const dir = corpus();
    const out = join(dir, "sub.json");
    const r = await runCli(["tokenize", join(dir, "a.txt"), "--vocab", "500", "--save", out, "--json"]);
    expect(r.code).toBe(0);
    const tok = loadTokenizer(out);
    expect(tok.vocabSize).toBe(526);
    expect(tok.decode(tok.encode(lines[0]))).toBe(lines[0]);
    expect(JSON.parse(r.stdout).stats.byteFallbackRate).toBeGreaterThan(0.3);
  });

  it("trains a tokenizer on the corpus when asked", async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "b.txt"), `${"the fever, the fever; 发热发热\n".repeat(20)}`);
    const out = join(dir, "trained.json");
    const r = await runCli(["tokenize", dir, "--train", "300", "--save", out, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, "utf8"));
    expect(j.model.type).toBe("BPE");
    expect(Object.keys(j.model.vocab).length).toBeGreaterThan(256);
  });

  it("exits 2 with the option named on bad input", async () => {
    const dir = corpus();
    const r = await runCli(["tokenize", dir, "--vocab", "100"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--vocab");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"model": {"type": "WordPiece"}}');
    const r2 = await runCli(["tokenize", dir, "--tokenizer", bad]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("model.type");
  });
});
