import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { RUN_FILES } from "../runs/rundir.js";
import { isWandbHeader, parseCsvRows } from "./formats/csv.js";
import { isMlflowRunDir } from "./formats/mlflow.js";
import { detectTextFormat } from "./formats/text.js";
import { maskedCrc32c } from "./tfevents/crc32c.js";
import type { LogFormat } from "./types.js";

const HEAD_BYTES = 4 << 20;

export function isTfEventsName(name: string): boolean {
  return /(^|\.)tfevents\./.test(name) || name.startsWith("events.out.tfevents");
}

export function isPlateauRunDir(dir: string): boolean {
  return existsSync(join(dir, RUN_FILES.manifest)) && existsSync(join(dir, RUN_FILES.metrics));
}

function head(path: string, bytes = HEAD_BYTES): Buffer {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.allocUnsafe(Math.min(bytes, statSync(path).size));
    const n = readSync(fd, b, 0, b.length, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Does the file start with a TFRecord header whose length CRC checks out? */
function startsWithRecord(b: Uint8Array): boolean {
  if (b.length < 12) return false;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return v.getUint32(8, true) === maskedCrc32c(b, 0, 8) && v.getUint32(4, true) === 0;
}

/**
 * The log format of a file (by name, then by content), or of a folder that is one run in a known layout
 * (a plateau run directory, an MLflow file-store run). Undefined when nothing recognises it.
 */
export function detectFormat(path: string): LogFormat | undefined {
  const st = statSync(path);
  if (st.isDirectory()) {
    if (isPlateauRunDir(path)) return "plateau";
    if (isMlflowRunDir(path)) return "mlflow";
    return undefined;
  }
  const name = basename(path);
  if (name === "trainer_state.json") return "hf-trainer-state";
  if (isTfEventsName(name)) return "tfevents";
  if (st.size === 0) return undefined;
  const b = head(path);
  if (startsWithRecord(b)) return "tfevents";
  if (b.includes(0)) return undefined; // other binary files
  const text = b.toString("utf8");
  const ext = extname(name).toLowerCase();
  const firstLine = text.slice(0, text.indexOf("\n") >= 0 ? text.indexOf("\n") : text.length).trim();
  if (ext === ".json" || firstLine.startsWith("{")) {
    if (/"log_history"\s*:/.test(text)) return "hf-trainer-state";
    if (ext === ".json") return undefined;
  }
  if (
    ext === ".jsonl" ||
    ext === ".ndjson" ||
    (firstLine.startsWith("{") && firstLine.endsWith("}") && firstLine.includes('"'))
  ) {
    return "jsonl";
  }
  if (ext === ".csv") {
    const rows = parseCsvRows(firstLine);
    return rows.length && isWandbHeader(rows[0].map((h) => h.trim())) ? "wandb-csv" : "csv";
  }
  return detectTextFormat(text);
}
