import { describe, expect, it } from "vitest";
import { c4Stats } from "../../src/data/signals/c4.js";
import { DocSignals, F_ALPHA, F_SYMBOL, TOK_CJK, TOK_PUNCT, TOK_WORD } from "../../src/data/signals/doc.js";
import { mojibakeChars } from "../../src/data/signals/encoding.js";
import { fineWebStats } from "../../src/data/signals/fineweb.js";
import {
  FINEWEB2_ZH_STOP_WORDS,
  GOPHER_STOP_WORDS,
  gopherQualityStats,
  StopWords,
} from "../../src/data/signals/gopher-quality.js";
import { markupStats } from "../../src/data/signals/markup.js";
import { profile } from "../../src/data/signals/profile.js";
import { RepetitionStats } from "../../src/data/signals/repetition.js";
import { CJK_TERMINAL, FINEWEB_STOP_CHARS } from "../../src/data/text/punct.js";
import { Rng } from "../../src/util/rng.js";
import { refFineWeb, refGopherQuality, refRepetition, refWords } from "./helpers/datatrove-reference.js";

const PIECES = [
  "发热",
  "咳嗽三天。",
  "患者",
  "的",
  " the ",
  " of ",
  "fever",
  " and cough",
  "...",
  "…",
  "！",
  "。",
  ", ",
  "#",
  "--",
  "•",
  "3.5",
  "℃",
  "😷",
  "𠀀",
  "\n",
  "\n\n",
  "\n\n\n",
  " ",
  "  ",
  "ﬁnal",
  "e\u0301",
  "\ufffd",
  "中文文本",
  "repeat me. ",
  "重复的句子。",
];

function randomDoc(r: Rng): string {
  const parts: string[] = [];
  const n = 1 + r.int(60);
  for (let i = 0; i < n; i++) {
    // Re-use earlier parts now and then so lines, paragraphs and n-grams repeat.
    if (parts.length > 3 && r.float() < 0.25)
      parts.push(
        parts
          .slice(r.int(parts.length - 2))
          .slice(0, 3)
          .join(""),
      );
    else parts.push(PIECES[r.int(PIECES.length)]);
  }
  return parts.join("");
}

const close = (a: number, b: number) => (Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) < 1e-12);

describe("DocSignals: one pass over a document", () => {
  it("splits words as documented: CJK characters, letter/digit runs, runs of one punctuation character", () => {
    const s = new DocSignals("患者发热39℃...OK！！ don't 😷 𠀀x");
    const toks = Array.from({ length: s.nTok }, (_, i) => s.tokenText(i));
    expect(toks).toEqual([
      "患",
      "者",
      "发",
      "热",
      "39",
      "℃",
      "...",
      "OK",
      "！！",
      "don",
      "'",
      "t",
      "😷",
      "𠀀",
      "x",
    ]);
    expect(s.tokKind[0]).toBe(TOK_CJK);
    expect(s.tokKind[4]).toBe(TOK_WORD);
    expect(s.tokKind[6]).toBe(TOK_PUNCT);
    expect(s.tokFlags[0] & F_ALPHA).toBeTruthy();
    expect(s.tokFlags[4] & F_ALPHA).toBe(0); // digits only
    expect(s.tokFlags[6] & F_SYMBOL).toBeTruthy(); // "..." is all datatrove punctuation
    expect(s.tokFlags[5] & F_SYMBOL).toBe(0); // ℃ is not in datatrove's PUNCTUATION
    expect(s.tokLen[13]).toBe(1); // an astral CJK character is one code point
    expect(s.nChars).toBe([..."患者发热39℃...OK！！ don't 😷 𠀀x"].length);
    expect(s.nWords).toBe(10); // punctuation and symbol runs (℃, 😷) are not words for dedup
  });

  it("matches an independent regex tokenizer on random mixed text", () => {
    const r = new Rng(5);
    const s = new DocSignals();
    for (let k = 0; k < 300; k++) {
      const text = randomDoc(r);
      s.reset(text);
      const toks = Array.from({ length: s.nTok }, (_, i) => s.tokenText(i));
      expect(toks).toEqual(refWords(text));
    }
  });

  it("normalised hash ignores case, punctuation, spacing and digit values", () => {
    const a = new DocSignals("Fever: 39.5 degrees, then COUGH!");
    const b = new DocSignals("fever 12.0 degrees then cough");
    const c = new DocSignals("fever 12.0 degrees then coughs");
    expect([a.norm1, a.norm2]).toEqual([b.norm1, b.norm2]);
    expect([a.norm1, a.norm2]).not.toEqual([c.norm1, c.norm2]);
  });
});

