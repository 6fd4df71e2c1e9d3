/**
 * Signs of text that went through the wrong decoder.
 *
 * UTF-8 read as Latin-1/cp1252 ("ä¸­æ–‡" for 中文, "cafÃ©"): a lead character U+00C2–U+00F4 followed by the
 * 1–3 continuation characters its byte announces, each of which maps back to a byte 0x80–0xBF, and the bytes
 * forming a valid UTF-8 sequence. Ordinary accented text practically never has that shape.
 * GBK read as Latin-1 ("ÖÐÎÄ" for 中文): runs of 3+ consecutive characters from U+0080–U+00FF.
 * Classic markers: 锟斤拷 (U+FFFD's UTF-8 bytes read as GBK) and 烫烫烫 / 屯屯屯 (uninitialised MSVC memory).
 * `mojibakeChars` counts the characters in all such sequences.
 */

/** cp1252 characters for bytes 0x80–0x9F. */
const CP1252: Record<number, number> = {
  8364: 0x80,
  8218: 0x82,
  402: 0x83,
  8222: 0x84,
  8230: 0x85,
  8224: 0x86,
  8225: 0x87,
  710: 0x88,
  8240: 0x89,
  352: 0x8a,
  8249: 0x8b,
  338: 0x8c,
  381: 0x8e,
  8216: 0x91,
  8217: 0x92,
  8220: 0x93,
  8221: 0x94,
  8226: 0x95,
  8211: 0x96,
  8212: 0x97,
  732: 0x98,
  8482: 0x99,
  353: 0x9a,
  8250: 0x9b,
  339: 0x9c,
  382: 0x9e,
  376: 0x9f,
};

/** The byte a character stands for when cp1252/Latin-1 text is re-encoded, or -1. */
function asByte(c: number): number {
  if (c >= 0x80 && c <= 0xff) return c;
  return CP1252[c] ?? -1;
}

const MARKERS = ["锟斤拷", "烫烫烫", "屯屯屯"];

export interface Mojibake {
  /** Characters in all mojibake sequences found. */
  chars: number;
  /** UTF-8-as-Latin-1 sequences of a 3- or 4-byte character ("â€™", "ä¸­"): never natural text. */
  long: number;
  /** UTF-8-as-Latin-1 sequences of a 2-byte character ("Ã©"): rare but possible in natural text. */
  short: number;
  /** Characters in runs of 3+ Latin-1 letters/symbols (GBK read as Latin-1). */
  gbkRunChars: number;
  /** Characters from U+0080–U+00FF plus cp1252's 0x80–0x9F characters. */
  latin1High: number;
  markers: number;
}

export function mojibake(text: string, latin1Leads: number): Mojibake {
  const out: Mojibake = { chars: 0, long: 0, short: 0, gbkRunChars: 0, latin1High: 0, markers: 0 };
  if (latin1Leads > 0) {
    utf8AsLatin1(text, out);
    gbkAsLatin1(text, out);
  }
  let markerChars = 0;
  for (const m of MARKERS) {
    for (let i = text.indexOf(m); i >= 0; i = text.indexOf(m, i + m.length)) {
      out.markers++;
      markerChars += m.length;
    }
  }
  // The two Latin-1 patterns overlap on UTF-8 mojibake (both see its runs): count the larger.
  out.chars = Math.max(out.chars, out.gbkRunChars) + markerChars;
  return out;
}

/** Characters in mojibake sequences (see mojibake()). */
export function mojibakeChars(text: string, latin1Leads: number): number {
  return mojibake(text, latin1Leads).chars;
}

function utf8AsLatin1(text: string, out: Mojibake): void {
  for (let i = 0; i < text.length; i++) {
    const lead = text.charCodeAt(i);
    if (lead < 0xc2 || lead > 0xf4) continue;
    const k = lead < 0xe0 ? 1 : lead < 0xf0 ? 2 : 3;
    if (i + k >= text.length) continue;
    let ok = true;
    for (let j = 1; j <= k; j++) {
      const b = asByte(text.charCodeAt(i + j));
      if (b < 0x80 || b > 0xbf) {
        ok = false;
        break;
      }
      if (j === 1) {
        // Second-byte ranges that keep the sequence valid UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
        if ((lead === 0xe0 && b < 0xa0) || (lead === 0xed && b > 0x9f)) ok = false;
        if ((lead === 0xf0 && b < 0x90) || (lead === 0xf4 && b > 0x8f)) ok = false;
        if (!ok) break;
      }
    }
    if (ok) {
      out.chars += k + 1;
      if (k === 1) out.short++;
      else out.long++;
      i += k;
    }
  }
}

function gbkAsLatin1(text: string, out: Mojibake): void {
  let run = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    const high = (c >= 0x80 && c <= 0xff && c !== 0xa0) || (c > 0xff && CP1252[c] !== undefined);
    if (high) out.latin1High++;
    if (high && c !== 0xd7 && c !== 0xf7) run++;
    else {
      if (run >= 3) out.gbkRunChars += run;
      run = 0;
    }
  }
}
