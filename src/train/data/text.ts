import { readCorpus } from "../../data/read/corpus.js";
import { packDocuments, type TokenBlocks } from "./blocks.js";
import type { TextTokenizer } from "./tokenizer.js";

export interface TokenizedCorpus {
  blocks: TokenBlocks;
  documents: number;
  tokens: number;
  /** Bad input skipped by the reader (counted by kind). */
  skipped: number;
}

/**
 * Read a text corpus (files or folders: .txt one document per line, .jsonl/.json with a text field, .parquet,
 * gzip), tokenize every document, append eos, and pack into blocks of seqLen (MedicalGPT's group_texts: the
 * remainder shorter than a block is dropped).
 */
export async function tokenizeCorpus(
  paths: string[],
  tokenizer: TextTokenizer,
  seqLen: number,
  opts: { field?: string; onProgress?: (bytesRead: number, totalBytes: number) => void } = {},
): Promise<TokenizedCorpus> {
  const corpus = readCorpus(paths, { field: opts.field });
  const docs: ArrayLike<number>[] = [];
  let tokens = 0;
  for await (const batch of corpus.batches()) {
    for (const d of batch) {
      const ids = tokenizer.encode(d.text);
      docs.push(ids);
      tokens += ids.length + (tokenizer.eosId !== null ? 1 : 0);
    }
    opts.onProgress?.(corpus.bytesRead, corpus.totalBytes);
  }
  return {
    blocks: packDocuments(docs, seqLen, tokenizer.eosId),
    documents: docs.length,
    tokens,
    skipped: corpus.bad.total,
  };
}
