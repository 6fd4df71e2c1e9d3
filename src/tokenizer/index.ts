export { BYTE_TO_CHAR, bytesOfToken, tokenOfBytes } from "./bytelevel.js";
export { loadTokenizer, readTokenizerConfig, specFromTokenizerJson, tokenizerJsonOf } from "./hf-json.js";
export { medicalGptTxtDocuments, splitLinesKeepEnds, universalNewlines } from "./medicalgpt-text.js";
export {
  checkPadPitfalls,
  IGNORE_INDEX,
  MedicalGptPacker,
  type PackedResult,
  type PackOptions,
  type PackReport,
  type PaddedResult,
  type PitfallFinding,
  type PitfallSetting,
  packDocuments,
  padDocuments,
  type TrainingBlocks,
} from "./pack.js";
export { LLAMA3_PATTERN, pretokenizeToStrings, QWEN2_PATTERN } from "./pretokenize.js";
export { qwenTokenizer, qwenTokenizerDir } from "./qwen.js";
export { type TokenStats, TokenStatsAccumulator } from "./stats.js";
export { subVocabSpec } from "./subvocab.js";
export { type AddedToken, type EncodeOptions, Tokenizer, type TokenizerSpec } from "./tokenizer.js";
export { type TrainOptions, trainBpe, trainBpeFromCounts, WordCounter } from "./train.js";
