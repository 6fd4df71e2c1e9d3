import type { Run } from "../runs/run.js";

/** The log formats plateau reads; `source.format` of an imported run is one of these. */
export const LOG_FORMATS = [
  "hf-trainer-state",
  "tfevents",
  "llmc",
  "modded-nanogpt",
  "megatron",
  "hf-stdout",
  "keyvalue",
  "csv",
  "wandb-csv",
  "jsonl",
  "mlflow",
  "plateau",
] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Something in the input that could not be used, or that the reader had to work around. */
export interface IngestProblem {
  file: string;
  /** 1-based line for text formats. */
  line?: number;
  /** Byte offset for binary formats (event files). */
  offset?: number;
  message: string;
  /** `warning`: data was lost or may be wrong; `info`: handled as expected (e.g. a torn last record). */
  severity?: "warning" | "info";
}

export interface IngestResult {
  runs: Run[];
  problems: IngestProblem[];
  /** Files that were found but deliberately not used, and why (e.g. an older checkpoint's trainer_state.json). */
  skipped: { file: string; reason: string }[];
}

export interface IngestOptions {
  /** How deep to search folders (default 6). */
  maxDepth?: number;
}
