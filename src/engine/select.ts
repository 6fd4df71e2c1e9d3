import { availableParallelism } from "node:os";
import { UserError } from "../util/errors.js";
import type { Ops } from "./ops.js";
import { createRefOps } from "./ref/index.js";

export type BackendName = "auto" | "wasm" | "ref";

export interface EngineOptions {
  /** auto = the fastest available (the WebAssembly backend once it is built in), ref = plain TypeScript. */
  backend?: BackendName;
  /** Worker threads (default: available cores). */
  threads?: number;
}

/** The compute backend the commands and protocols run on. */
export async function engineOps(opts: EngineOptions = {}): Promise<Ops> {
  const backend = opts.backend ?? "auto";
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1)
    throw new UserError(`must be a positive integer, got ${threads}`, { field: "--threads" });
  if (backend === "wasm")
    throw new UserError("the WebAssembly backend is not built in yet", { field: "--backend" });
  return createRefOps("f32");
}
