import { BYTE_TO_CHAR } from "./bytelevel.js";
import { classTable, pretokenEnd } from "./pretokenize.js";
import type { AddedToken, TokenizerSpec } from "./tokenizer.js";

export interface TrainOptions {
  /** Target size of the BPE vocabulary (256 byte tokens + merges), not counting the special tokens. */
  vocabSize: number;
  /** A pair must occur at least this often (weighted by word counts) to be merged; default 2. */
  minFrequency?: number;
  /** Added tokens appended after the BPE vocabulary, in this order; default Qwen's three chat specials. */
  specials?: string[];
  /** Pre-tokenizer digits per piece: 1 = Qwen2 (default), 3 = Llama 3. */
  maxDigits?: 1 | 3;
  eos?: string;
  pad?: string;
}

/**
 * Learns a byte-level BPE on a corpus, the way Hugging Face's BpeTrainer does: pre-tokenize (NFC + the Qwen2
 * pre-tokenizer), count words, start from all 256 byte tokens (so any text encodes), then repeatedly merge the
 * most frequent adjacent pair — ties to the smallest (left id, right id), as HF's Merge ordering does — with
 * incremental pair counts and a lazy max-heap. Byte tokens take ids 0–255 in GPT-2's order and merge r makes
 * id 256 + r (when its string is new), the same layout as Qwen's vocabulary, so subVocab() applies unchanged.
 */
export function trainBpe(texts: Iterable<string>, opts: TrainOptions): TokenizerSpec {
  const counter = new WordCounter(opts.specials ?? DEFAULT_SPECIALS, opts.maxDigits ?? 1);
  for (const t of texts) counter.add(t);
  return trainBpeFromCounts(counter, opts);
}

const DEFAULT_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

/**
 * Pre-token counts of a corpus, fed one document at a time (memory grows with the number of distinct
 * pre-tokens, not with the corpus): the first pass of training.
 */
export class WordCounter {
  readonly counts = new Map<string, number>();
  private readonly t = classTable();
  constructor(
    private readonly specials: string[] = DEFAULT_SPECIALS,
    readonly maxDigits: 1 | 3 = 1,
  ) {}

  add(text: string): void {
    for (const sp of this.specials) if (text.includes(sp)) text = text.split(sp).join(" ");
    const s = text.normalize("NFC");
    const counts = this.counts;
    for (let i = 0; i < s.length; ) {
      const j = pretokenEnd(s, i, s.length, this.t, this.maxDigits);
      const w = s.slice(i, j);
      counts.set(w, (counts.get(w) ?? 0) + 1);
      i = j;
    }
  }
}

