/**
 * The Han characters of everyday Chinese, built from the character-set standards that Node's ICU already
 * ships (no download, no word list in the repository): GB 2312 levels 1 and 2 (6,763 simplified characters,
 * rows 0xB0–0xF7) and Big5's frequently used level (5,401 traditional characters, 0xA440–0xC67E). Together they
 * cover nearly all modern text in either script, while text of uniformly random CJK ideographs falls inside
 * them only ~40% of the time, which makes "share of Han characters outside this set" a cheap gibberish and
 * mis-decoding (UTF-8 read as GBK) detector.
 */
let common: Uint8Array | undefined;

export function commonHanTable(): Uint8Array {
  if (common) return common;
  const t = new Uint8Array(65536);
  const buf = new Uint8Array(2);
  const gb = new TextDecoder("gb18030");
  for (let a = 0xb0; a <= 0xf7; a++) {
    for (let b = 0xa1; b <= 0xfe; b++) {
      buf[0] = a;
      buf[1] = b;
      const s = gb.decode(buf);
      if (s.length === 1) t[s.charCodeAt(0)] = 1;
    }
  }
  const big5 = new TextDecoder("big5");
  for (let a = 0xa4; a <= 0xc6; a++) {
    for (let b = 0x40; b <= 0xfe; b++) {
      if (b > 0x7e && b < 0xa1) continue;
      if (a === 0xc6 && b > 0x7e) break;
      buf[0] = a;
      buf[1] = b;
      const s = big5.decode(buf);
      if (s.length === 1 && s !== "\ufffd") t[s.charCodeAt(0)] = 1;
    }
  }
  common = t;
  return t;
}
