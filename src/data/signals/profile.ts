import { C } from "../text/chars.js";
import { commonHanTable } from "../text/common-han.js";
import { endsTerminal } from "../text/punct.js";
import { type DocSignals, TOK_CJK, TOK_WORD } from "./doc.js";
import { type Mojibake, mojibake } from "./encoding.js";

/** What a document is made of: the script-level profile plateau's own rules and the report use. */
export type Lang = "zh" | "ja" | "ko" | "latin" | "mixed" | "other" | "none";
export const LANGS: readonly Lang[] = ["zh", "latin", "mixed", "ja", "ko", "other", "none"];

export interface Profile {
  chars: number;
  /** Words as DocSignals counts them: CJK characters plus letter/digit runs (no punctuation). */
  words: number;
  lang: Lang;
  /** Shares of all characters. */
  cjkRatio: number;
  latinRatio: number;
  digitRatio: number;
  punctRatio: number;
  symbolRatio: number;
  spaceRatio: number;
  replacement: number;
  control: number;
  /** Han characters and the share of them outside everyday Chinese (GB 2312 + Big5 level 1). */
  han: number;
  rareHanRatio: number;
  /** Latin words of 4+ ASCII letters without a vowel (a, e, i, o, u, y), over such words. */
  vowellessRatio: number;
  latinWords: number;
  mojibakeChars: number;
  mojibake: Mojibake;
  endsTerminal: boolean;
}

export function profile(s: DocSignals): Profile {
  const c = s.classCounts;
  const n = Math.max(1, s.nChars);
  const han = c[C.han];
  const kana = c[C.kana];
  const hangul = c[C.hangul];
  const latin = c[C.latin];
  const other = c[C.otherLetter];
  const letters = han + kana + hangul + latin + other;

  const common = commonHanTable();
  const text = s.text;
  let rareHan = 0;
  let latinWords = 0;
  let vowelless = 0;
  for (let i = 0; i < s.nTok; i++) {
    const kind = s.tokKind[i];
    if (kind === TOK_CJK) {
      const start = s.tokStart[i];
      const ch = text.charCodeAt(start);
      if (s.tokEnd[i] - start === 2) rareHan++;
      else if (ch >= 0x3400 && common[ch] === 0 && !(ch >= 0x3040 && ch <= 0x30ff)) rareHan++;
    } else if (kind === TOK_WORD && s.tokLen[i] >= 4) {
      let ascii = true;
      let vowel = false;
      for (let j = s.tokStart[i]; j < s.tokEnd[i]; j++) {
        const ch = text.charCodeAt(j) | 0x20;
        if (ch < 0x61 || ch > 0x7a) {
          ascii = false;
          break;
        }
        if (ch === 0x61 || ch === 0x65 || ch === 0x69 || ch === 0x6f || ch === 0x75 || ch === 0x79)
          vowel = true;
      }
      if (ascii) {
        latinWords++;
        if (!vowel) vowelless++;
      }
    }
  }

  const moji = mojibake(text, s.latin1Leads);
  return {
    chars: s.nChars,
    words: s.nWords,
    lang: langOf(han, kana, hangul, latin, other, letters),
    cjkRatio: (han + kana + hangul) / n,
    latinRatio: latin / n,
    digitRatio: c[C.digit] / n,
    punctRatio: c[C.punct] / n,
    symbolRatio: c[C.symbol] / n,
    spaceRatio: c[C.space] / n,
    replacement: c[C.replacement],
    control: c[C.control],
    han,
    rareHanRatio: han > 0 ? rareHan / han : 0,
    vowellessRatio: latinWords > 0 ? vowelless / latinWords : 0,
    latinWords,
    mojibakeChars: moji.chars,
    mojibake: moji,
    endsTerminal: endsTerminal(text),
  };
}

function langOf(
  han: number,
  kana: number,
  hangul: number,
  latin: number,
  other: number,
  letters: number,
): Lang {
  if (letters === 0) return "none";
  if (kana >= 0.1 * letters && han + kana >= 0.5 * letters) return "ja";
  if (hangul >= 0.5 * letters) return "ko";
  if (han >= 0.2 * letters && latin >= 0.2 * letters) return "mixed";
  if (han >= 0.5 * letters) return "zh";
  if (latin >= 0.5 * letters) return "latin";
  return other >= 0.5 * letters ? "other" : "mixed";
}
