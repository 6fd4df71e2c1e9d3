/**
 * plateau's corpus layer, as other layers (tokenizer packing, protocols) and the CLI use it. Everything here
 * streams: a corpus of any size is read in bounded memory.
 */
export {
  BAD_INPUT_KINDS,
  type BadInputKind,
  type BadInputSummary,
  describeBadInput,
} from "./read/bad-input.js";
export { Corpus, type CorpusDoc, docId, openCorpus, type ReadOptions, readCorpus } from "./read/corpus.js";
export { type CorpusFile, type CorpusFormat, detectFormat, resolveCorpus } from "./read/files.js";
