// The kernels' entry point: everything exported here is callable from src/engine/wasm (kernels.ts lists them).
export { attentionBackward, attentionForward } from "./attention";
export {
  adamw,
  add,
  addBias,
  biasGrad,
  CHUNK,
  embeddingBackward,
  embeddingForward,
  rmsnormBackwardDw,
  scale,
  sumSquares,
  swigluBackward,
  swigluForward,
} from "./elementwise";
export { gemm, gemmPart, gemmScratchBytes, gemmSetScratch, kernelPeak, MR, NR } from "./gemm";
export { rmsnormBackwardDx, rmsnormForward, rope } from "./norm";
export { staticEnd } from "./simd";
export { crossEntropy } from "./softmax";
