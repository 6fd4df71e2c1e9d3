import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { type CorpusDoc, type ReadOptions, readCorpus } from "../../src/data/read/corpus.js";
import { detectFormat } from "../../src/data/read/files.js";
import { lz4BlockDecompress } from "../../src/data/read/parquet.js";
import { UserError } from "../../src/util/errors.js";
import { tmpDir } from "../helpers/tmp.js";
import { writeParquet } from "./helpers/parquet-writer.js";

async function readAll(paths: string | string[], opts: ReadOptions = {}) {
  const c = readCorpus(paths, opts);
  const docs: CorpusDoc[] = [];
  for await (const d of c) docs.push(d);
  return { docs, bad: c.bad.summary(), corpus: c };
}

const brief = (docs: CorpusDoc[]) => docs.map((d) => [d.line, d.text]);

describe("corpus readers", () => {
  it("detects formats from extensions, with optional .gz", () => {
    expect(detectFormat("a/b.TXT")).toEqual({ format: "txt", gzip: false });
    expect(detectFormat("x.jsonl.gz")).toEqual({ format: "jsonl", gzip: true });
    expect(detectFormat("x.parquet")).toEqual({ format: "parquet", gzip: false });
    expect(detectFormat("x.ndjson")).toEqual({ format: "jsonl", gzip: false });
    expect(detectFormat("x.md")).toBeUndefined();
  });

  it(".txt: one line = one document; CRLF, BOM, blank lines, last line without newline", async () => {
    const dir = tmpDir();
    const p = join(dir, "a.txt");
    writeFileSync(p, "\uFEFFfirst line\r\n\n  \nsecond 第二行\nthird");
    const { docs, bad } = await readAll(p);
    expect(brief(docs)).toEqual([
      [1, "first line"],
      [4, "second 第二行"],
      [5, "third"],
    ]);
    expect(docs[1].id).toBe(`${p}:4`);
    expect(bad.counts).toEqual({ empty: 2 });
    expect(bad.examples.empty?.map((e) => e.line)).toEqual([2, 3]);
  });

  it("gives the same documents whatever the chunk size (lines cut across chunks)", async () => {
    const dir = tmpDir();
    const p = join(dir, "a.txt");
    const lines = Array.from({ length: 200 }, (_, i) => `行${i} ${"x".repeat(i % 37)} 中文`);
    writeFileSync(p, lines.join("\n"));
    const big = await readAll(p);
    for (const chunkBytes of [3, 7, 64]) {
      const small = await readAll(p, { chunkBytes });
      expect(brief(small.docs)).toEqual(brief(big.docs));
    }
    expect(big.docs).toHaveLength(200);
  });

  it("skips and counts invalid UTF-8 and over-long lines with their line numbers, streaming past them", async () => {
    const dir = tmpDir();
    const p = join(dir, "a.txt");
    const bytes = Buffer.concat([
      Buffer.from("ok one\n"),
      Buffer.from([0x61, 0xff, 0x62, 0x0a]), // a, invalid byte, b
      Buffer.from(`${"y".repeat(100)}\n`),
      Buffer.from("ok two\n"),
      Buffer.from("z".repeat(100)), // over-long last line without newline
    ]);
    writeFileSync(p, bytes);
    for (const chunkBytes of [5, 1 << 20]) {
      const { docs, bad } = await readAll(p, { maxDocBytes: 50, chunkBytes });
      expect(brief(docs)).toEqual([
        [1, "ok one"],
        [4, "ok two"],
      ]);
      expect(bad.counts).toEqual({ invalid_utf8: 1, too_long: 2 });
      expect(bad.examples.invalid_utf8?.[0].line).toBe(2);
      expect(bad.examples.too_long?.map((e) => e.line)).toEqual([3, 5]);
    }
  });

  it("--strict turns the first bad input into a UserError naming file:line", async () => {
    const dir = tmpDir();
    const p = join(dir, "a.jsonl");
    writeFileSync(p, '{"text":"a"}\n{"text":\n');
    const err = await readAll(p, { strict: true }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).oneLine()).toMatch(new RegExp(`^${p}:2: invalid JSON`));
  });

  it(".jsonl: text field (default, custom, dotted), and every kind of bad record", async () => {
    const dir = tmpDir();
    const p = join(dir, "a.jsonl");
    writeFileSync(
      p,
      [
        '{"text": "alpha", "id": 1}',
        "not json",
        '{"content": "no text field"}',
        '{"text": 42}',
        '{"text": "   "}',
        "[1, 2]",
        "",
        '{"text": "多行\\n文本"}',
      ].join("\n"),
    );
    const { docs, bad } = await readAll(p);
    expect(brief(docs)).toEqual([
      [1, "alpha"],
      [8, "多行\n文本"],
    ]);
    expect(bad.counts).toEqual({ invalid_json: 1, missing_field: 1, not_a_string: 2, empty: 2 });
    expect(bad.examples.missing_field?.[0]).toMatchObject({ line: 3 });
    expect(bad.examples.missing_field?.[0].detail).toMatch(/fields: content/);

    const q = join(dir, "b.jsonl");
    writeFileSync(q, '{"meta": {"body": "deep"}, "text": "shallow"}\n{"body": "b"}\n');
    expect(brief((await readAll(q, { field: "meta.body" })).docs)).toEqual([[1, "deep"]]);
    expect(brief((await readAll(q, { field: "body" })).docs)).toEqual([[2, "b"]]);
  });

  it(".json arrays stream element by element, with the line each element starts on", async () => {
    const dir = tmpDir();
    const p = join(dir, "a.json");
    const text = `[
  {"text": "one [with] {brackets} and \\"quotes\\""},
  {"text": "two",
   "extra": {"nested": [1, {"a": "]"}]}},
  "a bare string element",
  17,
  {"other": "x"},
  {"text": "last"}
]
`;
    writeFileSync(p, text);
    for (const chunkBytes of [1, 4, 1 << 20]) {
      const { docs, bad } = await readAll(p, { chunkBytes });
      expect(brief(docs)).toEqual([
        [2, 'one [with] {brackets} and "quotes"'],
        [3, "two"],
        [5, "a bare string element"],
        [8, "last"],
      ]);
      expect(bad.counts).toEqual({ not_a_string: 1, missing_field: 1 });
      expect(bad.examples.not_a_string?.[0].line).toBe(6);
    }
  });

  it(".json: a broken array is reported once as unreadable and stops that file; '{' files read as JSON Lines", async () => {
    const dir = tmpDir();
    const p = join(dir, "broken.json");
    writeFileSync(p, '[{"text": "a"}\n {"text": "b"}]');
    const { docs, bad } = await readAll(p);
    expect(brief(docs)).toEqual([[1, "a"]]);
    expect(bad.counts).toEqual({ unreadable: 1 });
    expect(bad.examples.unreadable?.[0]).toMatchObject({ line: 2 });

    const q = join(dir, "lines.json");
    writeFileSync(q, '{"text": "x"}\n{"text": "y"}\n');
    expect(brief((await readAll(q)).docs)).toEqual([
      [1, "x"],
      [2, "y"],
    ]);

    const r = join(dir, "open.json");
    writeFileSync(r, '[{"text": "a"}, {"text": "b"');
    const open = await readAll(r);
    expect(brief(open.docs)).toEqual([[1, "a"]]);
    expect(open.bad.examples.unreadable?.[0].detail).toMatch(/not closed/);
  });

  it("reads gzip-compressed files of every format, and counts a corrupt gzip as unreadable", async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "a.txt.gz"), gzipSync("l1\nl2\n"));
    writeFileSync(join(dir, "b.jsonl.gz"), gzipSync('{"text":"j1"}\n'));
    writeFileSync(join(dir, "c.json.gz"), gzipSync('[{"text":"a1"}]'));
    writeFileSync(join(dir, "d.parquet.gz"), gzipSync(writeParquet([[{ name: "text", values: ["p1"] }]])));
    const { docs, bad, corpus } = await readAll(dir);
    expect(docs.map((d) => d.text)).toEqual(["l1", "l2", "j1", "a1", "p1"]);
    expect(bad.total).toBe(0);
    expect(corpus.bytesRead).toBe(corpus.totalBytes);

    const good = gzipSync("x1\nx2\n".repeat(1000));
    writeFileSync(join(dir, "e.txt.gz"), good.subarray(0, good.length - 12));
    const cut = await readAll(join(dir, "e.txt.gz"));
    expect(cut.bad.counts.unreadable).toBe(1);
  });

  it("walks folders recursively in name order, skipping hidden and unknown files", async () => {
    const dir = tmpDir();
    mkdirSync(join(dir, "b", "c"), { recursive: true });
    mkdirSync(join(dir, ".hidden"));
    writeFileSync(join(dir, "b", "c", "z.txt"), "z\n");
    writeFileSync(join(dir, "b", "a.txt"), "a\n");
    writeFileSync(join(dir, "a.jsonl"), '{"text":"j"}\n');
    writeFileSync(join(dir, "notes.md"), "# not corpus\n");
    writeFileSync(join(dir, ".hidden", "h.txt"), "h\n");
    const { docs, corpus } = await readAll(dir);
    expect(docs.map((d) => d.text)).toEqual(["j", "a", "z"]);
    expect(corpus.skippedFiles).toEqual([join(dir, "notes.md")]);
    expect(() => readCorpus(join(dir, "notes.md"))).toThrow(/unknown corpus format/);
    expect(() => readCorpus(join(dir, "missing.txt"))).toThrow(UserError);
  });

  it(".parquet: the text column from every row group; nulls, empty values, binary and missing columns", async () => {
    const dir = tmpDir();
    const p = join(dir, "a.parquet");
    writeFileSync(
      p,
      writeParquet(
        [
          [
            { name: "id", values: [1, 2, 3] },
            { name: "text", values: ["hello 世界", null, "second"] },
          ],
          [
            { name: "id", values: [4, 5] },
            { name: "text", values: ["  ", "third"] },
          ],
        ],
        { codec: "GZIP" },
      ),
    );
    const { docs, bad } = await readAll(p);
    expect(brief(docs)).toEqual([
      [1, "hello 世界"],
      [3, "second"],
      [5, "third"],
    ]);
    expect(bad.counts).toEqual({ missing_field: 1, empty: 1 });

    const q = join(dir, "bin.parquet");
    writeFileSync(
      q,
      writeParquet([[{ name: "text", utf8: false, values: [Buffer.from("ok"), Buffer.from([0xc3, 0x28])] }]]),
    );
    const bin = await readAll(q);
    expect(brief(bin.docs)).toEqual([[1, "ok"]]);
    expect(bin.bad.counts).toEqual({ invalid_utf8: 1 });

    const missing = await readAll(q, { field: "content" });
    expect(missing.bad.counts).toEqual({ missing_field: 2 });
    expect(missing.bad.examples.missing_field?.[0].detail).toMatch(/columns: text/);
  });

  it("LZ4 block decompression handles literals and overlapping matches", () => {
    // "abcabcabcabcX": literals "abc", match offset 3 length 9, then last literals "X".
    const block = Uint8Array.from([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x58]);
    expect(Buffer.from(lz4BlockDecompress(block, 13)).toString()).toBe("abcabcabcabcX");
    expect(() => lz4BlockDecompress(block, 14)).toThrow(/corrupt/);
  });
});
