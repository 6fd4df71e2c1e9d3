import { MergeTable, mergeWord } from "./bpe.js";
import { tokenOfBytes, writeTokenBytes } from "./bytelevel.js";
import { classTable, LLAMA3_PATTERN, pretokenEnd, QWEN2_PATTERN } from "./pretokenize.js";
import { subVocabSpec } from "./subvocab.js";

/** An added token (HF `added_tokens`): matched in the raw text before normalisation, never split. */
export interface AddedToken {
  id: number;
  content: string;
  /** HF's `special` flag: dropped by decode({ skipSpecial: true }). */
  special: boolean;
}

/** Everything a byte-level BPE tokenizer is made of; tokenizer.json is one serialisation of it. */
export interface TokenizerSpec {
  /** tokens[id] = the token in GPT-2's byte-level alphabet (undefined for ids that are added tokens). */
  tokens: (string | undefined)[];
  /** merges[r] = [left, right] token strings, in rank order. */
  merges: [string, string][];
  added: AddedToken[];
  normalizer: "NFC" | null;
  /** 1 = Qwen2's pre-tokenizer, 3 = Llama 3's (the only difference is \p{N} vs \p{N}{1,3}). */
  maxDigits: 1 | 3;
  /** What to call it in reports ("qwen2", a file path, "qwen2[:8000]"). */
  name?: string;
  /** Names of the eos / pad / bos tokens (from tokenizer_config.json), if known. */
  eos?: string;
  pad?: string;
  bos?: string;
}

export interface EncodeOptions {
  /** "all" (HF's default): added tokens in the text become their ids; "none": they are encoded as plain text. */
  specials?: "all" | "none";
}

/**
 * Pre-token → ids cache as an open-addressing table keyed by a hash of the pre-token's UTF-16 units, compared
 * in place with startsWith, so a hit allocates nothing (a Map would need a sliced string per lookup). Ids live
 * in one arena. When the table is half full or the arena is full, it is emptied: cheap, and results never
 * depend on it.
 */
class PretokenCache {
  private readonly bits = 18;
  private readonly mask = (1 << this.bits) - 1;
  private keys: (string | undefined)[] = new Array(1 << this.bits);
  private hashes = new Int32Array(1 << this.bits);
  private start = new Int32Array(1 << this.bits);
  private len = new Int32Array(1 << this.bits);
  private arena = new Int32Array(1 << 21);
  private used = 0;
  private count = 0;
  /** After a lookup miss: the slot to fill. */
  private slot = 0;

