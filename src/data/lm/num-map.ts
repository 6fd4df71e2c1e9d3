import { slot } from "./count-table.js";

/**
 * A frozen open-addressing hash map from keys of two int32 lanes (hi, lo ≥ 0) to float32 values, in typed
 * arrays so a model built in the main thread can be posted to workers as plain buffers. Built once, then only
 * read: get() is integer arithmetic and (almost always) one probe.
 *
 * The posted form keeps hi, lo and values in three arrays; lookups read an interleaved copy
 * [lo, hi, value bits, pad] per slot instead, so a probe touches one cache line, not three (the trigram table
 * is megabytes and probed at random once or more per character scored).
 */
export interface NumMapData {
  hi: Int32Array;
  lo: Int32Array;
  vals: Float32Array;
}

/** lo is never negative for a real key (character ids). */
const EMPTY = -1;

const STRIDE = 4;

export class NumMap {
  private readonly mask: number;
  /** [lo, hi, value bits, 0] per slot. */
  private readonly slots: Int32Array;
  /** The same memory as float32, to read values without converting bits. */
  private readonly slotVals: Float32Array;

  constructor(readonly data: NumMapData) {
    const cap = data.lo.length;
    this.mask = cap - 1;
    this.slots = new Int32Array(cap * STRIDE);
    this.slotVals = new Float32Array(this.slots.buffer);
    for (let i = 0; i < cap; i++) {
      this.slots[i * STRIDE] = data.lo[i];
      this.slots[i * STRIDE + 1] = data.hi[i];
      this.slotVals[i * STRIDE + 2] = data.vals[i];
    }
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
    for (const l of this.data.lo) if (l !== EMPTY) n++;
    return n;
  }

  /** The value for (hi, lo), or `missing`. Lanes are compared as int32. */
  get(hi: number, lo: number, missing: number): number {
    hi |= 0;
    const mask = this.mask;
    const slots = this.slots;
    let i = slot(hi, lo) & mask;
    for (;;) {
      const o = i * STRIDE;
      const l = slots[o];
      if (l === lo && slots[o + 1] === hi) return this.slotVals[o + 2];
      if (l === EMPTY) return missing;
      i = (i + 1) & mask;
    }
  }
}
