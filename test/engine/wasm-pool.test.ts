import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createOps } from "../../src/engine/backend.js";
import { Arena } from "../../src/engine/wasm/arena.js";
import { compileKernels } from "../../src/engine/wasm/kernels.js";
import { KernelPool } from "../../src/engine/wasm/pool.js";
import { WasmOps } from "../../src/engine/wasm/wasm-ops.js";
import { Rng } from "../../src/util/rng.js";
import { randn } from "./wasm-fixtures.js";

/** The worker pool's lifecycle and failure paths, the plain-SIMD build, and the createOps factory. */
describe("wasm worker pool", () => {
  async function pool(threads: number): Promise<{ arena: Arena; pool: KernelPool }> {
    const kernels = compileKernels()!;
    const arena = new Arena();
    const bytes = 1 << 20;
    const scratch = Array.from({ length: threads }, () => ({ ptr: arena.allocBytes(bytes), bytes }));
    return { arena, pool: await KernelPool.create(kernels.module, arena.memory, threads, (t) => scratch[t]) };
  }

  it("splits units into fixed contiguous ranges, the main thread taking the first", async () => {
    const { arena, pool: p } = await pool(2);
    try {
      // scale() over 3 chunks of 8192: thread 0 owns chunk 0, thread 1 chunks 1–2; each chunk is scaled once.
      const x = arena.f32(3 * 8192);
      x.fill(1);
      p.run("scale", [x.byteOffset, 3, x.length], 3);
      expect(x.every((v) => v === 3)).toBe(true);
    } finally {
      p.dispose();
    }
  });

  it("a kernel that traps on a worker throws on the caller, and the pool keeps working", async () => {
    const { arena, pool: p } = await pool(2);
    try {
      const end = arena.memory.buffer.byteLength;
      // Two chunks: the main thread's is inside the memory, the worker's starts past its end.
      const ptr = end - 8192 * 4;
      expect(() => p.run("scale", [ptr, 2, 2 * 8192], 2)).toThrow(
        /kernel scale failed on worker 1: .*out of bounds/,
      );
      const x = arena.f32(2 * 8192);
      x.fill(2);
      p.run("scale", [x.byteOffset, 0.5, x.length], 2);
      expect(x.every((v) => v === 1)).toBe(true);
    } finally {
      p.dispose();
    }
    expect(() => p.run("scale", [0, 1, 1], 1)).toThrow(/disposed/);
    p.dispose(); // idempotent
  });

  it("a process that never calls dispose() still exits (workers are unref'd)", () => {
    const backend = resolve("src/engine/backend.ts");
    const code = `import(${JSON.stringify(backend)}).then(async ({ createOps }) => {
      const ops = await createOps({ threads: 2 });
      const a = ops.alloc(512 * 512);
      ops.sgemm(false, false, 512, 512, 512, 1, a, 512, a, 512, 0, ops.alloc(512 * 512), 512);
      console.log(ops.name);
    });`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wasm .*×2 threads/);
  });
});

describe("createOps", () => {
  it("defaults to the wasm backend and offers the reference", async () => {
    const ops = await createOps({ threads: 1 });
    try {
      expect(ops.name).toMatch(/^wasm /);
      expect(ops.threads).toBe(1);
    } finally {
      ops.dispose();
    }
    const ref = await createOps({ backend: "ref" });
    expect(ref.name).toBe("ts-ref f32");
  });

  it("falls back to the reference with a one-line note when the runtime has no WebAssembly SIMD", async () => {
    const notes: string[] = [];
    const ops = await createOps({ note: (l) => notes.push(l) }, async () => null);
    expect(ops.name).toBe("ts-ref f32");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^note: this runtime has no WebAssembly SIMD; using the plain TypeScript backend/,
    );
  });

  it("the plain-SIMD build (no fused multiply-add) computes the same sgemm to float32 accuracy", async () => {
    const plain = await WasmOps.create({ threads: 2, variant: "simd" });
    expect(plain).not.toBeNull();
    const fast = (await WasmOps.create({ threads: 2 }))!;
    try {
      expect(plain!.name).toBe("wasm simd ×2 threads");
      const [M, N, K] = [70, 90, 300];
      const out: Float32Array[] = [];
      for (const o of [plain!, fast]) {
        const A = randn(o.alloc(M * K), new Rng(1));
        const B = randn(o.alloc(K * N), new Rng(2));
        const C = o.alloc(M * N);
        o.sgemm(false, true, M, N, K, 1, A, K, B, K, 0, C, N);
        out.push(C);
      }
      let worst = 0;
      for (let i = 0; i < M * N; i++) worst = Math.max(worst, Math.abs(out[0][i] - out[1][i]));
      expect(worst).toBeLessThan(1e-4); // |C| ~ sqrt(K) ≈ 17: a few float32 ulps
    } finally {
      plain!.dispose();
      fast.dispose();
    }
  });
});