  /** Where the ids of s[a, b) are in the arena (start, length via lastLen), or -1. */
  lastLen = 0;
  find(s: string, a: number, b: number, h: number): number {
    let i = h & this.mask;
    const n = b - a;
    for (;;) {
      const k = this.keys[i];
      if (k === undefined) {
        this.slot = i;
        return -1;
      }
      if (this.hashes[i] === h && k.length === n && s.startsWith(k, a)) {
        this.lastLen = this.len[i];
        return this.start[i];
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Store ids for the key whose lookup just missed. */
  put(key: string, h: number, ids: Int32Array, n: number): void {
    if (this.count * 2 >= this.keys.length || this.used + n > this.arena.length) {
      this.clear();
      this.find(key, 0, key.length, h); // recompute the slot in the empty table
    }
    const i = this.slot;
    this.keys[i] = key;
    this.hashes[i] = h;
    this.start[i] = this.used;
    this.len[i] = n;
    this.arena.set(ids.subarray(0, n), this.used);
    this.used += n;
    this.count++;
  }

  get ids(): Int32Array {
    return this.arena;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.keys = new Array(1 << this.bits);
    this.used = 0;
    this.count = 0;
  }
}

/**
 * A byte-level BPE tokenizer with Hugging Face semantics: added tokens are split out first (leftmost, longest
 * first), each remaining piece is NFC-normalised, cut by the Qwen2 pre-tokenizer, turned into UTF-8 byte tokens
 * and merged. Ids equal HF tokenizers' on the same tokenizer.json (test/tokenizer checks this on fixtures made
 * by the Rust implementation).
 */
export class Tokenizer {
  readonly spec: TokenizerSpec;
  readonly name: string;
  /** Largest id + 1: the embedding rows a model needs. */
  readonly vocabSize: number;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;
  readonly bosId: number | undefined;
  private readonly ids = new Map<string, number>();
  private readonly byteId = new Int32Array(256);
  private readonly table: MergeTable;
  private readonly bytesFlat: Uint8Array;
  private readonly bytesStart: Int32Array;
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedRe: RegExp | null;
  private readonly addedByContent = new Map<string, number>();
  private readonly cache = new PretokenCache();
  private scratchIds = new Int32Array(1024);
  private out = new Int32Array(4096);

  constructor(spec: TokenizerSpec) {
    this.spec = spec;
    this.name = spec.name ?? "byte-level BPE";
    let size = spec.tokens.length;
    for (const a of spec.added) size = Math.max(size, a.id + 1);
    this.vocabSize = size;

    // token bytes, flat: a byte-level vocabulary string has one character per byte
    const enc = new TextEncoder();
    const addedBytes = new Map<number, Uint8Array>();
    for (const a of spec.added) {
      addedBytes.set(a.id, enc.encode(a.content));
      this.addedById.set(a.id, a);
      this.addedByContent.set(a.content, a.id);
    }
    this.bytesStart = new Int32Array(size + 1);
    let total = 0;
    for (let id = 0; id < size; id++) {
      this.bytesStart[id] = total;
      const ab = addedBytes.get(id);
      total += ab ? ab.length : (spec.tokens[id]?.length ?? 0);
    }
    this.bytesStart[size] = total;
    this.bytesFlat = new Uint8Array(total);
    for (let id = 0; id < size; id++) {
      const ab = addedBytes.get(id);
      const t = spec.tokens[id];
      if (ab) this.bytesFlat.set(ab, this.bytesStart[id]);
      else if (t !== undefined && !writeTokenBytes(t, this.bytesFlat, this.bytesStart[id]))
        throw new Error(`token ${id} ${JSON.stringify(t)} is not in the byte-level alphabet`);
      if (t !== undefined) this.ids.set(t, id);
    }

    // byte tokens
    for (let b = 0; b < 256; b++) {
      const id = this.ids.get(tokenOfBytes(Uint8Array.of(b)));
      if (id === undefined) throw new Error(`the vocabulary has no token for byte 0x${b.toString(16)}`);
      this.byteId[b] = id;
    }

    // merges
    const m = new Int32Array(spec.merges.length * 3);
    spec.merges.forEach(([a, b], r) => {
      const ia = this.ids.get(a);
      const ib = this.ids.get(b);
      const ic = this.ids.get(a + b);
      if (ia === undefined || ib === undefined || ic === undefined)
        throw new Error(
          `merge ${r} (${JSON.stringify(a)} ${JSON.stringify(b)}) uses a token not in the vocabulary`,
        );
      m[3 * r] = ia;
      m[3 * r + 1] = ib;
      m[3 * r + 2] = ic;
    });
    this.table = new MergeTable(m);

    // added tokens: one alternation, longest first, so the regex finds the leftmost-longest match like HF's
    // Aho-Corasick (MatchKind::LeftmostLongest)
    const contents = spec.added.map((a) => a.content).filter((c) => c.length > 0);
    contents.sort((x, y) => y.length - x.length);
    this.addedRe = contents.length
      ? new RegExp(contents.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g")
      : null;

    this.eosId = spec.eos === undefined ? undefined : this.tokenId(spec.eos);
    this.padId = spec.pad === undefined ? undefined : this.tokenId(spec.pad);
    this.bosId = spec.bos === undefined ? undefined : this.tokenId(spec.bos);
  }

  /** Id of a token given as its text (added token content, or a model token's decoded text), if it exists. */
  tokenId(text: string): number | undefined {
    const a = this.addedByContent.get(text);
    if (a !== undefined) return a;
    return this.ids.get(tokenOfBytes(new TextEncoder().encode(text)));
  }

  /** The added token with this id, if any. */
  added(id: number): AddedToken | undefined {
    return this.addedById.get(id);
  }

  /** Number of BPE tokens (bytes + merges), not counting added tokens. */
  get bpeVocabSize(): number {
    return this.ids.size;
  }

  get mergeCount(): number {
    return this.table.size;
  }

  /** The bytes a token stands for (a view: do not modify). */
  tokenBytes(id: number): Uint8Array {
    if (!(id >= 0 && id < this.vocabSize))
      throw new RangeError(`token id ${id} outside [0, ${this.vocabSize})`);
    return this.bytesFlat.subarray(this.bytesStart[id], this.bytesStart[id + 1]);
  }

  /** Id of the single-byte token for byte b. */
  byteToken(b: number): number {
    return this.byteId[b];
  }

  /** Forget the pre-token → ids cache (benchmarks use it to measure a cold start; it never changes results). */
  clearCache(): void {
    this.cache.clear();
  }

  /** Token ids of text. */
  encode(text: string, opts: EncodeOptions = {}): Int32Array {
    let n = 0;
    if (this.addedRe && opts.specials !== "none" && text.length > 0) {
      const re = this.addedRe;
      re.lastIndex = 0;
      let from = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m.index > from) n = this.encodePiece(text.slice(from, m.index), n);
        n = this.push(n, this.addedByContent.get(m[0]) as number);
        from = m.index + m[0].length;
      }
      if (from < text.length) n = this.encodePiece(from === 0 ? text : text.slice(from), n);
    } else if (text.length > 0) {
      n = this.encodePiece(text, n);
    }
    return this.out.slice(0, n);
  }

  /** Text of ids; bytes that do not form valid UTF-8 become U+FFFD, as HF's ByteLevel decoder does. */
  decode(ids: ArrayLike<number>, opts: { skipSpecial?: boolean } = {}): string {
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < this.vocabSize))
        throw new RangeError(`token id ${id} outside [0, ${this.vocabSize})`);
      total += this.bytesStart[id + 1] - this.bytesStart[id];
    }
    const buf = new Uint8Array(total);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (opts.skipSpecial && this.addedById.get(id)?.special) continue;
      const a = this.bytesStart[id];
      const b = this.bytesStart[id + 1];
      buf.set(this.bytesFlat.subarray(a, b), o);
      o += b - a;
    }
    return new TextDecoder("utf-8", { ignoreBOM: true }).decode(buf.subarray(0, o));
  }

  private push(n: number, id: number): number {
    if (n === this.out.length) this.grow(n + 1);
    this.out[n] = id;
    return n + 1;
  }

  private grow(need: number): void {
    let cap = this.out.length * 2;
    while (cap < need) cap *= 2;
    const o = new Int32Array(cap);
    o.set(this.out);
    this.out = o;
  }

  /** Normalise, pre-tokenize and BPE-encode one piece of text without added tokens; appends at out[n]. */
  private encodePiece(raw: string, n: number): number {
    const s = this.spec.normalizer === "NFC" ? raw.normalize("NFC") : raw;
    const t = classTable();
    const maxDigits = this.spec.maxDigits;
    const to = s.length;
    const byteId = this.byteId;
    const cache = this.cache;
    // worst case: every UTF-16 unit becomes 3 byte tokens
    if (this.out.length < n + 3 * to) this.grow(n + 3 * to);
    const out = this.out;
    let i = 0;
    while (i < to) {
      const j = pretokenEnd(s, i, to, t, maxDigits);
      const c = s.charCodeAt(i);
      if (j === i + 1 && c < 0x80) {
        out[n++] = byteId[c];
      } else {
        let h = 0x811c9dc5;
        for (let k = i; k < j; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
        const at = cache.find(s, i, j, h);
        if (at >= 0) {
          const len = cache.lastLen;
          const arena = cache.ids;
          for (let k = 0; k < len; k++) out[n + k] = arena[at + k];
          n += len;
        } else {
          const len = this.bpe(s, i, j);
          const w = this.scratchIds;
          for (let k = 0; k < len; k++) out[n + k] = w[k];
          n += len;
          // long pre-tokens (runs of letters, base64) rarely repeat; keeping them out bounds the cache's memory
          if (j - i <= 256) cache.put(s.slice(i, j), h, w, len);
        }
      }
      i = j;
    }
    return n;
  }

  /** BPE of the UTF-8 bytes of s[a, b), left in scratchIds; returns the number of ids. */
  private bpe(s: string, a: number, b: number): number {
    if (this.scratchIds.length < 3 * (b - a)) this.scratchIds = new Int32Array(3 * (b - a) * 2);
    const w = this.scratchIds;
    const byteId = this.byteId;
    let n = 0;
    for (let i = a; i < b; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        w[n++] = byteId[c];
      } else if (c < 0x800) {
        w[n++] = byteId[0xc0 | (c >> 6)];
        w[n++] = byteId[0x80 | (c & 63)];
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < b ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
            i++;
            w[n++] = byteId[0xf0 | (c >> 18)];
            w[n++] = byteId[0x80 | ((c >> 12) & 63)];
            w[n++] = byteId[0x80 | ((c >> 6) & 63)];
            w[n++] = byteId[0x80 | (c & 63)];
            continue;
          }
          c = 0xfffd; // a lone surrogate is not encodable; UTF-8 encoders write U+FFFD
        }
        w[n++] = byteId[0xe0 | (c >> 12)];
        w[n++] = byteId[0x80 | ((c >> 6) & 63)];
        w[n++] = byteId[0x80 | (c & 63)];
      }
    }
    return mergeWord(this.table, w, n);
  }

  /**
   * The K-token sub-vocabulary (bytes + first K − 256 merges) plus the added tokens at K, K + 1, …; see
   * subvocab.ts. vocabSize of the result is K + the number of added tokens.
   */
  subVocab(k: number): Tokenizer {
    if (!Number.isInteger(k) || k < 256 || k > this.bpeVocabSize)
      throw new RangeError(`sub-vocabulary size must be an integer in [256, ${this.bpeVocabSize}], got ${k}`);
    return new Tokenizer({ ...subVocabSpec(this.spec, k), name: `${this.name}[:${k}]` });
  }

  /** The pattern string of this tokenizer's pre-tokenizer, as tokenizer.json writes it. */
  get pattern(): string {
    return this.spec.maxDigits === 3 ? LLAMA3_PATTERN : QWEN2_PATTERN;
  }
}

export { LLAMA3_PATTERN, QWEN2_PATTERN };
