/**
 * A frozen open-addressing hash map from integer keys below 2^53 to float32 values, in two typed arrays so a
 * model built in the main thread can be posted to workers as plain buffers. Built once from a Map, then only
 * read: get() is one multiply-hash and (almost always) one probe.
 */
export interface NumMapData {
  keys: Float64Array;
  vals: Float32Array;
}

const EMPTY = -1;

export class NumMap {
  private readonly mask: number;
  constructor(readonly data: NumMapData) {
    this.mask = data.keys.length - 1;
  }

  static from(entries: Map<number, number>): NumMap {
    let cap = 16;
    while (cap < entries.size * 2) cap *= 2;
    const keys = new Float64Array(cap).fill(EMPTY);
    const vals = new Float32Array(cap);
    const mask = cap - 1;
    for (const [k, v] of entries) {
      let i = slot(k) & mask;
      while (keys[i] !== EMPTY) i = (i + 1) & mask;
      keys[i] = k;
      vals[i] = v;
    }
    return new NumMap({ keys, vals });
  }

  get size(): number {
    let n = 0;
    for (const k of this.data.keys) if (k !== EMPTY) n++;
    return n;
  }

  /** The value for `key`, or `missing`. */
  get(key: number, missing: number): number {
    const keys = this.data.keys;
    let i = slot(key) & this.mask;
    for (;;) {
      const k = keys[i];
      if (k === key) return this.data.vals[i];
      if (k === EMPTY) return missing;
      i = (i + 1) & this.mask;
    }
  }
}

/** Mix the high and low 32-bit halves of a key below 2^53. */
function slot(k: number): number {
  const lo = k >>> 0;
  const hi = (k / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return h;
}
