/**
 * Growable open-addressing counts keyed by two int32 lanes (lo ≥ 0), for counting n-grams while training the
 * character LM without boxing 48-bit keys into a Map.
 */
const EMPTY = -1;

export class CountTable {
  hi: Int32Array;
  lo: Int32Array;
  count: Float64Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 12) {
    this.mask = capacity - 1;
    this.hi = new Int32Array(capacity);
    this.lo = new Int32Array(capacity).fill(EMPTY);
    this.count = new Float64Array(capacity);
  }

  /** Add `by` to the key's count. */
  add(hi: number, lo: number, by = 1): void {
    hi |= 0;
    if ((this.size + 1) * 10 > (this.mask + 1) * 7) this.rehash((this.mask + 1) * 2);
    const mask = this.mask;
    let i = slot(hi, lo) & mask;
    for (;;) {
      const l = this.lo[i];
      if (l === EMPTY) {
        this.hi[i] = hi;
        this.lo[i] = lo;
        this.count[i] = by;
        this.size++;
        return;
      }
      if (l === lo && this.hi[i] === hi) {
        this.count[i] += by;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  get(hi: number, lo: number): number {
    hi |= 0;
    const mask = this.mask;
    let i = slot(hi, lo) & mask;
    for (;;) {
      const l = this.lo[i];
      if (l === EMPTY) return 0;
      if (l === lo && this.hi[i] === hi) return this.count[i];
      i = (i + 1) & mask;
    }
  }

  /** Call fn for every key (in slot order: deterministic for the same insertions). */
  forEach(fn: (hi: number, lo: number, count: number) => void): void {
    for (let i = 0; i <= this.mask; i++) if (this.lo[i] !== EMPTY) fn(this.hi[i], this.lo[i], this.count[i]);
  }

  private rehash(cap: number): void {
    const { hi, lo, count } = this;
    this.mask = cap - 1;
    this.hi = new Int32Array(cap);
    this.lo = new Int32Array(cap).fill(EMPTY);
    this.count = new Float64Array(cap);
    this.size = 0;
    for (let i = 0; i < lo.length; i++) if (lo[i] !== EMPTY) this.add(hi[i], lo[i], count[i]);
  }
}

export function slot(hi: number, lo: number): number {
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return h;
}
