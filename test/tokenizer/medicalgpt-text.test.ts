import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  medicalGptTxtDocuments,
  splitLinesKeepEnds,
  universalNewlines,
} from "../../src/tokenizer/medicalgpt-text.js";
import { tmpDir } from "../helpers/tmp.js";

// Expected values are Python's, written out by hand from the documented behaviour of str.splitlines and of
// text-mode reading (universal newlines).
describe("MedicalGPT's view of a .txt file", () => {
  it("splits like Python's splitlines(keepends=True)", () => {
    expect(splitLinesKeepEnds("a\nb")).toEqual(["a\n", "b"]);
    expect(splitLinesKeepEnds("a\n\nb\n")).toEqual(["a\n", "\n", "b\n"]);
    expect(splitLinesKeepEnds("x\u2028y\u0085z\fw\vq\x1cr")).toEqual([
      "x\u2028",
      "y\u0085",
      "z\f",
      "w\v",
      "q\x1c",
      "r",
    ]);
    expect(splitLinesKeepEnds("a\r\nb\rc")).toEqual(["a\r\n", "b\r", "c"]);
    expect(splitLinesKeepEnds("")).toEqual([]);
  });

  it("reads newlines universally first", () => {
    expect(universalNewlines("a\r\nb\rc\n")).toBe("a\nb\nc\n");
  });

  it("yields documents with their line breaks, across chunk boundaries, keeping a BOM", () => {
    const dir = tmpDir();
    const f = join(dir, "a.txt");
    const body = "\ufeff发热3天\r\n\r\nsecond\u2028third\rlast";
    writeFileSync(f, body);
    const expected = ["\ufeff发热3天\n", "\n", "second\u2028", "third\n", "last"];
    expect(Array.from(medicalGptTxtDocuments(f))).toEqual(expected);
    // tiny chunks cut characters, "\r\n" pairs and lines anywhere
    for (const chunk of [1, 2, 3, 5, 7])
      expect(Array.from(medicalGptTxtDocuments(f, chunk))).toEqual(expected);
  });
});
