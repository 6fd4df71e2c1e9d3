import type { Worker } from "node:worker_threads";
import { spawnModuleWorker } from "../util/worker.js";

/**
 * One lazily started worker thread answering numbered requests (the diagnosis worker, the run-loading worker).
 * The thread is unref'd, so an idle one never keeps the process alive; if it dies, the requests waiting on it
 * fail and the next request starts a fresh one.
 */
export class WorkerClient<Req extends { seq: number }, Reply extends { seq: number }> {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  /** `name` is the module beside this file, without its extension (`diagnose-worker`). */
  constructor(private readonly name: string) {}

  ask(req: Omit<Req, "seq">, transfer: ArrayBuffer[] = []): Promise<Reply> {
    const w = this.spawn();
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      w.postMessage({ ...req, seq }, transfer);
    });
  }

  /** End the worker (server shutdown). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
    const w = spawnModuleWorker(new URL(`./${this.name}${ext}`, import.meta.url));
    w.unref();
    w.on("message", (r: Reply) => {
      const p = this.waiting.get(r.seq);
      this.waiting.delete(r.seq);
      p?.resolve(r);
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.waiting.values()) p.reject(err);
      this.waiting.clear();
    };
    w.on("error", fail);
    w.on("exit", (code) => {
      if (code !== 0) fail(new Error(`${this.name} exited with code ${code}`));
      else if (this.worker === w) this.worker = undefined;
    });
    this.worker = w;
    return w;
  }
}
