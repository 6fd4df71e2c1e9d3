import { parentPort } from "node:worker_threads";
import { type ReadRunResult, RunTailer } from "../runs/rundir.js";
import type { ErrorLocation } from "../util/errors.js";
import { UserError } from "../util/errors.js";
import { type RunColumns, runToColumns } from "./run-columns.js";

/**
 * The run-loading worker: reading a run directory's metrics.jsonl for the first time (JSON.parse of every line)
 * takes seconds for a million lines, which must not stall the server's event loop. This thread reads the run
 * exactly as the server's tailer would, normalizes it, and answers with its columns (transferred) and the byte
 * offset and line count it consumed, from which the server's tailer continues: no line is read twice or lost.
 */

export interface LoadRequest {
  seq: number;
  dir: string;
}

export interface LoadedRun extends RunColumns {
  /** Byte offset of metrics.jsonl consumed (complete lines only), and the lines before it. */
  offset: number;
  line: number;
  problems: ReadRunResult["problems"];
}

export interface LoadReply {
  seq: number;
  loaded?: LoadedRun;
  /** A failure: a UserError keeps its location, anything else is a message. */
  error?: { message: string; user: boolean; location?: ErrorLocation };
}

export function loadRun(dir: string): { loaded: LoadedRun; transfer: ArrayBuffer[] } {
  const t = new RunTailer(dir);
  t.poll();
  t.run.normalize();
  const { series, transfer } = runToColumns(t.run);
  return {
    loaded: {
      manifest: t.run.manifest,
      series,
      events: t.run.events,
      offset: t.offset,
      line: t.line,
      problems: t.problems,
    },
    transfer,
  };
}

parentPort?.on("message", (req: LoadRequest) => {
  let reply: LoadReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const r = loadRun(req.dir);
    reply = { seq: req.seq, loaded: r.loaded };
    transfer = r.transfer;
  } catch (err) {
    const user = err instanceof UserError;
    reply = {
      seq: req.seq,
      error: {
        message: (err as Error)?.message ?? String(err),
        user,
        location: user ? err.location : undefined,
      },
    };
  }
  parentPort?.postMessage(reply, transfer);
});
