import type { Tokenizer } from "./tokenizer.js";

/**
 * How well a tokenizer fits a corpus: characters and bytes per token, and byte fallback — in byte-level BPE
 * nothing is unknown, but a character the vocabulary lacks is spelled with raw byte tokens, which costs a
 * small model capacity. byteTokens counts tokens that are a single non-ASCII byte; splitChars counts non-ASCII
 * characters whose UTF-8 bytes were cut across tokens.
 */
export interface TokenStats {
  docs: number;
  chars: number;
  bytes: number;
  tokens: number;
  charsPerToken: number;
  bytesPerToken: number;
  byteTokens: number;
  byteFallbackRate: number;
  nonAsciiChars: number;
  splitChars: number;
  splitCharRate: number;
}

export class TokenStatsAccumulator {
  private docs = 0;
  private chars = 0;
  private bytes = 0;
  private tokens = 0;
  private byteTokens = 0;
  private nonAscii = 0;
  private split = 0;
  /** Per token id: byte length, characters started in it, non-ASCII characters started in it, and flags. */
  private readonly len: Int32Array;
  private readonly leads: Int32Array;
  private readonly wideLeads: Int32Array;
  private readonly flags: Uint8Array;

  constructor(tok: Tokenizer) {
    const v = tok.vocabSize;
    this.len = new Int32Array(v);
    this.leads = new Int32Array(v);
    this.wideLeads = new Int32Array(v);
    this.flags = new Uint8Array(v);
    for (let id = 0; id < v; id++) {
      const b = tok.tokenBytes(id);
      this.len[id] = b.length;
      let f = 0;
      for (let i = 0; i < b.length; i++) {
        if ((b[i] & 0xc0) !== 0x80) {
          this.leads[id]++;
          if (b[i] >= 0x80) this.wideLeads[id]++;
        }
      }
      if (b.length > 0 && (b[0] & 0xc0) === 0x80) f |= CONTINUES;
      if (this.leads[id] > 0) f |= HAS_LEAD;
      if (b.length === 1 && b[0] >= 0x80 && tok.added(id) === undefined) f |= LONE_BYTE;
      this.flags[id] = f;
    }
  }

  /** Account one document's ids. Characters are code points of the decoded text. */
  add(ids: ArrayLike<number>): void {
    this.docs++;
    this.tokens += ids.length;
    let prevHasLead = false;
    for (let t = 0; t < ids.length; t++) {
      const id = ids[t];
      const f = this.flags[id];
      this.bytes += this.len[id];
      this.chars += this.leads[id];
      this.nonAscii += this.wideLeads[id];
      if (f & LONE_BYTE) this.byteTokens++;
      // a token that starts inside a character splits it; count each character once, when the token before
      // holds its lead byte
      if (f & CONTINUES && prevHasLead) this.split++;
      prevHasLead = (f & HAS_LEAD) !== 0 || (prevHasLead && this.len[id] === 0);
    }
  }

  result(): TokenStats {
    const per = (a: number, b: number) => (b > 0 ? a / b : 0);
    return {
      docs: this.docs,
      chars: this.chars,
      bytes: this.bytes,
      tokens: this.tokens,
      charsPerToken: per(this.chars, this.tokens),
      bytesPerToken: per(this.bytes, this.tokens),
      byteTokens: this.byteTokens,
      byteFallbackRate: per(this.byteTokens, this.tokens),
      nonAsciiChars: this.nonAscii,
      splitChars: this.split,
      splitCharRate: per(this.split, this.nonAscii),
    };
  }
}

const CONTINUES = 1;
const HAS_LEAD = 2;
const LONE_BYTE = 4;
