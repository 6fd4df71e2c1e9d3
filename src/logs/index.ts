/**
 * Ingestion: training logs of other tools → plateau Runs. `ingestPaths` is the entry point (files and folders,
 * formats detected); `detectFormat` says what a single file or folder is. The TensorBoard event-file reader and
 * writer are in ./tfevents.
 */
export { detectFormat } from "./detect.js";
export { ingestPaths } from "./ingest.js";
export { seriesName } from "./names.js";
export { parsePythonJson } from "./python-json.js";
export { TfEventsWriter } from "./tfevents/writer.js";
export {
  type IngestOptions,
  type IngestProblem,
  type IngestResult,
  LOG_FORMATS,
  type LogFormat,
} from "./types.js";
