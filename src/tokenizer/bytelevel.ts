/**
 * GPT-2's byte-level alphabet (`bytes_to_unicode` in openai/gpt-2 encoder.py, used by HF's ByteLevel
 * pre-tokenizer and decoder): every byte 0–255 is shown as one printable Unicode character, so a vocabulary of
 * strings can hold arbitrary bytes. Printable Latin-1 bytes map to themselves; the other 68 bytes map, in byte
 * order, to U+0100, U+0101, …
 */

/** BYTE_TO_CHAR[b] = the character that stands for byte b in tokenizer.json vocabularies. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Code point of the standing-in character → byte, or -1 for characters outside the alphabet. */
const CHAR_TO_BYTE = new Int16Array(324).fill(-1);
for (let b = 0; b < 256; b++) CHAR_TO_BYTE[BYTE_TO_CHAR[b].charCodeAt(0)] = b;

function buildByteToChar(): string[] {
  const out: string[] = new Array(256);
  const direct = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(direct(b) ? b : next++);
  return out;
}

/** Bytes of a vocabulary string written in the byte-level alphabet, or null if it has a character outside it. */
export function bytesOfToken(token: string): Uint8Array | null {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    if (b < 0) return null;
    out[i] = b;
  }
  return out;
}

/**
 * Writes the bytes of a byte-level vocabulary string at out[offset] (a string of n characters is n bytes) and
 * returns false if it has a character outside the alphabet.
 */
export function writeTokenBytes(token: string, out: Uint8Array, offset: number): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    if (b < 0) return false;
    out[offset + i] = b;
  }
  return true;
}

/** The vocabulary string of a byte sequence. */
export function tokenOfBytes(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}
