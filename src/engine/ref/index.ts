import type { Buf, Ops } from "../ops.js";
import { adamw } from "./adamw.js";
import { attentionBackward, attentionForward } from "./attention.js";
import { crossEntropy } from "./cross-entropy.js";
import {
  add,
  addBias,
  biasGrad,
  embeddingBackward,
  embeddingForward,
  scale,
  sumSquares,
  swigluBackward,
  swigluForward,
} from "./elementwise.js";
import { rmsnormBackward, rmsnormForward } from "./rmsnorm.js";
import { rope } from "./rope.js";
import { sgemm } from "./sgemm.js";

export * from "./adamw.js";
export * from "./attention.js";
export * from "./cross-entropy.js";
export * from "./elementwise.js";
export * from "./rmsnorm.js";
export * from "./rope.js";
export * from "./sgemm.js";

/**
 * The plain-TypeScript backend: every op of the contract as a straightforward loop, single-threaded, in
 * float32 (parity with the fast backends and with PyTorch) or float64 (finite-difference gradient checks).
 */
export function createRefOps(dtype: "f32" | "f64" = "f32"): Ops {
  return {
    name: `ts-ref ${dtype}`,
    threads: 1,
    dtype,
    alloc: (n: number): Buf => (dtype === "f32" ? new Float32Array(n) : new Float64Array(n)),
    allocInt: (n: number) => new Int32Array(n),
    sgemm,
    addBias,
    biasGrad,
    add,
    scale,
    sumSquares,
    embeddingForward,
    embeddingBackward,
    rmsnormForward,
    rmsnormBackward,
    rope,
    attentionForward,
    attentionBackward,
    swigluForward,
    swigluBackward,
    crossEntropy,
    adamw,
    dispose: () => {},
  };
}
