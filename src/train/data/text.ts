import { readCorpus } from "../../data/read/corpus.js";
import { type PackReport, packDocuments } from "../../tokenizer/pack.js";
import { UserError } from "../../util/errors.js";
import { fromTrainingBlocks, type TokenBlocks } from "./blocks.js";
import type { TextTokenizer } from "./tokenizer.js";

export interface TokenizedCorpus {
  blocks: TokenBlocks;
  documents: number;
  tokens: number;
  /** Bad input skipped by the reader. */
  skipped: number;
  /** What the packing did (blocks, dropped remainders, short padded blocks). */
  packing: PackReport;
}

/**
 * Read a text corpus (files or folders: .txt one document per line, .jsonl/.json with a text field, .parquet,
 * gzip), tokenize every document and pack the token streams into blocks of seqLen exactly as MedicalGPT's
 * pretraining does (src/tokenizer/pack.ts: eos after each document, batches of 1000 documents, each batch's
 * remainder dropped).
 */
export async function tokenizeCorpus(
  paths: string[],
  tokenizer: TextTokenizer,
  seqLen: number,
  opts: { field?: string; onProgress?: (bytesRead: number, totalBytes: number) => void } = {},
): Promise<TokenizedCorpus> {
  const corpus = readCorpus(paths, { field: opts.field });
  if (tokenizer.eosId === undefined)
    throw new UserError(`tokenizer ${tokenizer.name} has no end-of-text token to separate documents`, {
      field: "--tokenizer",
    });
  const docs: ArrayLike<number>[] = [];
  for await (const batch of corpus.batches()) {
    for (const d of batch) docs.push(tokenizer.encode(d.text));
    opts.onProgress?.(corpus.bytesRead, corpus.totalBytes);
  }
  const packed = packDocuments(docs, { blockSize: seqLen, eosId: tokenizer.eosId });
  return {
    blocks: fromTrainingBlocks(packed),
    documents: docs.length,
    tokens: packed.report.tokens,
    skipped: corpus.bad.total,
    packing: packed.report,
  };
}
