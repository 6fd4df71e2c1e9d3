import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { specFromTokenizerJson, tokenizerJsonOf } from "../../src/tokenizer/hf-json.js";
import { qwenTokenizer } from "../../src/tokenizer/qwen.js";
import { TokenStatsAccumulator } from "../../src/tokenizer/stats.js";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";

// Ids made by the official Hugging Face tokenizers (Rust) — see make-qwen-fixtures.cjs — not by plateau.
interface Fixture {
  cases: { kind: string; text: string; ids: number[]; decoded: string }[];
  subvocab: { k: number; cases: { text: string; ids: number[] }[] }[];
}
const fx = JSON.parse(
  readFileSync(join(import.meta.dirname, "../fixtures/tokenizer/qwen2-encodings.json"), "utf8"),
) as Fixture;

describe("Qwen2 tokenizer", () => {
  const tok = qwenTokenizer();

  it("has the real vocabulary and the eos/pad of tokenizer_config.json", () => {
    expect(tok.bpeVocabSize).toBe(151643);
    expect(tok.mergeCount).toBe(151387);
    expect(tok.vocabSize).toBe(151669);
    expect(tok.tokenId("<|endoftext|>")).toBe(151643);
    expect(tok.eosId).toBe(151645); // <|im_end|> in Qwen3's tokenizer_config
    expect(tok.padId).toBe(151643);
  });

  it("encodes every fixture text to the ids HF tokenizers gives", () => {
    const wrong: string[] = [];
    for (const c of fx.cases) {
      const ids = Array.from(tok.encode(c.text));
      if (ids.join(",") !== c.ids.join(",")) wrong.push(JSON.stringify(c.text));
    }
    expect(wrong).toEqual([]);
    expect(fx.cases.length).toBeGreaterThan(400);
  });

  it("decodes ids to the text HF gives (lossy only where bytes are not UTF-8)", () => {
    for (const c of fx.cases) expect(tok.decode(c.ids)).toBe(c.decoded);
  });

  it("round-trips NFC text exactly, specials included", () => {
    const s = "<|im_start|>user\n发热3天，体温39.5℃ 😷\u0007 e\u0301<|im_end|><|endoftext|>";
    expect(tok.decode(tok.encode(s))).toBe(s.normalize("NFC"));
    expect(tok.decode(tok.encode(s), { skipSpecial: true })).toBe("user\n发热3天，体温39.5℃ 😷\u0007 é");
  });

  it("treats special-token text as plain text when asked", () => {
    const ids = tok.encode("a<|endoftext|>b", { specials: "none" });
    expect(Array.from(ids)).not.toContain(151643);
    expect(tok.decode(ids)).toBe("a<|endoftext|>b");
  });

  it("handles a long run of letters (heap path) like the short path", () => {
    const long = "ab".repeat(3000);
    expect(tok.decode(tok.encode(long))).toBe(long);
    const c = fx.cases.find((x) => x.text.startsWith("aaaaaaaa"));
    expect(Array.from(tok.encode(c?.text ?? ""))).toEqual(c?.ids);
  });

  for (const k of [256, 300, 1000, 8000, 32000]) {
    it(`sub-vocabulary K=${k} encodes like HF on an independently truncated tokenizer.json, and round-trips`, () => {
      const sub = tok.subVocab(k);
      expect(sub.vocabSize).toBe(k + 26);
      expect(sub.tokenId("<|endoftext|>")).toBe(k);
      const cases = fx.subvocab.find((s) => s.k === k)?.cases ?? [];
      expect(cases.length).toBeGreaterThan(50);
      for (const c of cases) {
        const ids = sub.encode(c.text);
        expect(Array.from(ids)).toEqual(c.ids);
        if (!c.text.includes("\ud83d ")) expect(sub.decode(ids)).toBe(c.text.normalize("NFC"));
      }
    });
  }

  it("writes a sub-vocabulary as tokenizer.json that reads back to the same tokenizer", () => {
    const sub = tok.subVocab(1000);
    const json = JSON.parse(JSON.stringify(tokenizerJsonOf(sub.spec)));
    expect(Object.keys(json.model.vocab)).toHaveLength(1000);
    expect(json.model.merges).toHaveLength(744);
    const back = new Tokenizer(specFromTokenizerJson(json));
    const s = "混合 mixed 文本 text<|im_end|>";
    expect(Array.from(back.encode(s))).toEqual(Array.from(sub.encode(s)));
  });

  it("reports characters per token and byte fallback", () => {
    const sub = tok.subVocab(256);
    const acc = new TokenStatsAccumulator(sub);
    acc.add(sub.encode("中a")); // 中 = 3 bytes → 3 single-byte tokens; a = 1 token
    const st = acc.result();
    expect(st.tokens).toBe(4);
    expect(st.chars).toBe(2);
    expect(st.byteTokens).toBe(3);
    expect(st.byteFallbackRate).toBeCloseTo(0.75, 12);
    expect(st.splitChars).toBe(1);
    expect(st.splitCharRate).toBe(1);
    // against a naive count over the byte stream, on mixed text and a small vocabulary that splits a lot
    const k1 = tok.subVocab(1000);
    const texts = fx.cases.slice(0, 60).map((c) => c.text);
    const acc2 = new TokenStatsAccumulator(k1);
    let chars = 0;
    let wide = 0;
    let split = 0;
    for (const t of texts) {
      const ids = k1.encode(t);
      acc2.add(ids);
      const owner: number[] = [];
      const bytes: number[] = [];
      ids.forEach((id, j) => {
        for (const b of k1.tokenBytes(id)) {
          bytes.push(b);
          owner.push(j);
        }
      });
      for (let i = 0; i < bytes.length; i++) {
        if ((bytes[i] & 0xc0) === 0x80) continue;
        chars++;
        if (bytes[i] < 0x80) continue;
        wide++;
        let e = i + 1;
        while (e < bytes.length && (bytes[e] & 0xc0) === 0x80) e++;
        if (owner[e - 1] !== owner[i]) split++;
      }
    }
    expect(acc2.result()).toMatchObject({ chars, nonAsciiChars: wide, splitChars: split });
    const full = new TokenStatsAccumulator(tok);
    full.add(tok.encode("中国"));
    expect(full.result()).toMatchObject({ chars: 2, byteTokens: 0, splitChars: 0, nonAsciiChars: 2 });
  });
});
