import { describe, expect, it } from "vitest";
import { BYTE_TO_CHAR } from "../../src/tokenizer/bytelevel.js";
import { pretokenizeToStrings } from "../../src/tokenizer/pretokenize.js";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";
import { trainBpe } from "../../src/tokenizer/train.js";

/**
 * A deliberately naive BPE trainer (recount every pair after every merge) as the reference: same rules as HF's
 * BpeTrainer — most frequent pair, ties to the smallest (left id, right id), left-to-right non-overlapping merges.
 */
function naiveMerges(texts: string[], vocabSize: number, minFrequency: number): [string, string][] {
  const order: number[] = [];
  for (let b = 0; b < 256; b++)
    if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)) order.push(b);
  for (let b = 0; b < 256; b++) if (!order.includes(b)) order.push(b);
  const tokens = order.map((b) => BYTE_TO_CHAR[b]);
  const idOf = new Map(tokens.map((t, i) => [t, i]));
  const counts = new Map<string, number>();
  for (const t of texts)
    for (const w of pretokenizeToStrings(t.normalize("NFC"))) counts.set(w, (counts.get(w) ?? 0) + 1);
  let words = [...counts].map(([w, c]) => ({
    sym: Array.from(new TextEncoder().encode(w), (b) => idOf.get(BYTE_TO_CHAR[b]) as number),
    c,
  }));
  const merges: [string, string][] = [];
  while (tokens.length < vocabSize) {
    const pc = new Map<string, number>();
    for (const { sym, c } of words)
      for (let i = 0; i + 1 < sym.length; i++)
        pc.set(`${sym[i]},${sym[i + 1]}`, (pc.get(`${sym[i]},${sym[i + 1]}`) ?? 0) + c);
    let best: [number, number] | null = null;
    let bestC = 0;
    for (const [k, c] of pc) {
      const [a, b] = k.split(",").map(Number);
      if (c > bestC || (c === bestC && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestC = c;
      }
    }
    if (!best || bestC < minFrequency) break;
    const [a, b] = best;
    const s = tokens[a] + tokens[b];
    let id = idOf.get(s);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(s);
      idOf.set(s, id);
    }
    merges.push([tokens[a], tokens[b]]);
    words = words.map(({ sym, c }) => {
      const out: number[] = [];
      for (let i = 0; i < sym.length; i++) {
        if (i + 1 < sym.length && sym[i] === a && sym[i + 1] === b) {
          out.push(id as number);
          i++;
        } else out.push(sym[i]);
      }
      return { sym: out, c };
    });
  }
  return merges;
}

const corpus = [
  "The patient had a fever of 39.5 degrees for three days, and the fever came back at night.",
  "发热3天，体温39.5℃，伴有咳嗽、咽痛。发热时建议多饮水，注意休息。",
  "aaaa aaa aa abab ababab banana bandana",
  "Fever, cough and sore throat are common; the fever usually resolves in three days.",
  "体温升高是发热的主要表现，体温超过37.3℃即为发热。",
  "def fever(t):\n    return t > 37.3\n",
];

describe("BPE training", () => {
  it("learns exactly the merges of a naive reference trainer", () => {
    const spec = trainBpe(corpus, { vocabSize: 420, minFrequency: 2 });
    const ref = naiveMerges(corpus, 420, 2);
    expect(spec.merges.length).toBeGreaterThan(50);
    expect(spec.merges).toEqual(ref);
  });

  it("gives a tokenizer that round-trips any text, with the specials after the BPE vocabulary", () => {
    const spec = trainBpe(corpus, { vocabSize: 400 });
    const tok = new Tokenizer(spec);
    expect(tok.tokenId("<|endoftext|>")).toBe(spec.tokens.length);
    expect(tok.eosId).toBe(spec.tokens.length);
    for (const s of [...corpus, "unseen 文字 😷 \u0000", "x<|endoftext|>y"])
      expect(tok.decode(tok.encode(s))).toBe(s);
    // trained merges compress the training text
    const ids = tok.encode(corpus[1]);
    expect(ids.length).toBeLessThan(0.7 * new TextEncoder().encode(corpus[1]).length);
  });

  it("stops at the minimum frequency", () => {
    const spec = trainBpe(["ab ab cd"], { vocabSize: 1000, minFrequency: 2 });
    // "ab" ×1 and " ab" ×1 as words: pair (a,b) occurs twice; every other pair once
    expect(spec.merges).toEqual([["a", "b"]]);
  });
});
