import { parentPort, workerData } from "node:worker_threads";
import { Analyzer, type AnalyzerInit, type PackedResults } from "./analyzer.js";

/** Worker thread: analyses batches of documents and posts the packed results back (buffers transferred). */
const analyzer = new Analyzer(workerData as AnalyzerInit);
const port = parentPort;
if (!port) throw new Error("internal: audit worker started outside a worker thread");

port.on("message", (m: { seq: number; texts: string[] }) => {
  try {
    const r = analyzer.analyzeBatch(m.texts);
    port.postMessage({ seq: m.seq, r }, transferList(r));
  } catch (err) {
    port.postMessage({ seq: m.seq, error: (err as Error).stack ?? String(err) });
  }
});
port.postMessage({ ready: true });

function transferList(r: PackedResults): ArrayBuffer[] {
  return [
    r.flags,
    r.score,
    r.parts,
    r.ppl,
    r.bucket,
    r.lang,
    r.chars,
    r.words,
    r.norm,
    r.hasNorm,
    r.bands,
    r.hasBands,
  ].map((a) => a.buffer as ArrayBuffer);
}
