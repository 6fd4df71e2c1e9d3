import { slot } from "./count-table.js";

/**
 * A frozen open-addressing hash map from keys of two int32 lanes (hi, lo ≥ 0) to float32 values, in typed
 * arrays so a model built in the main thread can be posted to workers as plain buffers. Built once, then only
 * read: get() is integer arithmetic and (almost always) one probe.
 */
export interface NumMapData {
  hi: Int32Array;
  lo: Int32Array;
  vals: Float32Array;
}

/** lo is never negative for a real key (character ids). */
const EMPTY = -1;

export class NumMap {
  private readonly mask: number;
  private readonly hi: Int32Array;
  private readonly lo: Int32Array;
  private readonly vals: Float32Array;

  constructor(readonly data: NumMapData) {
    this.mask = data.lo.length - 1;
    this.hi = data.hi;
    this.lo = data.lo;
    this.vals = data.vals;
  }

  /** Build from `size` entries that `fill` hands to `put`. */
  static build(size: number, fill: (put: (hi: number, lo: number, value: number) => void) => void): NumMap {
    let cap = 16;
    while (cap < size * 2) cap *= 2;
    const hi = new Int32Array(cap);
    const lo = new Int32Array(cap).fill(EMPTY);
    const vals = new Float32Array(cap);
    const mask = cap - 1;
    fill((h, l, v) => {
      h |= 0;
      let i = slot(h, l) & mask;
      while (lo[i] !== EMPTY) i = (i + 1) & mask;
      hi[i] = h;
      lo[i] = l;
      vals[i] = v;
    });
    return new NumMap({ hi, lo, vals });
  }

  get size(): number {
    let n = 0;
    for (const l of this.lo) if (l !== EMPTY) n++;
    return n;
  }

  /** The value for (hi, lo), or `missing`. Lanes are compared as int32. */
  get(hi: number, lo: number, missing: number): number {
    hi |= 0;
    const mask = this.mask;
    let i = slot(hi, lo) & mask;
    for (;;) {
      const l = this.lo[i];
      if (l === lo && this.hi[i] === hi) return this.vals[i];
      if (l === EMPTY) return missing;
      i = (i + 1) & mask;
    }
  }
}