describe("Gopher repetition (datatrove GopherRepetitionFilter)", () => {
  it("equals a literal transcription of datatrove on random documents", () => {
    const r = new Rng(11);
    const s = new DocSignals();
    for (let k = 0; k < 400; k++) {
      const text = randomDoc(r);
      const fast = new RepetitionStats(s.reset(text));
      const ref = refRepetition(text);
      const ctx = JSON.stringify(text);
      expect(close(fast.dupParaFrac, ref.dupParaFrac), `${ctx} para`).toBe(true);
      expect(close(fast.dupParaCharFrac, ref.dupParaCharFrac), `${ctx} para chars`).toBe(true);
      expect(close(fast.dupLineFrac, ref.dupLineFrac), `${ctx} lines`).toBe(true);
      expect(close(fast.dupLineCharFrac, ref.dupLineCharFrac), `${ctx} line chars`).toBe(true);
      for (let n = 2; n <= 4; n++) {
        expect(close(fast.topNgram(n), ref.top[n - 2]), `${ctx} top ${n}`).toBe(true);
        expect(fast.topNgramCount(n), `${ctx} top count ${n}`).toBe(ref.topCount[n - 2]);
      }
      for (let n = 5; n <= 10; n++)
        expect(close(fast.dupNgram(n), ref.dup[n - 5]), `${ctx} dup ${n}`).toBe(true);
    }
  });

  it("hand-computed: a repeated line and a repeated 2-gram", () => {
    // lines: ["a b", "a b", "c"] → 1 duplicate of 3; its 3 chars over len 9.
    const text = "a b\na b\nc";
    const s = new RepetitionStats(new DocSignals(text));
    expect(s.dupLineFrac).toBeCloseTo(1 / 3, 12);
    expect(s.dupLineCharFrac).toBeCloseTo(3 / 9, 12);
    // words a b a b c: top 2-gram "a b" ×2 → 3 chars × 2 / 9.
    expect(s.topNgram(2)).toBeCloseTo(6 / 9, 12);
    expect(s.topNgramCount(2)).toBe(2);
    // "".join n-grams: "ab" + "c" equals "a" + "bc" — datatrove's find_all_duplicate counts it as a repeat.
    const joined = new RepetitionStats(new DocSignals("ab c d e f a bc d e f"));
    expect(joined.dupNgram(5)).toBeCloseTo(refRepetition("ab c d e f a bc d e f").dup[0], 12);
    expect(joined.dupNgram(5)).toBeGreaterThan(0);
  });
});

describe("Gopher quality and FineWeb quality measurements", () => {
  it("equal literal transcriptions on random documents", () => {
    const r = new Rng(3);
    const s = new DocSignals();
    const en = new StopWords(GOPHER_STOP_WORDS);
    const zh = new StopWords(FINEWEB2_ZH_STOP_WORDS);
    for (let k = 0; k < 300; k++) {
      const text = randomDoc(r);
      s.reset(text);
      for (const [stop, list] of [
        [en, GOPHER_STOP_WORDS],
        [zh, FINEWEB2_ZH_STOP_WORDS],
      ] as const) {
        const fast = gopherQualityStats(s, stop);
        const ref = refGopherQuality(text, [...list]);
        for (const key of Object.keys(ref) as (keyof typeof ref)[])
          expect(close(fast[key], ref[key]), `${JSON.stringify(text)} ${key}`).toBe(true);
      }
      for (const stops of [FINEWEB_STOP_CHARS, CJK_TERMINAL]) {
        const fast = fineWebStats(s, stops);
        const ref = refFineWeb(text, stops);
        for (const key of Object.keys(ref) as (keyof typeof ref)[])
          expect(close(fast[key], ref[key]), `${JSON.stringify(text)} ${key}`).toBe(true);
      }
    }
  });

  it("C4: line filtering, lorem ipsum and curly brackets only on kept lines, sentence count", () => {
    const ok =
      "This is a sentence. And another one here.\nA third line that ends well!\nshort\nNo punctuation at the end";
    const c = c4Stats(new DocSignals(ok));
    expect(c).toEqual({ loremIpsum: false, curlyBracket: false, sentences: 3, keptLines: 2 });
    expect(c4Stats(new DocSignals("We write code {like this} all day.")).curlyBracket).toBe(true);
    // Dropped first (no terminal punctuation), so its bracket does not count.
    expect(c4Stats(new DocSignals("function f() { return 1 }")).curlyBracket).toBe(false);
    expect(c4Stats(new DocSignals("Lorem ipsum dolor sit amet.")).loremIpsum).toBe(true);
    expect(
      c4Stats(new DocSignals("Read our privacy policy today.\nClick to enable JavaScript now.")).keptLines,
    ).toBe(0);
    // FineWeb's use: no terminal-punctuation rule.
    expect(c4Stats(new DocSignals("one two three four"), false).sentences).toBe(1);
  });
});

