import type { Buf, Ops } from "../ops.js";
import { ARENA_START, Arena } from "./arena.js";
import { type CompiledKernels, compileKernels, type KernelName, type KernelVariant } from "./kernels.js";
import { KernelPool } from "./pool.js";

/** How the kernels cut work into units (exported by asm/: elementwise.ts CHUNK, gemm.ts MR and NR). */
interface Layout {
  /** Elements per unit of the flat elementwise kernels. */
  chunk: number;
  /** Rows per unit when a parallel sgemm splits M. */
  mr: number;
  /** Columns per unit when it splits N. */
  nr: number;
}

/** Widest column block one thread packs at a time: KC × 4096 floats of scratch (6 MiB) per thread. */
const NC_MAX = 4096;
/**
 * Default of WasmOpsOptions.minParallelWork: ~90 µs of one thread's work. Waking a worker costs ~20–50 µs on
 * an idle core and a few hundred when the other core is busy with another process (measured 160 µs per call
 * here under load), so smaller calls stay on the main thread.
 */
const MIN_PARALLEL_WORK = 1 << 18;
// What one unit of "work" is: a cheap elementwise element (~0.35 ns). Heavier kernels count more per element.
const WORK_PER_MAC = 1 / 8;
const WORK_ADAMW = 4;
const WORK_CROSS_ENTROPY = 8;
const WORK_SWIGLU = 10;

export interface WasmOpsOptions {
  /** Threads including the main thread (≥ 1). */
  threads: number;
  /** Force a kernel build; default: relaxed SIMD when the runtime has it, else plain SIMD. */
  variant?: KernelVariant;
  /**
   * Calls with less work than this (in cheap-element units, ~0.35 ns each) run on the main thread alone; tests
   * pass 0 to send every call through the workers. Results are the same either way.
   */
  minParallelWork?: number;
}

/** Elements of a row-major matrix with `rows` rows of `cols` used columns at stride `ld` (0 if empty). */
function span(rows: number, cols: number, ld: number): number {
  return rows > 0 && cols > 0 ? (rows - 1) * ld + cols : 0;
}

function checkDims(what: string, dims: Record<string, number>): void {
  for (const [k, v] of Object.entries(dims))
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff)
      throw new RangeError(`${what}: ${k} must be a non-negative integer, got ${v}`);
}

/**
 * The Ops contract on WebAssembly SIMD kernels (asm/) run by a persistent worker pool over one shared memory.
 * Every kernel's work split is a fixed function of the shapes (never of timing) and no output is reduced across
 * threads in a thread-dependent order, so results are bitwise identical for any thread count.
 */
export class WasmOps implements Ops {
  readonly name: string;
  readonly dtype = "f32" as const;
  readonly variant: KernelVariant;
  private tmpPtr = 0;
  private tmpBytes = 0;

  private constructor(
    private readonly arena: Arena,
    private readonly pool: KernelPool,
    kernels: CompiledKernels,
    private readonly layout: Layout,
    private readonly minParallelWork: number,
  ) {
    this.variant = kernels.variant;
    this.name = `wasm ${kernels.variant} ×${pool.threads} thread${pool.threads === 1 ? "" : "s"}`;
  }

