import { availableParallelism } from "node:os";
import type { Ops } from "./ops.js";
import { createRefOps } from "./ref/index.js";
import type { KernelVariant } from "./wasm/kernels.js";
import { WasmOps } from "./wasm/wasm-ops.js";

export interface CreateOpsOptions {
  /** "wasm" (default): SIMD kernels on a worker pool; "ref": the plain-TypeScript reference (float32). */
  backend?: "wasm" | "ref";
  /** Threads including the main thread; default: the available cores. The reference is single-threaded. */
  threads?: number;
  /** Force a kernel build ("simd" = without relaxed-SIMD FMA); default: the fastest the runtime supports. */
  variant?: KernelVariant;
  /** Where the one-line fallback note goes (default: stderr). */
  note?: (line: string) => void;
}

/**
 * The compute backend for the engine. WebAssembly SIMD by default; when the runtime lacks SIMD it falls back to
 * the reference with a one-line note. Call dispose() when done (it stops the worker threads). `wasm` is the
 * WebAssembly backend's constructor (replaced in tests to see the fallback).
 */
export async function createOps(
  opts: CreateOpsOptions = {},
  wasm: (o: { threads: number; variant?: KernelVariant }) => Promise<Ops | null> = (o) => WasmOps.create(o),
): Promise<Ops> {
  const backend = opts.backend ?? "wasm";
  if (backend === "ref") return createRefOps("f32");
  const threads = opts.threads ?? availableParallelism();
  const ops = await wasm({ threads, variant: opts.variant });
  if (ops) return ops;
  const note = opts.note ?? ((line: string) => process.stderr.write(`${line}\n`));
  note(
    `note: this runtime has no WebAssembly ${opts.variant ?? "SIMD"}; using the plain TypeScript backend (much slower)`,
  );
  return createRefOps("f32");
}
