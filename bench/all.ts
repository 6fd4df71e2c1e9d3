import { benchData } from "./data.js";
import { benchDiagnose } from "./diagnose.js";
import { benchEngine } from "./engine.js";
import { benchKernels } from "./engine-kernels.js";
import { benchIngest } from "./ingest.js";
import { benchProtocols } from "./protocols.js";
import { benchRuns } from "./runs.js";
import { benchServe } from "./serve.js";
import { benchTokenizer } from "./tokenizer.js";

/** `npm run bench`: every benchmark, one after the other (they must not compete for the two cores). */
const benches: [string, () => Promise<void>][] = [
  ["runs", benchRuns],
  ["tokenizer", benchTokenizer],
  ["data", benchData],
  ["ingest", benchIngest],
  ["diagnose", benchDiagnose],
  ["serve", benchServe],
  ["engine", benchEngine],
  ["engine-kernels", benchKernels],
  ["protocols", benchProtocols],
];

const only = process.argv[2];
for (const [name, fn] of benches) {
  if (!only || only === name) await fn();
}
