import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";

/**
 * Finding, feature-detecting and compiling the WebAssembly kernels (sources in asm/, built by
 * `npm run build:wasm` into dist/wasm/ — the same place for the built CLI and for tests run from src/).
 */

/** Which build runs: relaxed SIMD has fused multiply-add (~1.3× faster GEMM); plain SIMD runs everywhere. */
export type KernelVariant = "relaxed-simd" | "simd";

/** Every exported kernel the pool may call, in the order the worker protocol indexes them. */
export const KERNEL_NAMES = [
  "gemmPart",
  "addBias",
  "biasGrad",
  "add",
  "scale",
  "sumSquares",
  "embeddingForward",
  "embeddingBackward",
  "rmsnormForward",
  "rmsnormBackwardDx",
  "rmsnormBackwardDw",
  "rope",
  "attentionForward",
  "attentionBackward",
  "swigluForward",
  "swigluBackward",
  "crossEntropy",
  "adamw",
  "kernelPeak",
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

/** A kernel export: numbers in (pointers are byte offsets, booleans 0/1), nothing out. */
export type KernelFn = (...args: number[]) => void;

export interface KernelExports {
  gemmScratchBytes(nc: number): number;
  gemmSetScratch(ptr: number, bytes: number): void;
  gemm(...args: number[]): void;
}

export interface CompiledKernels {
  module: WebAssembly.Module;
  variant: KernelVariant;
}

const FILES: Record<KernelVariant, string> = {
  "relaxed-simd": "kernels-relaxed.wasm",
  simd: "kernels-simd.wasm",
};

/** dist/wasm of the plateau package this file belongs to (found by walking up to its package.json). */
export function kernelsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, "utf8")).name === "plateau") return join(dir, "dist", "wasm");
      } catch {
        // not ours: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("plateau's package.json not found above src/engine/wasm");
    dir = up;
  }
}

function readKernel(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  const file = join(kernelsDir(), FILES[variant]);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build:wasm\` (npm ci does it)`);
  // A copy on a plain ArrayBuffer: lib.dom's WebAssembly typings (loaded by browser tests) want BufferSource.
  return new Uint8Array(readFileSync(file));
}

let relaxedFlagSet = false;

/**
 * Whether this runtime validates `bytes`. Relaxed SIMD is behind a flag on Node 20 (V8 11.3) and refused in
 * NODE_OPTIONS, but the flag can be set from inside the process before compiling.
 */
function validates(bytes: Uint8Array, relaxed: boolean): boolean {
  if (WebAssembly.validate(bytes)) return true;
  if (!relaxed || relaxedFlagSet) return false;
  relaxedFlagSet = true;
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  return WebAssembly.validate(bytes);
}

const compiled = new Map<KernelVariant, CompiledKernels | null>();

/**
 * The fastest kernel build this runtime accepts (or `prefer` when given and supported), compiled once per
 * process; null when WebAssembly SIMD itself is unavailable.
 */
export function compileKernels(prefer?: KernelVariant): CompiledKernels | null {
  const order: KernelVariant[] = prefer === "simd" ? ["simd"] : ["relaxed-simd", "simd"];
  for (const variant of order) {
    if (compiled.has(variant)) {
      const c = compiled.get(variant);
      if (c) return c;
      continue;
    }
    const bytes = readKernel(variant);
    if (!validates(bytes, variant === "relaxed-simd")) {
      compiled.set(variant, null);
      continue;
    }
    const c = { module: new WebAssembly.Module(bytes), variant };
    compiled.set(variant, c);
    return c;
  }
  return null;
}
