/**
 * plateau's corpus layer, as other layers (tokenizer packing, protocols) and the CLI use it. Everything here
 * streams: a corpus of any size is read in bounded memory.
 *
 *   readCorpus(paths, opts)   async iterable of {file, line, text, id}; bad input counted in `.bad`
 *   auditCorpus(paths, opts)  flags, score, duplicates and perplexity for every document (onDoc callback),
 *                             summary; with `out`, writes flags.jsonl, summary.json, report.md
 *   selectBest(paths, {n})    the N best documents with a manifest of why
 */
export { type AuditedDoc, type AuditOptions, type AuditResult, auditCorpus } from "./audit/audit.js";
export { SCORE_PARTS, SCORE_WEIGHTS, type ScorePart } from "./audit/score.js";
export type { AuditSummary } from "./audit/summary.js";
export { MINHASH_DEFAULTS, type MinHashConfig } from "./dedup/minhash.js";
export {
  BAD_INPUT_KINDS,
  type BadInputKind,
  type BadInputSummary,
  describeBadInput,
} from "./read/bad-input.js";
export { Corpus, type CorpusDoc, docId, openCorpus, type ReadOptions, readCorpus } from "./read/corpus.js";
export { type CorpusFile, type CorpusFormat, detectFormat, resolveCorpus } from "./read/files.js";
export { PRESET_DESCRIPTIONS, PRESET_NAMES, type PresetName, parsePresets } from "./rules/presets.js";
export { type SelectedDoc, type Selection, type SelectOptions, selectBest } from "./select/select.js";
