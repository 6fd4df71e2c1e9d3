/**
 * A growable open-addressing table from 64-bit keys (two 32-bit lanes) to 32-bit values, in typed arrays:
 * 12 bytes a slot (value 0xFFFFFFFF marks an empty slot, so values go up to 2^32 − 2), kept at most 80% full,
 * so 15–30 bytes per key over the doubling cycle. `maxBytes` bounds its memory: once the next growth would
 * pass it, the table stops accepting new keys (lookups still work) and `full` says so.
 */
const EMPTY = 0xffffffff;
const SLOT_BYTES = 12;

export class KeyTable {
  private k1: Int32Array;
  private k2: Int32Array;
  private vals: Uint32Array;
  private mask: number;
  size = 0;
  full = false;

  constructor(
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    capacity = 1 << 16,
  ) {
    while (capacity > 16 && capacity * SLOT_BYTES > maxBytes) capacity >>= 1;
    this.mask = capacity - 1;
    this.k1 = new Int32Array(capacity);
    this.k2 = new Int32Array(capacity);
    this.vals = new Uint32Array(capacity).fill(EMPTY);
  }

  get bytes(): number {
    return (this.mask + 1) * SLOT_BYTES;
  }

  /** The value stored for the key, or -1. */
  get(a: number, b: number): number {
    a |= 0;
    b |= 0;
    const mask = this.mask;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      const v = this.vals[i];
      if (v === EMPTY) return -1;
      if (this.k1[i] === a && this.k2[i] === b) return v;
      i = (i + 1) & mask;
    }
  }

  /** Insert if absent; returns false when the table is full and the key was not inserted. */
  set(a: number, b: number, value: number): boolean {
    a |= 0;
    b |= 0;
    if ((this.size + 1) * 5 > (this.mask + 1) * 4) {
      if ((this.mask + 1) * 2 * SLOT_BYTES > this.maxBytes) {
        this.full = true;
        return false;
      }
      this.rehash((this.mask + 1) * 2);
    }
    const mask = this.mask;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      if (this.vals[i] === EMPTY) {
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
    const { k1, k2, vals } = this;
    this.mask = cap - 1;
    this.k1 = new Int32Array(cap);
    this.k2 = new Int32Array(cap);
    this.vals = new Uint32Array(cap).fill(EMPTY);
    for (let i = 0; i < vals.length; i++) {
      if (vals[i] === EMPTY) continue;
      let j = (k1[i] ^ Math.imul(k2[i], 0x9e3779b1)) & this.mask;
      while (this.vals[j] !== EMPTY) j = (j + 1) & this.mask;
      this.k1[j] = k1[i];
      this.k2[j] = k2[i];
      this.vals[j] = vals[i];
    }
  }
}
