/**
 * A growable open-addressing table from 64-bit keys (two 32-bit lanes) to 32-bit values, in typed arrays:
 * 12 bytes a slot, kept at most 70% full, so ~17 bytes per key on average over the doubling cycle (12/0.7 at
 * its fullest, 12/0.35 right after growing). `maxBytes` bounds its memory: once the next growth would pass it,
 * the table stops accepting new keys (lookups still work) and `full` says so.
 */
export class KeyTable {
  private k1: Int32Array;
  private k2: Int32Array;
  private vals: Uint32Array;
  private used: Uint8Array;
  private mask: number;
  size = 0;
  full = false;

  constructor(
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    capacity = 1 << 16,
  ) {
    while (capacity > 16 && capacity * 13 > maxBytes) capacity >>= 1;
    this.mask = capacity - 1;
    this.k1 = new Int32Array(capacity);
    this.k2 = new Int32Array(capacity);
    this.vals = new Uint32Array(capacity);
    this.used = new Uint8Array(capacity);
  }

  get bytes(): number {
    return (this.mask + 1) * 13;
  }

  get(a: number, b: number): number {
    a |= 0;
    b |= 0;
    const mask = this.mask;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      if (!this.used[i]) return -1;
      if (this.k1[i] === a && this.k2[i] === b) return this.vals[i];
      i = (i + 1) & mask;
    }
  }

  /** Insert if absent; returns false when the table is full and the key was not inserted. */
  set(a: number, b: number, value: number): boolean {
    a |= 0;
    b |= 0;
    if ((this.size + 1) * 10 > (this.mask + 1) * 7) {
      if ((this.mask + 1) * 2 * 13 > this.maxBytes) {
        this.full = true;
        return false;
      }
      this.rehash((this.mask + 1) * 2);
    }
    const mask = this.mask;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      if (!this.used[i]) {
        this.used[i] = 1;
        this.k1[i] = a;
        this.k2[i] = b;
        this.vals[i] = value;
        this.size++;
        return true;
      }
      if (this.k1[i] === a && this.k2[i] === b) return true;
      i = (i + 1) & mask;
    }
  }

  private rehash(cap: number): void {
    const { k1, k2, vals, used } = this;
    this.mask = cap - 1;
    this.k1 = new Int32Array(cap);
    this.k2 = new Int32Array(cap);
    this.vals = new Uint32Array(cap);
    this.used = new Uint8Array(cap);
    this.size = 0;
    for (let i = 0; i < used.length; i++) {
      if (!used[i]) continue;
      let j = (k1[i] ^ Math.imul(k2[i], 0x9e3779b1)) & this.mask;
      while (this.used[j]) j = (j + 1) & this.mask;
      this.used[j] = 1;
      this.k1[j] = k1[i];
      this.k2[j] = k2[i];
      this.vals[j] = vals[i];
      this.size++;
    }
  }
}
