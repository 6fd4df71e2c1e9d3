// Child process for the concurrent-reader test: writes `n` steps to a run directory as fast as it can, each
// line in several small writes' worth of data (long values) to widen the window for torn reads.
import { RunWriter } from "../../src/runs/rundir.js";

const [dir, nText] = process.argv.slice(2);
const n = Number(nText);
const w = RunWriter.create(dir, { id: "concurrent", name: "concurrent" });
const pad: Record<string, number> = {};
for (let k = 0; k < 40; k++) pad[`extra/metric_${k}`] = k + 0.123456789;
for (let step = 0; step < n; step++) {
  w.log(step, { "train/loss": 10 - step * 1e-3, ...pad }, { tokens: step * 2048 });
}
w.finish("completed");
