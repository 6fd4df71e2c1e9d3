/**
 * The BPE merge step on token ids: given the byte tokens of one pre-token, apply merges lowest rank first,
 * leftmost first among equal ranks — the order Hugging Face's `Word::merge_all` uses (a priority queue on
 * (rank, position)) and what the original GPT-2 `bpe()` loop computes.
 */

const NONE = 0x7fffffff;

/**
 * (left id, right id) → merge rank, as an open-addressing hash table on typed arrays (a JS Map keyed on pairs
 * would allocate a key per lookup). mergedId[rank] is the id the merge produces.
 */
export class MergeTable {
  readonly size: number;
  private readonly mask: number;
  /** Slots of 4 int32s: [left, right, rank, unused]; one probe touches one cache line. left = -1: empty. */
  private readonly slots: Int32Array;
  readonly mergedId: Int32Array;
  private readonly filter: Int32Array;
  /** rank(a, b) for a, b < 256 (the byte tokens in Qwen-style vocabularies): the first lookups of every word. */
  private readonly small: Int32Array;

  /** merges[r] = [left id, right id, merged id] for rank r. */
  constructor(merges: Int32Array) {
    this.size = merges.length / 3;
    let cap = 16;
    while (cap < this.size * 2) cap <<= 1;
    this.mask = cap - 1;
    const slots = new Int32Array(cap * 4).fill(-1);
    this.slots = slots;
    this.mergedId = new Int32Array(this.size);
    for (let r = 0; r < this.size; r++) {
      const a = merges[3 * r];
      const b = merges[3 * r + 1];
      this.mergedId[r] = merges[3 * r + 2];
      let h = hash(a, b) & this.mask;
      while (slots[4 * h] !== -1) {
        if (slots[4 * h] === a && slots[4 * h + 1] === b) break; // a repeated pair keeps its first (lowest) rank
        h = (h + 1) & this.mask;
      }
      if (slots[4 * h] === -1) {
        slots[4 * h] = a;
        slots[4 * h + 1] = b;
        slots[4 * h + 2] = r;
      }
    }
    // a one-hash Bloom filter of the pairs (2^22 bits, 512 KiB; ~3.6% false positives for Qwen): half of all
    // lookups are for pairs that have no merge, and this answers them without touching the 8 MiB table
    const filter = new Int32Array(1 << 17);
    for (let r = 0; r < this.size; r++) {
      const f = hash2(merges[3 * r], merges[3 * r + 1]) & FILTER_MASK;
      filter[f >>> 5] |= 1 << (f & 31);
    }
    this.filter = filter;
    const small = new Int32Array(65536);
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) small[(a << 8) | b] = this.rank(a, b);
    this.small = small;
  }

  /** Rank of merging (a, b), or NONE. */
  rank(a: number, b: number): number {
    if ((a | b) < 256 && this.small !== undefined) return this.small[(a << 8) | b];
    const f = hash2(a, b) & FILTER_MASK;
    if ((this.filter[f >>> 5] & (1 << (f & 31))) === 0) return NONE;
    const slots = this.slots;
    let h = hash(a, b) & this.mask;
    for (;;) {
      const k = slots[4 * h];
      if (k === -1) return NONE;
      if (k === a && slots[4 * h + 1] === b) return slots[4 * h + 2];
      h = (h + 1) & this.mask;
    }
  }
}

const FILTER_MASK = (1 << 22) - 1;

function hash2(a: number, b: number): number {
  const h = Math.imul(b ^ Math.imul(a, 0x85ebca6b), 0xc2b2ae35);
  return h ^ (h >>> 13);
}

function hash(a: number, b: number): number {
  const h = Math.imul(a ^ Math.imul(b, 0x27d4eb2d), 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** Scratch space reused across calls (a pre-token's byte tokens); grows as needed. */
let ranks = new Int32Array(256);

/**
 * Merges ids[0, n) in place and returns the new length. Short pre-tokens (the vast majority) use the quadratic
 * scan over a rank array, which is fastest when n is small; long ones a heap, so a 100 kB run of letters stays
 * O(n log n).
 */
export function mergeWord(table: MergeTable, ids: Int32Array, n: number): number {
  if (n < 2) return n;
  if (n > 256) return mergeWordHeap(table, ids, n);
  if (ranks.length < n) ranks = new Int32Array(n * 2);
  const rk = ranks;
  for (let i = 0; i < n - 1; i++) rk[i] = table.rank(ids[i], ids[i + 1]);
  const merged = table.mergedId;
  for (;;) {
    let best = NONE;
    let at = -1;
    for (let i = 0; i < n - 1; i++) {
      if (rk[i] < best) {
        best = rk[i];
        at = i;
      }
    }
    if (at < 0) return n;
    ids[at] = merged[best];
    // drop ids[at + 1] and the pair rank that started there
    for (let i = at + 1; i < n - 1; i++) {
      ids[i] = ids[i + 1];
      rk[i] = rk[i + 1];
    }
    n--;
    if (at > 0) rk[at - 1] = table.rank(ids[at - 1], ids[at]);
    if (at < n - 1) rk[at] = table.rank(ids[at], ids[at + 1]);
  }
}

/** The same merges with a linked list and a binary heap keyed on rank·2^32 + position (exact in a double). */
function mergeWordHeap(table: MergeTable, ids: Int32Array, n: number): number {
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const heap = new MinHeap(n);
  for (let i = 0; i < n - 1; i++) {
    const r = table.rank(ids[i], ids[i + 1]);
    if (r !== NONE) heap.push(r * 4294967296 + i);
  }
  const merged = table.mergedId;
  while (heap.length > 0) {
    const key = heap.pop();
    const r = Math.floor(key / 4294967296);
    const pos = key - r * 4294967296;
    const nx = next[pos];
    if (ids[pos] < 0 || nx < 0 || table.rank(ids[pos], ids[nx]) !== r) continue; // stale entry
    ids[pos] = merged[r];
    ids[nx] = -1;
    const nn = next[nx];
    next[pos] = nn;
    if (nn >= 0) prev[nn] = pos;
    const pv = prev[pos];
    if (pv >= 0) {
      const r1 = table.rank(ids[pv], ids[pos]);
      if (r1 !== NONE) heap.push(r1 * 4294967296 + pv);
    }
    if (nn >= 0) {
      const r2 = table.rank(ids[pos], ids[nn]);
      if (r2 !== NONE) heap.push(r2 * 4294967296 + pos);
    }
  }
  let m = 0;
  for (let i = 0; i >= 0; i = next[i]) ids[m++] = ids[i];
  return m;
}

class MinHeap {
  private a: Float64Array;
  length = 0;
  constructor(cap: number) {
    this.a = new Float64Array(Math.max(16, cap));
  }
  push(x: number): void {
    if (this.length === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    const a = this.a;
    let i = this.length++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= x) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = x;
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const x = a[--this.length];
    let i = 0;
    const n = this.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && a[c + 1] < a[c]) c++;
      if (a[c] >= x) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = x;
    return top;
  }
}
