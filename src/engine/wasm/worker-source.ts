/**
 * The pool's worker, as CommonJS source for `new Worker(code, { eval: true })`: an inline string runs the same
 * from src/ (vitest) and dist/ (the CLI), with no .ts/.js path to resolve.
 *
 * Protocol over the control words (Int32Array on a SharedArrayBuffer), see pool.ts:
 *   [GEN] job generation: the worker sleeps in Atomics.wait until it changes (never spins);
 *   [DONE] workers finished with the current job (each adds 1 and notifies);
 *   [FAILED] 0, or 1 + the id of the first thread whose kernel threw (its message goes to the error bytes);
 *   [STOP] nonzero: leave the loop.
 * The job: args[0] kernel index, args[1] argument count, args[2] work units, args[3…] arguments. Thread tid
 * owns units [floor(units·tid/threads), floor(units·(tid+1)/threads)) and calls kernel(...args, lo, hi, tid).
 */
export const WORKER_SOURCE = `
"use strict";
const { workerData, parentPort } = require("node:worker_threads");
const { module, memory, control, job, errorBytes, tid, threads, names, scratch, scratchBytes } = workerData;
const GEN = 0, DONE = 1, FAILED = 2, STOP = 3;
const exportsOf = new WebAssembly.Instance(module, { env: { memory } }).exports;
exportsOf.gemmSetScratch(scratch, scratchBytes);
const kernels = names.map((name) => exportsOf[name]);
const ctrl = new Int32Array(control);
const args = new Float64Array(job);
const err = new Uint8Array(errorBytes);
const call = [];
let seen = Atomics.load(ctrl, GEN);
parentPort.postMessage("ready");
for (;;) {
  Atomics.wait(ctrl, GEN, seen);
  seen = Atomics.load(ctrl, GEN);
  if (Atomics.load(ctrl, STOP) !== 0) break;
  try {
    const units = args[2];
    const lo = Math.floor((units * tid) / threads);
    const hi = Math.floor((units * (tid + 1)) / threads);
    if (hi > lo) {
      const n = args[1];
      call.length = n + 3;
      for (let i = 0; i < n; i++) call[i] = args[3 + i];
      call[n] = lo;
      call[n + 1] = hi;
      call[n + 2] = tid;
      kernels[args[0]].apply(null, call);
    }
  } catch (e) {
    if (Atomics.compareExchange(ctrl, FAILED, 0, tid + 1) === 0) {
      const msg = new TextEncoder().encode(String(e && e.stack ? e.stack : e)).subarray(0, err.length - 1);
      err.fill(0);
      err.set(msg);
    }
  }
  Atomics.add(ctrl, DONE, 1);
  Atomics.notify(ctrl, DONE);
}
`;
