/**
 * What the trainer needs from a tokenizer: src/tokenizer's byte-level BPE (Qwen's, a sub-vocabulary of it, or
 * any tokenizer.json) has this shape; the byte tokenizer below needs no vocabulary at all.
 */
export interface TextTokenizer {
  readonly name: string;
  /** Embedding rows a model needs for it. */
  readonly vocabSize: number;
  /** End-of-document token appended when packing. */
  readonly eosId: number | undefined;
  encode(text: string): ArrayLike<number>;
  decode(ids: ArrayLike<number>): string;
}

/**
 * UTF-8 bytes as tokens 0–255 and an end-of-text token 256: every string round-trips, no vocabulary at all
 * (for the smallest experiments, where even a sub-vocabulary's embedding would dominate the model).
 * Decoding replaces invalid UTF-8 (a generation cut mid-character) with U+FFFD and drops the eos token.
 */
export class ByteTokenizer implements TextTokenizer {
  readonly name = "bytes";
  readonly vocabSize = 257;
  readonly eosId = 256;
  private readonly enc = new TextEncoder();
  private readonly dec = new TextDecoder("utf-8", { fatal: false });

  encode(text: string): Uint8Array {
    return this.enc.encode(text);
  }

  decode(ids: ArrayLike<number>): string {
    const bytes: number[] = [];
    for (let i = 0; i < ids.length; i++) if (ids[i] >= 0 && ids[i] < 256) bytes.push(ids[i]);
    return this.dec.decode(Uint8Array.from(bytes));
  }
}
