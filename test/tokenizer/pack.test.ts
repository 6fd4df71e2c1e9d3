import { describe, expect, it } from "vitest";
import {
  checkPadPitfalls,
  IGNORE_INDEX,
  MedicalGptPacker,
  packDocuments,
  padDocuments,
} from "../../src/tokenizer/pack.js";

const EOS = 9;

describe("MedicalGPT packing", () => {
  it("appends EOS unless a document ends with it, concatenates per batch and drops each batch's remainder", () => {
    // batch 1: [1,2,E] [3,E] [E] (empty doc) → 1 2 E 3 E E (6 tokens) → blocks of 4: [1,2,E,3], drop [E,E]
    // batch 2: [4,5,6,E] [7] → 4 5 6 E 7 E → [4,5,6,E], drop [7,E]
    const r = packDocuments([[1, 2], [3, EOS], [], [4, 5, 6], [7]], {
      blockSize: 4,
      eosId: EOS,
      batchDocs: 3,
    });
    expect(r.nBlocks).toBe(2);
    expect(Array.from(r.inputIds)).toEqual([1, 2, EOS, 3, 4, 5, 6, EOS]);
    expect(Array.from(r.labels)).toEqual(Array.from(r.inputIds)); // no -100 anywhere, as MedicalGPT
    expect(r.report).toMatchObject({
      docs: 5,
      tokens: 12,
      eosAdded: 4,
      batches: 2,
      droppedTokens: 4,
      shortBlocks: 0,
    });
    expect(r.report.droppedFraction).toBeCloseTo(4 / 12, 12);
  });

  it("keeps one short chunk when a batch has fewer than block_size tokens", () => {
    const p = new MedicalGptPacker({ blockSize: 8, eosId: EOS, batchDocs: 2 });
    expect(p.push([1, 2])).toEqual([]);
    const blocks = p.push([3]); // batch closes: 1 2 E 3 E = 5 < 8 → one chunk of 5
    expect(blocks.map((b) => Array.from(b))).toEqual([[1, 2, EOS, 3, EOS]]);
    expect(p.finish()).toEqual([]);
    expect(p.report.shortBlocks).toBe(1);
    const r = packDocuments([[1, 2], [3]], { blockSize: 8, eosId: EOS, padId: 0, batchDocs: 2 });
    expect(Array.from(r.inputIds)).toEqual([1, 2, EOS, 3, EOS, 0, 0, 0]);
    expect(Array.from(r.labels)).toEqual([1, 2, EOS, 3, EOS, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX]);
  });

  it("defaults to batches of 1000 documents", () => {
    const docs = Array.from({ length: 1500 }, () => [1, 2]); // 3 tokens each with EOS
    const r = packDocuments(docs, { blockSize: 7, eosId: EOS });
    // batch 1: 3000 tokens → 428 blocks, 4 dropped; batch 2: 1500 → 214 blocks, 2 dropped
    expect(r.report.batches).toBe(2);
    expect(r.nBlocks).toBe(428 + 214);
    expect(r.report.droppedTokens).toBe(6);
  });
});

describe("padded mode", () => {
  it("masks padding by position, so a real EOS equal to pad still counts", () => {
    const r = padDocuments(
      [
        [1, 2],
        [3, 4, 5, 6, 7],
      ],
      { blockSize: 4, padId: EOS, eosId: EOS },
    );
    expect(Array.from(r.inputIds)).toEqual([1, 2, EOS, EOS, 3, 4, 5, 6]);
    expect(Array.from(r.labels)).toEqual([1, 2, EOS, IGNORE_INDEX, 3, 4, 5, 6]);
    expect(r.padInLoss).toBe(0);
    expect(r.truncatedDocs).toBe(1);
  });

  it("reproduces MedicalGPT's unmasked padding when asked, and counts it", () => {
    const r = padDocuments([[1], [2, 3]], { blockSize: 4, padId: 0, maskPad: false });
    expect(Array.from(r.labels)).toEqual([1, 0, 0, 0, 2, 3, 0, 0]);
    expect(r.padInLoss).toBe(5);
    expect(r.lossPositions).toBe(8);
  });
});

describe("pad/eos pitfall check", () => {
  it("flags pad in the loss in MedicalGPT's padded setting", () => {
    const f = checkPadPitfalls({
      mode: "padded",
      eosId: 151643,
      padId: 151643,
      maskPad: false,
      collatorMask: "none",
      padFractionOfLoss: 0.625,
    });
    expect(f.map((x) => x.id).sort()).toEqual(["pad_in_loss", "pad_is_eos"]);
    expect(f.find((x) => x.id === "pad_in_loss")?.message).toContain("62.5%");
    expect(f.every((x) => x.severity === "error")).toBe(true);
  });

  it("flags EOS masked away when pad == eos and the collator masks by pad id", () => {
    const f = checkPadPitfalls({ mode: "packed", eosId: 5, padId: 5, maskPad: true, collatorMask: "pad-id" });
    expect(f).toEqual([expect.objectContaining({ id: "eos_masked_as_pad", severity: "error" })]);
  });

  it("is quiet for MedicalGPT's packed setting with Qwen3's eos <|im_end|> and pad <|endoftext|>", () => {
    expect(
      checkPadPitfalls({ mode: "packed", eosId: 151645, padId: 151643, maskPad: true, collatorMask: "none" }),
    ).toEqual([]);
  });
});
