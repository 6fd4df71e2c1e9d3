/**
 * An open-addressing hash table keyed by two 32-bit lanes, for per-document counting (n-grams, lines) with no
 * allocation per document: clear() is O(1) (a generation stamp marks live slots), and the array only grows.
 * Each key carries a 32-bit value (a count) and an auxiliary 32-bit value (a first-seen index). Slots are
 * interleaved [stamp, k1, k2, value, aux, pad, pad, pad] so a probe touches one cache line.
 */
const STRIDE = 8;

export class ScratchTable {
  private t: Int32Array;
  private gen = 1;
  private mask: number;
  size = 0;
  /** Offset of the last key's slot, so callers can read or update aux without hashing again. */
  slot = -1;

  constructor(capacityPow2 = 1024) {
    this.mask = capacityPow2 - 1;
    this.t = new Int32Array(capacityPow2 * STRIDE);
  }

  /** Empty the table and make sure it can hold `expected` keys at ≤ 50% load. */
  clear(expected = 0): void {
    const need = Math.max(16, expected * 2);
    if (need > this.mask + 1) {
      let cap = this.mask + 1;
      while (cap < need) cap *= 2;
      this.mask = cap - 1;
      this.t = new Int32Array(cap * STRIDE);
      this.gen = 1;
    } else if (++this.gen === 0x7fffffff) {
      this.t.fill(0);
      this.gen = 1;
    }
    this.size = 0;
  }

  /**
   * Insert the key with `value` if absent (returns -1 then) or return its current value. Either way `slot`
   * points at the key afterwards.
   */
  addIfAbsent(a: number, b: number, value: number): number {
    a |= 0; // keys are compared as stored (int32): a uint32 input must be folded the same way
    b |= 0;
    const t = this.t;
    const mask = this.mask;
    const gen = this.gen;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      const o = i * STRIDE;
      if (t[o] !== gen) {
        t[o] = gen;
        t[o + 1] = a;
        t[o + 2] = b;
        t[o + 3] = value;
        t[o + 4] = 0;
        this.size++;
        this.slot = o;
        return -1;
      }
      if (t[o + 1] === a && t[o + 2] === b) {
        this.slot = o;
        return t[o + 3];
      }
      i = (i + 1) & mask;
    }
  }

  /** Add 1 to the key's count (inserting it at 1); returns the new count. */
  increment(a: number, b: number): number {
    const prev = this.addIfAbsent(a, b, 1);
    if (prev < 0) return 1;
    return ++this.t[this.slot + 3];
  }

  getAux(): number {
    return this.t[this.slot + 4];
  }

  setAux(v: number): void {
    this.t[this.slot + 4] = v;
  }
}
