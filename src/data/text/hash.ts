/**
 * 32-bit hashing in plain integer arithmetic (Math.imul), identical on every platform. Text hashes here run in
 * two independent lanes so a pair gives a 64-bit identity: with ~10^4 n-grams per document and ~10^8 documents
 * the chance of a false match stays negligible (birthday bound ~ n²/2^65).
 */

/** MurmurHash3's 32-bit finaliser: full avalanche, so nearby inputs give unrelated outputs. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Lane seeds/multipliers: FNV-1a (lane 1) and a multiply–rotate lane with a different odd constant (lane 2). */
export const H1_INIT = 0x811c9dc5;
export const H2_INIT = 0x2f0b5a4d;

export function step1(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

export function step2(h: number, c: number): number {
  h = Math.imul(h + c, 0x9e3779b1);
  return (h << 13) | (h >>> 19);
}

/** Combine an ordered sequence element into a running hash (used for n-grams of token hashes). */
export function combine(h: number, x: number): number {
  return fmix32(Math.imul(h, 0x01000193) ^ x);
}

/** Both lanes of a string (UTF-16 code units). */
export function hashString2(s: string, start = 0, end = s.length): [number, number] {
  let a = H1_INIT;
  let b = H2_INIT;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    a = step1(a, c);
    b = step2(b, c);
  }
  const n = end - start;
  return [fmix32(a ^ n), fmix32(b + n)];
}

/** A 53-bit number from two 32-bit lanes, usable as an exact Map/Set key. */
export function key53(h1: number, h2: number): number {
  return (h1 >>> 0) * 2097152 + ((h2 >>> 0) & 0x1fffff);
}

let lower: Uint16Array | undefined;

/** BMP lower-case table (a code unit whose lower case is a single code unit maps to it; others to itself). */
export function lowerTable(): Uint16Array {
  if (lower) return lower;
  const t = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      t[c] = c;
      continue;
    }
    const l = String.fromCharCode(c).toLowerCase();
    t[c] = l.length === 1 ? l.charCodeAt(0) : c;
  }
  lower = t;
  return t;
}