describe("plateau's own signals", () => {
  it("mojibake: UTF-8 read as Latin-1/cp1252, GBK read as Latin-1, classic markers; not accented prose", () => {
    const utf8AsLatin1 = Buffer.from("中文文本的编码错误", "utf8").toString("latin1");
    const cp1252 = new TextDecoder("windows-1252").decode(Buffer.from("It’s “quoted” — café", "utf8"));
    const gbkAsLatin1 = Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0xb1, 0xe0, 0xc2, 0xeb]).toString("latin1");
    const count = (t: string) => mojibakeChars(t, new DocSignals(t).latin1Leads);
    expect(count(utf8AsLatin1)).toBe(utf8AsLatin1.length);
    expect(count(cp1252)).toBeGreaterThanOrEqual(12);
    expect(count(gbkAsLatin1)).toBe(8);
    expect(count("乱码锟斤拷锟斤拷")).toBe(6);
    expect(count("Café au lait, naïve résumé, Größe, señor.")).toBe(0);
  });

  it("markup: tags, entities, boilerplate phrases", () => {
    const m = markupStats('<div class="x"><p>正文&nbsp;内容</p></div>');
    expect(m.htmlTags).toBe(4);
    expect(m.htmlEntities).toBe(1);
    expect(markupStats("血压<140/90 mmHg & 心率>100").htmlTags).toBe(0);
    const b = markupStats("首页 | 关于我们 | 联系我们 | 版权所有 © 2023");
    expect(b.boilerplatePhrases).toBe(4);
  });

  it("profile: language mix, rare Han characters, vowelless words, sentence endings", () => {
    const zh = profile(new DocSignals("患者发热三天，体温升高。"));
    expect(zh.lang).toBe("zh");
    expect(zh.rareHanRatio).toBe(0);
    expect(zh.endsTerminal).toBe(true);
    expect(profile(new DocSignals("The patient had a fever.")).lang).toBe("latin");
    expect(profile(new DocSignals("患者服用 amoxicillin and ibuprofen 三天")).lang).toBe("mixed");
    expect(profile(new DocSignals("123 456 !!!")).lang).toBe("none");
    // Extension-A and rare ideographs are outside GB 2312 + Big5 level 1.
    expect(profile(new DocSignals("㐀㐁㐂㐃龘龗")).rareHanRatio).toBe(1);
    expect(profile(new DocSignals("xkcd qwrt zzpt bcdf mnbv")).vowellessRatio).toBe(1);
    expect(profile(new DocSignals("他说：“走吧。”")).endsTerminal).toBe(true);
    expect(profile(new DocSignals("然后他们就")).endsTerminal).toBe(false);
  });
});

describe("CJK-aware top n-gram span", () => {
  it('equals datatrove\'s measure without CJK, and drops the spaces " ".join puts between CJK characters', () => {
    const en = new RepetitionStats(new DocSignals("to be or not to be, to be sure"));
    for (let n = 2; n <= 4; n++) expect(en.topNgramSpan(n)).toBe(en.topNgram(n));
    // 传染病 ×2 in 10 characters: the 2-gram 传染 spans 2 characters, " ".join makes it 3.
    const zh = new RepetitionStats(new DocSignals("传染病和传染病学"));
    expect(zh.topNgramCount(2)).toBe(2);
    expect(zh.topNgramSpan(2)).toBeCloseTo((2 * 2) / 8, 12);
    expect(zh.topNgram(2)).toBeCloseTo((3 * 2) / 8, 12);
  });
});
