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

  constructor(private readonly tok: Tokenizer) {}

  /** Account one document: its (normalised) text and its ids. Characters are code points. */
  add(ids: ArrayLike<number>): void {
    this.docs++;
    this.tokens += ids.length;
    let charToken = -1; // index of the token in which the current character started
    let charSplit = false;
    for (let t = 0; t < ids.length; t++) {
      const b = this.tok.tokenBytes(ids[t]);
      if (b.length === 1 && b[0] >= 0x80 && this.tok.added(ids[t]) === undefined) this.byteTokens++;
      this.bytes += b.length;
      for (let i = 0; i < b.length; i++) {
        const x = b[i];
        if ((x & 0xc0) !== 0x80) {
          this.chars++;
          if (x >= 0x80) this.nonAscii++;
          charToken = t;
          charSplit = false;
        } else if (t !== charToken && !charSplit) {
          charSplit = true;
          this.split++;
        }
      }
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