  /** null when this runtime lacks WebAssembly SIMD. */
  static async create(opts: WasmOpsOptions): Promise<WasmOps | null> {
    const threads = opts.threads;
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`threads must be ≥ 1, got ${threads}`);
    const kernels = compileKernels(opts.variant);
    if (!kernels) return null;
    if (opts.variant && kernels.variant !== opts.variant) return null;
    const arena = new Arena();
    const probe = new WebAssembly.Instance(kernels.module, { env: { memory: arena.memory } }).exports;
    // The kernels' static data and constant tables must fit in the 64 KiB the arena never hands out.
    const staticEnd = (probe.staticEnd as () => number)();
    if (!(staticEnd > 0 && staticEnd <= ARENA_START))
      throw new Error(
        `kernel static data overlaps the arena (end ${staticEnd}, arena starts at ${ARENA_START})`,
      );
    const scratchBytes = (probe.gemmScratchBytes as (nc: number) => number)(NC_MAX);
    const scratch: { ptr: number; bytes: number }[] = [];
    for (let t = 0; t < threads; t++)
      scratch.push({ ptr: arena.allocBytes(scratchBytes), bytes: scratchBytes });
    const constant = (name: string) => (probe[name] as WebAssembly.Global).value;
    const layout = { chunk: constant("CHUNK"), mr: constant("MR"), nr: constant("NR") };
    const pool = await KernelPool.create(kernels.module, arena.memory, threads, (tid) => scratch[tid]);
    return new WasmOps(arena, pool, kernels, layout, opts.minParallelWork ?? MIN_PARALLEL_WORK);
  }

  get threads(): number {
    return this.pool.threads;
  }

  /** Bytes of the shared memory in use (buffers and scratch). */
  get memoryBytes(): number {
    return this.arena.used;
  }

  alloc(n: number): Float32Array {
    checkDims("alloc", { n });
    return this.arena.f32(n);
  }

  allocInt(n: number): Int32Array {
    checkDims("allocInt", { n });
    return this.arena.i32(n);
  }

  /** Whether a call with this much work is worth waking the workers for. */
  private par(work: number): boolean {
    return work >= this.minParallelWork;
  }

  /** A scratch region reused by every call that needs one (calls are synchronous, so never two at once). */
  private tmp(bytes: number): number {
    if (bytes > this.tmpBytes) {
      this.tmpBytes = Math.max(bytes, this.tmpBytes * 2, 1 << 16);
      this.tmpPtr = this.arena.allocBytes(this.tmpBytes);
    }
    return this.tmpPtr;
  }

  private tmpF64(ptr: number, n: number): Float64Array {
    return new Float64Array(this.arena.memory.buffer, ptr, n);
  }

  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Buf,
    lda: number,
    B: Buf,
    ldb: number,
    beta: number,
    C: Buf,
    ldc: number,
  ): void {
    checkDims("sgemm", { M, N, K, lda, ldb, ldc });
    if (M === 0 || N === 0) return;
    if (lda < (transA ? M : K) || ldb < (transB ? K : N) || ldc < N)
      throw new RangeError(`sgemm: leading dimensions too small (lda ${lda}, ldb ${ldb}, ldc ${ldc})`);
    const a = this.arena.ptr(A, transA ? span(K, M, lda) : span(M, K, lda), "sgemm A");
    const b = this.arena.ptr(B, transB ? span(N, K, ldb) : span(K, N, ldb), "sgemm B");
    const c = this.arena.ptr(C, span(M, N, ldc), "sgemm C");
    // Split the larger side: every thread packs all of the other operand, so that one should be the small one.
    const splitN = N > M;
    const units = splitN ? Math.ceil(N / this.layout.nr) : Math.ceil(M / this.layout.mr);
    const parallel = this.par(M * N * K * WORK_PER_MAC);
    const args = [+transA, +transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, +splitN];
    this.pool.run("gemmPart", args, units, parallel);
  }

  addBias(y: Buf, b: Buf, N: number, C: number): void {
    checkDims("addBias", { N, C });
    const py = this.arena.ptr(y, N * C, "addBias y");
    const pb = this.arena.ptr(b, C, "addBias b");
    this.pool.run("addBias", [py, pb, N, C], N, this.par(N * C));
  }

  biasGrad(dy: Buf, db: Buf, N: number, C: number): void {
    checkDims("biasGrad", { N, C });
    const pdy = this.arena.ptr(dy, N * C, "biasGrad dy");
    const pdb = this.arena.ptr(db, C, "biasGrad db");
    this.pool.run("biasGrad", [pdy, pdb, N, C], Math.ceil(C / 4), this.par(N * C));
  }

  /** A flat elementwise kernel over n elements: kernel(...pointers of bufs in order, n). */
  private flat(name: KernelName, n: number, bufs: Record<string, Buf>, workPerElement = 1): void {
    checkDims(name, { n });
    const ptrs = Object.entries(bufs).map(([what, b]) => this.arena.ptr(b, n, `${name} ${what}`));
    this.pool.run(name, [...ptrs, n], Math.ceil(n / this.layout.chunk), this.par(n * workPerElement));
  }

  add(a: Buf, b: Buf, out: Buf, n: number): void {
    this.flat("add", n, { a, b, out });
  }

  scale(x: Buf, s: number, n: number): void {
    checkDims("scale", { n });
    this.pool.run(
      "scale",
      [this.arena.ptr(x, n, "scale x"), s, n],
      Math.ceil(n / this.layout.chunk),
      this.par(n),
    );
  }

  sumSquares(x: Buf, n: number): number {
    checkDims("sumSquares", { n });
    const px = this.arena.ptr(x, n, "sumSquares x");
    const units = Math.ceil(n / this.layout.chunk);
    const partial = this.tmp(units * 8);
    this.pool.run("sumSquares", [px, n, partial], units, this.par(n));
    // Chunk partials summed in chunk order: the same total for any thread count.
    const parts = this.tmpF64(partial, units);
    let s = 0;
    for (let u = 0; u < units; u++) s += parts[u];
    return s;
  }

  embeddingForward(ids: Int32Array, table: Buf, out: Buf, N: number, C: number): void {
    checkDims("embeddingForward", { N, C });
    const pIds = this.arena.ptr(ids, N, "embeddingForward ids");
    const V = C > 0 ? Math.floor(table.length / C) : 0;
    checkIds("embeddingForward", ids, N, V);
    const pt = this.arena.ptr(table, V * C, "embeddingForward table");
    const po = this.arena.ptr(out, N * C, "embeddingForward out");
    this.pool.run("embeddingForward", [pIds, pt, po, C], N, this.par(N * C));
  }

  embeddingBackward(ids: Int32Array, dout: Buf, dtable: Buf, N: number, C: number): void {
    checkDims("embeddingBackward", { N, C });
    const pIds = this.arena.ptr(ids, N, "embeddingBackward ids");
    const V = C > 0 ? Math.floor(dtable.length / C) : 0;
    checkIds("embeddingBackward", ids, N, V);
    const pd = this.arena.ptr(dout, N * C, "embeddingBackward dout");
    const pt = this.arena.ptr(dtable, V * C, "embeddingBackward dtable");
    // Threads own column groups, so two rows with the same id never race.
    this.pool.run("embeddingBackward", [pIds, pd, pt, N, C], Math.ceil(C / 4), this.par(N * C));
  }

  rmsnormForward(x: Buf, w: Buf, eps: number, y: Buf, rstd: Buf, N: number, C: number): void {
    checkDims("rmsnormForward", { N, C });
    const args = [
      this.arena.ptr(x, N * C, "rmsnormForward x"),
      this.arena.ptr(w, C, "rmsnormForward w"),
      eps,
      this.arena.ptr(y, N * C, "rmsnormForward y"),
      this.arena.ptr(rstd, N, "rmsnormForward rstd"),
      C,
    ];
    this.pool.run("rmsnormForward", args, N, this.par(N * C));
  }

  rmsnormBackward(x: Buf, w: Buf, rstd: Buf, dy: Buf, dx: Buf, dw: Buf, N: number, C: number): void {
    checkDims("rmsnormBackward", { N, C });
    const px = this.arena.ptr(x, N * C, "rmsnormBackward x");
    const pw = this.arena.ptr(w, C, "rmsnormBackward w");
    const pr = this.arena.ptr(rstd, N, "rmsnormBackward rstd");
    const pdy = this.arena.ptr(dy, N * C, "rmsnormBackward dy");
    const pdx = this.arena.ptr(dx, N * C, "rmsnormBackward dx");
    const pdw = this.arena.ptr(dw, C, "rmsnormBackward dw");
    const parallel = this.par(N * C);
    this.pool.run("rmsnormBackwardDx", [px, pw, pr, pdy, pdx, C], N, parallel);
    this.pool.run("rmsnormBackwardDw", [px, pr, pdy, pdw, N, C], Math.ceil(C / 4), parallel);
  }

  rope(x: Buf, pos: Int32Array, cos: Buf, sin: Buf, N: number, H: number, D: number, inverse: boolean): void {
    checkDims("rope", { N, H, D });
    if (D % 2 !== 0) throw new RangeError(`rope: head dimension must be even, got ${D}`);
    const half = D / 2;
    const maxPos = half > 0 ? Math.floor(Math.min(cos.length, sin.length) / half) : 0;
    checkIds("rope", pos, N, maxPos, "position");
    const args = [
      this.arena.ptr(x, N * H * D, "rope x"),
      this.arena.ptr(pos, N, "rope pos"),
      this.arena.ptr(cos, maxPos * half, "rope cos"),
      this.arena.ptr(sin, maxPos * half, "rope sin"),
      H,
      D,
      +inverse,
    ];
    this.pool.run("rope", args, N, this.par(N * H * D));
  }

  private attentionChecks(what: string, B: number, T: number, H: number, KV: number, D: number): void {
    checkDims(what, { B, T, H, KV, D });
    if (KV === 0 || H % KV !== 0) throw new RangeError(`${what}: H (${H}) must be a multiple of KV (${KV})`);
  }

  attentionForward(
    q: Buf,
    k: Buf,
    v: Buf,
    att: Buf,
    out: Buf,
    B: number,
    T: number,
    H: number,
    KV: number,
    D: number,
    scale: number,
  ): void {
    this.attentionChecks("attentionForward", B, T, H, KV, D);
    const N = B * T;
    const args = [
      this.arena.ptr(q, N * H * D, "attentionForward q"),
      this.arena.ptr(k, N * KV * D, "attentionForward k"),
      this.arena.ptr(v, N * KV * D, "attentionForward v"),
      this.arena.ptr(att, B * H * T * T, "attentionForward att"),
      this.arena.ptr(out, N * H * D, "attentionForward out"),
      T,
      H,
      KV,
      D,
      scale,
    ];
    this.pool.run("attentionForward", args, B * KV, this.par(N * H * T * D * WORK_PER_MAC));
  }

  attentionBackward(
    q: Buf,
    k: Buf,
    v: Buf,
    att: Buf,
    dout: Buf,
    dq: Buf,
    dk: Buf,
    dv: Buf,
    B: number,
    T: number,
    H: number,
    KV: number,
    D: number,
    scale: number,
  ): void {
    this.attentionChecks("attentionBackward", B, T, H, KV, D);
    const N = B * T;
    const stride = Math.ceil((T * T * 4) / 64) * 64;
    const scratch = this.tmp(stride * this.threads);
    const args = [
      this.arena.ptr(q, N * H * D, "attentionBackward q"),
      this.arena.ptr(k, N * KV * D, "attentionBackward k"),
      this.arena.ptr(v, N * KV * D, "attentionBackward v"),
      this.arena.ptr(att, B * H * T * T, "attentionBackward att"),
      this.arena.ptr(dout, N * H * D, "attentionBackward dout"),
      this.arena.ptr(dq, N * H * D, "attentionBackward dq"),
      this.arena.ptr(dk, N * KV * D, "attentionBackward dk"),
      this.arena.ptr(dv, N * KV * D, "attentionBackward dv"),
      T,
      H,
      KV,
      D,
      scale,
      scratch,
      stride,
    ];
    this.pool.run("attentionBackward", args, B * KV, this.par(2 * N * H * T * D * WORK_PER_MAC));
  }

  swigluForward(gate: Buf, up: Buf, out: Buf, n: number): void {
    this.flat("swigluForward", n, { gate, up, out }, WORK_SWIGLU);
  }

  swigluBackward(gate: Buf, up: Buf, dout: Buf, dgate: Buf, dup: Buf, n: number): void {
    this.flat("swigluBackward", n, { gate, up, dout, dgate, dup }, WORK_SWIGLU);
  }

  crossEntropy(
    logits: Buf,
    targets: Int32Array,
    N: number,
    V: number,
    dlogits: Buf | null,
    gradScale: number,
  ): { loss: number; count: number } {
    checkDims("crossEntropy", { N, V });
    const pl = this.arena.ptr(logits, N * V, "crossEntropy logits");
    const pt = this.arena.ptr(targets, N, "crossEntropy targets");
    const pd = dlogits ? this.arena.ptr(dlogits, N * V, "crossEntropy dlogits") : 0;
    let count = 0;
    for (let n = 0; n < N; n++) {
      const t = targets[n];
      if (t === -100) continue;
      if (!(t >= 0 && t < V))
        throw new RangeError(`crossEntropy: target ${t} at row ${n} is outside [0, ${V})`);
      count++;
    }
    const rowLoss = this.tmp(N * 8);
    const args = [pl, pt, V, pd, dlogits ? 1 : 0, gradScale, rowLoss];
    this.pool.run("crossEntropy", args, N, this.par(N * V * WORK_CROSS_ENTROPY));
    const rows = this.tmpF64(rowLoss, N);
    let loss = 0;
    for (let n = 0; n < N; n++) loss += rows[n];
    return { loss, count };
  }

  adamw(
    p: Buf,
    g: Buf,
    m: Buf,
    v: Buf,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number,
  ): void {
    checkDims("adamw", { n, step });
    if (step < 1) throw new RangeError(`adamw: step is 1-based, got ${step}`);
    const args = [
      this.arena.ptr(p, n, "adamw p"),
      this.arena.ptr(g, n, "adamw g"),
      this.arena.ptr(m, n, "adamw m"),
      this.arena.ptr(v, n, "adamw v"),
      n,
      1 - lr * weightDecay,
      beta1,
      beta2,
      eps,
      lr / (1 - beta1 ** step),
      Math.sqrt(1 - beta2 ** step),
    ];
    this.pool.run("adamw", args, Math.ceil(n / this.layout.chunk), this.par(n * WORK_ADAMW));
  }

  /**
   * GFLOP/s of the 5×8 micro-kernel alone on L1-resident data, every thread at once, over about `seconds`: the
   * ceiling the machine gives the kernels at this moment (benchmarks report sgemm against it).
   */
  microKernelGflops(seconds = 0.2): number {
    const flopPerRep = 2 * 5 * 8 * 256;
    const reps = 2000;
    let done = 0;
    const t0 = performance.now();
    let t = 0;
    while (t < seconds * 1000) {
      this.pool.run("kernelPeak", [reps], this.threads);
      done += reps * this.threads;
      t = performance.now() - t0;
    }
    return (flopPerRep * done) / (t / 1000) / 1e9;
  }

  dispose(): void {
    this.pool.dispose();
  }
}

/** Every ids[n] (n < N) must index a row of a table with `rows` rows. */
function checkIds(what: string, ids: Int32Array, N: number, rows: number, noun = "id"): void {
  for (let n = 0; n < N; n++) {
    const id = ids[n];
    if (!(id >= 0 && id < rows))
      throw new RangeError(`${what}: ${noun} ${id} at row ${n} is outside [0, ${rows})`);
  }
}