/** Train on the counts a WordCounter gathered (see trainBpe). */
export function trainBpeFromCounts(counter: WordCounter, opts: TrainOptions): TokenizerSpec {
  const specials = opts.specials ?? DEFAULT_SPECIALS;
  const maxDigits = counter.maxDigits;
  const minFrequency = opts.minFrequency ?? 2;
  if (!(opts.vocabSize >= 256)) throw new RangeError(`vocabSize must be at least 256, got ${opts.vocabSize}`);
  const wordCount = counter.counts;

  // 2. words as byte-token ids (GPT-2 byte order: printable bytes first, as in GPT-2's and Qwen's vocabularies)
  const byteOrder = gpt2ByteOrder();
  const idOfByte = new Int32Array(256);
  byteOrder.forEach((b, id) => {
    idOfByte[b] = id;
  });
  const tokens: string[] = byteOrder.map((b) => BYTE_TO_CHAR[b]);
  const idOfToken = new Map<string, number>(tokens.map((s, i) => [s, i]));
  const enc = new TextEncoder();
  const words: number[][] = [];
  const counts: number[] = [];
  for (const [w, c] of wordCount) {
    const bytes = enc.encode(w);
    words.push(Array.from(bytes, (b) => idOfByte[b]));
    counts.push(c);
  }

  // 3. pair statistics
  const key = (a: number, b: number) => a * 1048576 + b;
  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const addPair = (a: number, b: number, w: number, c: number) => {
    const k = key(a, b);
    pairCount.set(k, (pairCount.get(k) ?? 0) + c);
    if (c > 0) {
      let s = where.get(k);
      if (!s) where.set(k, (s = new Set()));
      s.add(w);
    }
  };
  words.forEach((sym, w) => {
    for (let i = 0; i + 1 < sym.length; i++) addPair(sym[i], sym[i + 1], w, counts[w]);
  });
  const heap = new PairHeap();
  for (const [k, c] of pairCount) heap.push(c, k);

  // 4. merges
  const merges: [string, string][] = [];
  while (tokens.length < opts.vocabSize && heap.size > 0) {
    const top = heap.pop();
    const current = pairCount.get(top.key) ?? 0;
    if (current !== top.count) {
      if (current > 0) heap.push(current, top.key); // stale: requeue with its true count
      continue;
    }
    if (current < minFrequency) break;
    const a = Math.floor(top.key / 1048576);
    const b = top.key - a * 1048576;
    const merged = tokens[a] + tokens[b];
    let c = idOfToken.get(merged);
    if (c === undefined) {
      c = tokens.length;
      tokens.push(merged);
      idOfToken.set(merged, c);
    }
    merges.push([tokens[a], tokens[b]]);
    const touched = new Set<number>();
    let w = 0;
    let cnt = 0;
    const retract = (x: number, y: number) => {
      addPair(x, y, w, -cnt);
      touched.add(key(x, y));
    };
    const add = (x: number, y: number) => {
      addPair(x, y, w, cnt);
      touched.add(key(x, y));
    };
    for (w of Array.from(where.get(top.key) ?? [])) {
      const sym = words[w];
      const out: number[] = [];
      const fresh: boolean[] = []; // fresh[k]: out[k] was made by this merge
      for (let i = 0; i < sym.length; i++) {
        if (i + 1 < sym.length && sym[i] === a && sym[i + 1] === b) {
          out.push(c);
          fresh.push(true);
          i++; // left to right, non-overlapping, as HF's Word::merge
        } else {
          out.push(sym[i]);
          fresh.push(false);
        }
      }
      if (out.length === sym.length) continue; // a stale entry of `where`
      // Only pairs next to a merge change: retract the old pairs that touch a merged position, add the new
      // pairs that touch a new symbol.
      cnt = counts[w];
      for (let i = 0, o = 0; i < sym.length; i++, o++) {
        if (!fresh[o]) continue;
        if (i > 0 && !(o > 0 && fresh[o - 1])) retract(sym[i - 1], a);
        if (i + 2 < sym.length) retract(b, sym[i + 2]);
        retract(a, b);
        i++;
      }
      for (let k = 0; k < out.length; k++) {
        if (!fresh[k]) continue;
        if (k > 0 && !fresh[k - 1]) add(out[k - 1], c);
        if (k + 1 < out.length) add(c, out[k + 1]);
      }
      words[w] = out;
    }
    pairCount.delete(top.key);
    where.delete(top.key);
    for (const k of touched) {
      const n = pairCount.get(k) ?? 0;
      if (n > 0) heap.push(n, k);
    }
  }

  const added: AddedToken[] = specials.map((content, i) => ({
    id: tokens.length + i,
    content,
    special: true,
  }));
  return {
    tokens,
    merges,
    added,
    normalizer: "NFC",
    maxDigits,
    eos: opts.eos ?? (specials.includes("<|endoftext|>") ? "<|endoftext|>" : undefined),
    pad: opts.pad,
  };
}

/** The byte order of GPT-2's bytes_to_unicode: 0x21–0x7E, 0xA1–0xAC, 0xAE–0xFF, then the other 68 bytes. */
function gpt2ByteOrder(): number[] {
  const first: number[] = [];
  const rest: number[] = [];
  for (let b = 0; b < 256; b++) {
    if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)) first.push(b);
    else rest.push(b);
  }
  return [...first, ...rest];
}

/** Max-heap on (count, then smallest pair key). */
class PairHeap {
  private c: number[] = [];
  private k: number[] = [];
  get size(): number {
    return this.c.length;
  }
  private above(i: number, j: number): boolean {
    return this.c[i] > this.c[j] || (this.c[i] === this.c[j] && this.k[i] < this.k[j]);
  }
  private swap(i: number, j: number): void {
    [this.c[i], this.c[j]] = [this.c[j], this.c[i]];
    [this.k[i], this.k[j]] = [this.k[j], this.k[i]];
  }
  push(count: number, key: number): void {
    this.c.push(count);
    this.k.push(key);
    let i = this.c.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): { count: number; key: number } {
    const top = { count: this.c[0], key: this.k[0] };
    const lc = this.c.pop() as number;
    const lk = this.k.pop() as number;
    if (this.c.length > 0) {
      this.c[0] = lc;
      this.k[0] = lk;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.c.length && this.above(l, m)) m = l;
        if (r < this.c.length && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
