import type { Worker } from "node:worker_threads";
import { spawnModuleWorker } from "../../util/worker.js";
import { Analyzer, type AnalyzerInit, type PackedResults } from "./analyzer.js";

/**
 * Analyses batches on N worker threads (or inline when N = 0) and hands the results back in submission order,
 * which is what deduplication ("keep the first") and flags.jsonl need. At most `depth` batches wait per worker,
 * so memory stays at a few batches whatever the corpus size.
 */
export class AnalyzerPool {
  private readonly workers: Worker[] = [];
  private readonly inflight: number[] = [];
  private readonly results = new Map<number, PackedResults>();
  private readonly waiters: (() => void)[] = [];
  private inline: Analyzer | null = null;
  private failure: Error | null = null;
  private nextOut = 0;

  private constructor(private readonly depth: number) {}

  static async create(init: AnalyzerInit, workers: number, depth = 2): Promise<AnalyzerPool> {
    const pool = new AnalyzerPool(depth);
    if (workers <= 0) {
      pool.inline = new Analyzer(init);
      return pool;
    }
    const url = new URL(`./worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);
    const ready: Promise<void>[] = [];
    for (let w = 0; w < workers; w++) {
      const worker = spawnModuleWorker(url, { workerData: init });
      pool.workers.push(worker);
      pool.inflight.push(0);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (m: { ready?: boolean; seq?: number; r?: PackedResults; error?: string }) => {
            if (m.ready) {
              resolve();
              return;
            }
            pool.inflight[w]--;
            if (m.error) pool.fail(new Error(`audit worker: ${m.error}`));
            else pool.results.set(m.seq!, m.r!);
            pool.wake();
          };
          worker.on("message", onMessage);
          worker.on("error", (err) => {
            pool.fail(err);
            reject(err);
          });
          worker.on("exit", (code) => {
            if (code !== 0 && !pool.closed) pool.fail(new Error(`audit worker exited with code ${code}`));
          });
        }),
      );
    }
    await Promise.all(ready);
    return pool;
  }

  private closed = false;

  get size(): number {
    return this.workers.length;
  }

  /** Queue a batch; waits while every worker already has `depth` batches. */
  async submit(seq: number, texts: string[]): Promise<void> {
    if (this.inline) {
      this.results.set(seq, this.inline.analyzeBatch(texts));
      return;
    }
    for (;;) {
      if (this.failure) throw this.failure;
      let best = -1;
      for (let w = 0; w < this.workers.length; w++)
        if (this.inflight[w] < this.depth && (best < 0 || this.inflight[w] < this.inflight[best])) best = w;
      if (best >= 0) {
        this.inflight[best]++;
        this.workers[best].postMessage({ seq, texts });
        return;
      }
      await this.waitForChange();
    }
  }

  /** The next result in submission order if it has arrived. */
  takeReady(): PackedResults | undefined {
    const r = this.results.get(this.nextOut);
    if (r) {
      this.results.delete(this.nextOut);
      this.nextOut++;
    }
    return r;
  }

  /** Wait for the next result in order. */
  async take(): Promise<PackedResults> {
    for (;;) {
      if (this.failure) throw this.failure;
      const r = this.takeReady();
      if (r) return r;
      await this.waitForChange();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private waitForChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake();
  }
}
