import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_KINDS, type DemoLabel, writeDemoCorpus } from "../../src/data/demo/index.js";
import { gbkAsCp1252, utf8AsCp1252 } from "../../src/data/demo/noise.js";
import { isPythonLineBreak } from "../../src/tokenizer/medicalgpt-text.js";
import { tmpDir } from "../helpers/tmp.js";

function read(dir: string) {
  const jsonl = readFileSync(join(dir, "corpus/corpus.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l).text as string);
  const txt = readFileSync(join(dir, "corpus/corpus.txt"), "utf8").replace(/\n$/, "").split("\n");
  const labels = readFileSync(join(dir, "labels.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as DemoLabel);
  const text = (file: string, line: number) => (file === "corpus/corpus.jsonl" ? jsonl : txt)[line - 1];
  return { jsonl, txt, labels, text };
}

/**
 * Windows-1252 byte of each character, from the code page's published table (0x80–0x9F below; the rest is
 * Latin-1), to undo mojibake independently of the generator.
 */
const cp1252Byte = new Map<string, number>();
{
  const high = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";
  for (let b = 0; b < 256; b++)
    cp1252Byte.set(b >= 0x80 && b < 0xa0 ? high[b - 0x80] : String.fromCharCode(b), b);
}
function undo(s: string, encoding: string): string {
  return new TextDecoder(encoding).decode(Uint8Array.from(Array.from(s, (c) => cp1252Byte.get(c) ?? 0x3f)));
}

describe("demo corpus generator", () => {
  const dir = tmpDir();
  const s = writeDemoCorpus(dir, { seed: 5, docs: 1500 });
  const c = read(dir);

  it("is deterministic in the seed", () => {
    const d2 = tmpDir();
    writeDemoCorpus(d2, { seed: 5, docs: 1500 });
    for (const f of ["corpus/corpus.jsonl", "corpus/corpus.txt", "labels.jsonl"])
      expect(readFileSync(join(d2, f), "utf8")).toBe(readFileSync(join(dir, f), "utf8"));
    const d3 = tmpDir();
    writeDemoCorpus(d3, { seed: 6, docs: 1500 });
    expect(readFileSync(join(d3, "corpus/corpus.txt"), "utf8")).not.toBe(
      readFileSync(join(dir, "corpus/corpus.txt"), "utf8"),
    );
  });

  it("labels every line of both files, with every kind present and the counts it reports", () => {
    expect(c.jsonl.length + c.txt.length).toBe(1500);
    expect(c.labels).toHaveLength(1500);
    const seen = new Set(c.labels.map((l) => `${l.file}:${l.line}`));
    expect(seen.size).toBe(1500);
    for (const k of DEMO_KINDS) expect(c.labels.filter((l) => l.kind === k).length).toBe(s.byKind[k]);
    for (const k of DEMO_KINDS) expect(s.byKind[k]).toBeGreaterThan(0);
    expect(s.byKind.clean / 1500).toBeCloseTo(0.55, 2);
    for (const l of c.labels) expect(l.hard).toBe(l.kind !== "clean" && l.kind !== "truncated");
    expect(c.labels.some((l) => l.kind === "clean" && l.lang === "zh")).toBe(true);
  });

  it("has one document per line of corpus.txt for Python's splitlines too (what MedicalGPT reads with)", () => {
    for (const line of c.txt)
      for (let k = 0; k < line.length; k++) expect(isPythonLineBreak(line.charCodeAt(k))).toBe(false);
  });

  it("writes clean documents that are clean prose", () => {
    for (const l of c.labels.filter((x) => x.kind === "clean")) {
      const t = c.text(l.file, l.line);
      expect(t.length).toBeGreaterThanOrEqual(60);
      expect(t).not.toMatch(/[\ufffd<>]|\+\+|Ã|â€/);
      for (const ch of t) expect(ch.codePointAt(0) as number).toBeGreaterThanOrEqual(0x20);
      expect(t).toMatch(/[.!?。！？；;"”’)]$/);
    }
  });

  it("has no near duplicates among the clean documents (word / character 5-gram Jaccard ≤ 0.3)", () => {
    const clean = c.labels
      .filter((l) => l.kind === "clean")
      .map((l) => ({ lang: l.lang, text: c.text(l.file, l.line) }));
    const sets = clean.map(({ lang, text }) => {
      const t = text
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, " ")
        .trim();
      const units = lang === "zh" ? Array.from(t.replace(/ /g, "")) : t.split(" ");
      const s = new Set<string>();
      for (let i = 0; i + 5 <= units.length; i++) s.add(units.slice(i, i + 5).join("\u0001"));
      return s;
    });
    const owners = new Map<string, number[]>();
    sets.forEach((s, i) => {
      for (const g of s) owners.set(g, [...(owners.get(g) ?? []), i]);
    });
    const inter = new Map<number, number>();
    for (const list of owners.values())
      for (let a = 0; a < list.length; a++)
        for (let b = a + 1; b < list.length; b++)
          inter.set(list[a] * 100000 + list[b], (inter.get(list[a] * 100000 + list[b]) ?? 0) + 1);
    let worst = 0;
    for (const [k, n] of inter) {
      const a = Math.floor(k / 100000);
      const b = k % 100000;
      worst = Math.max(worst, n / (sets[a].size + sets[b].size - n));
    }
    expect(worst).toBeLessThanOrEqual(0.3);
  });

  it("points duplicates at an earlier copy: identical for exact, close for near", () => {
    const order = (f: string, line: number) => (f === "corpus/corpus.jsonl" ? 0 : 1e6) + line;
    for (const l of c.labels.filter((x) => x.kind.endsWith("duplicate"))) {
      const of = l.duplicate_of;
      expect(of).not.toBeNull();
      if (!of) continue;
      expect(order(of.file, of.line)).toBeLessThan(order(l.file, l.line));
      const a = c.text(of.file, of.line);
      const b = c.text(l.file, l.line);
      if (l.kind === "exact_duplicate") expect(b).toBe(a);
      else {
        expect(b).not.toBe(a);
        // character 5-gram Jaccard of a near duplicate stays high
        const grams = (x: string) =>
          new Set(Array.from({ length: Math.max(0, x.length - 4) }, (_, i) => x.slice(i, i + 5)));
        const ga = grams(a);
        const gb = grams(b);
        let inter = 0;
        for (const g of ga) if (gb.has(g)) inter++;
        expect(inter / (ga.size + gb.size - inter)).toBeGreaterThan(0.8);
      }
    }
  });

  it("puts noise made from a clean document after it, so the clean copy is the first occurrence", () => {
    const order = (f: string, line: number) => (f === "corpus/corpus.jsonl" ? 0 : 1e6) + line;
    const cleanAt = new Map(
      c.labels.filter((l) => l.kind === "clean").map((l) => [l.source, order(l.file, l.line)]),
    );
    let checked = 0;
    for (const l of c.labels) {
      if (l.kind === "clean" || l.source === null || !cleanAt.has(l.source)) continue;
      expect(order(l.file, l.line)).toBeGreaterThan(cleanAt.get(l.source) as number);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("makes mojibake a real decoder would have made (undone by an independent decoder)", () => {
    expect(utf8AsCp1252("\u2019")).toBe("â€™");
    expect(utf8AsCp1252("中文")).toBe("ä¸\u00adæ–‡");
    expect(gbkAsCp1252("中文")).toBe("ÖÐÎÄ");
    const moj = c.labels.filter((x) => x.kind === "mojibake");
    expect(moj.some((l) => l.detail === "gbk-as-cp1252")).toBe(true);
    for (const l of moj) {
      const t = c.text(l.file, l.line);
      const back = undo(t, l.detail === "gbk-as-cp1252" ? "gbk" : "utf-8");
      expect(back).not.toContain("\ufffd");
      expect(back).not.toBe(t); // the wrong decoder really changed something
      if (l.lang === "zh")
        expect((back.match(/[\u4e00-\u9fff]/g) ?? []).length).toBeGreaterThan(back.length / 2);
      expect(t).not.toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it("puts U+FFFD in replacement-character documents and markup in HTML ones", () => {
    for (const l of c.labels.filter((x) => x.kind === "replacement_chars"))
      expect(c.text(l.file, l.line)).toContain("\ufffd");
    for (const l of c.labels.filter((x) => x.kind === "html"))
      expect(c.text(l.file, l.line)).toMatch(/<\/?(p|div|article|span)[ >]/);
  });
});
