import { Worker } from "node:worker_threads";
import { KERNEL_NAMES, type KernelFn, type KernelName } from "./kernels.js";
import { WORKER_SOURCE } from "./worker-source.js";

const GEN = 0;
const DONE = 1;
const FAILED = 2;
const STOP = 3;
const MAX_ARGS = 32;
const ERROR_BYTES = 4096;

/**
 * A persistent pool of worker threads, each with its own instance of the kernels over one shared
 * WebAssembly.Memory. `run` splits a job's work units into `threads` contiguous ranges by a fixed rule; the main
 * thread takes the first range itself and then sleeps in Atomics.wait until the workers are done. Workers sleep
 * in Atomics.wait between jobs: nothing spins, so a busy machine loses no cores to waiting (OpenMP's spinning
 * workers halved PyTorch's speed on the 2-core machine we measured).
 */
export class KernelPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(16 * 4));
  private readonly job = new Float64Array(new SharedArrayBuffer((3 + MAX_ARGS) * 8));
  private readonly errorBytes = new Uint8Array(new SharedArrayBuffer(ERROR_BYTES));
  private readonly kernels: KernelFn[];
  private workers: Worker[] = [];
  private disposed = false;

  private constructor(
    readonly threads: number,
    main: WebAssembly.Exports,
  ) {
    this.kernels = KERNEL_NAMES.map((name) => main[name] as KernelFn);
  }

  /**
   * Starts threads − 1 workers (the main thread is thread 0). scratch(tid) gives each thread's GEMM packing
   * region, which its instance is pointed at before any job.
   */
  static async create(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    threads: number,
    scratch: (tid: number) => { ptr: number; bytes: number },
  ): Promise<KernelPool> {
    const main = new WebAssembly.Instance(module, { env: { memory } }).exports;
    const s0 = scratch(0);
    (main.gemmSetScratch as KernelFn)(s0.ptr, s0.bytes);
    const pool = new KernelPool(threads, main);
    const started: Promise<void>[] = [];
    for (let tid = 1; tid < threads; tid++) {
      const s = scratch(tid);
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          module,
          memory,
          control: pool.control.buffer,
          job: pool.job.buffer,
          errorBytes: pool.errorBytes.buffer,
          tid,
          threads,
          names: KERNEL_NAMES,
          scratch: s.ptr,
          scratchBytes: s.bytes,
        },
      });
      pool.workers.push(worker);
      started.push(
        new Promise<void>((resolve, reject) => {
          worker.once("message", () => resolve());
          worker.once("error", reject);
        }),
      );
    }
    try {
      await Promise.all(started);
    } catch (e) {
      pool.dispose();
      throw e;
    }
    // A forgotten dispose() must not keep the process alive.
    for (const w of pool.workers) w.unref();
    return pool;
  }

  /**
   * Runs kernel(...args, lo, hi, tid) on every thread over its share of `units` and returns when all are done.
   * With parallel = false (small jobs, where waking a worker costs more than it saves) the main thread does all
   * units itself; results are the same either way because kernels never depend on the split.
   */
  run(name: KernelName, args: number[], units: number, parallel = true): void {
    if (this.disposed) throw new Error("the WebAssembly backend was disposed");
    if (units <= 0) return;
    const fn = this.kernels[KERNEL_NAMES.indexOf(name)];
    const t = this.threads;
    if (t === 1 || units === 1 || !parallel) {
      fn(...args, 0, units, 0);
      return;
    }
    const ctrl = this.control;
    const job = this.job;
    job[0] = KERNEL_NAMES.indexOf(name);
    job[1] = args.length;
    job[2] = units;
    for (let i = 0; i < args.length; i++) job[3 + i] = args[i];
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, FAILED, 0);
    Atomics.add(ctrl, GEN, 1);
    Atomics.notify(ctrl, GEN);
    let mainError: unknown;
    try {
      const hi = Math.floor(units / t);
      if (hi > 0) fn(...args, 0, hi, 0);
    } catch (e) {
      mainError = e;
    }
    for (let d = Atomics.load(ctrl, DONE); d < t - 1; d = Atomics.load(ctrl, DONE))
      Atomics.wait(ctrl, DONE, d);
    if (mainError !== undefined) throw mainError;
    const failed = Atomics.load(ctrl, FAILED);
    if (failed !== 0) {
      const bytes = this.errorBytes.slice();
      const end = bytes.indexOf(0);
      const msg = new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end));
      throw new Error(`kernel ${name} failed on worker ${failed - 1}: ${msg}`);
    }
  }

  /** Stops the workers (they leave their wait loop and exit). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GEN, 1);
    Atomics.notify(this.control, GEN);
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }
}
