import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createOps } from "../src/engine/backend.js";
import type { Buf, Ops } from "../src/engine/ops.js";
import { createRefOps } from "../src/engine/ref/index.js";
import { WasmOps } from "../src/engine/wasm/wasm-ops.js";
import { Rng } from "../src/util/rng.js";
import { type Measurement, measure, printHeader, row } from "./lib.js";

/**
 * The engine's kernels: sgemm GFLOP/s per shape × transpose variant × thread count, and time per layer op at the
 * standard bench model's sizes (2,048 tokens, hidden 256, SwiGLU 704, vocab 8192, 4 heads / 2 KV heads of 64),
 * against plain TypeScript (the reference backend) and, when /usr/bin/python3 has torch, PyTorch measured in
 * the same run (OPENBLAS_NUM_THREADS and torch.set_num_threads at the same thread count).
 * PLATEAU_BENCH_NO_TORCH=1 skips the PyTorch side.
 */

const PYTHON = "/usr/bin/python3";
const VARIANTS = ["NN", "NT", "TN"] as const;
type Variant = (typeof VARIANTS)[number];
/** The issue's target shapes: M = 4096, K ∈ {256, 704}, N ∈ {256, 704, 8192}. */
const GEMM_SHAPES: [number, number, number][] = [256, 704].flatMap((K) =>
  [256, 704, 8192].map((N): [number, number, number] => [4096, K, N]),
);

interface TorchResult {
  torch: string;
  threads: number;
  gemm: { M: number; K: number; N: number; variant: Variant; s: number }[];
  ops: Record<string, number>;
}

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

/** The PyTorch half: next to this file under tsx, or in the source tree's bench/ when run from dist/bench/. */
function torchScript(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const name = "engine-kernels-torch.py";
  for (const f of [join(here, name), join(here, "..", "..", "bench", name)]) if (existsSync(f)) return f;
  return null;
}

function runTorch(threads: number, ops: boolean): TorchResult | null {
  const script = torchScript();
  if (!script) return null;
  const spec = { gemm: GEMM_SHAPES, variants: VARIANTS, threads, ops, n: 3 };
  const r = spawnSync(PYTHON, [script], {
    input: JSON.stringify(spec),
    encoding: "utf8",
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
    maxBuffer: 1 << 24,
  });
  if (r.status === 0) return JSON.parse(r.stdout) as TorchResult;
  console.log(`(torch failed: ${r.stderr.trim().split("\n").pop()})`);
  return null;
}

const gflops = (flop: number, s: number): string => (flop / s / 1e9).toFixed(1);
const ms = (s: number): string => (s * 1e3).toFixed(s < 0.01 ? 2 : 1);
/** "clean/total" samples: how many ran while other processes used < 0.3 cores. */
const clean = (m: Measurement): string => `${m.clean}/${m.samples.length}`;
const otherLoad = (ms: Measurement[]): number => {
  const all = ms.flatMap((m) => m.samples.map((s) => s.other_cores));
  return all.reduce((a, b) => a + b, 0) / Math.max(all.length, 1);
};

/** measure() plus the median process CPU time of the timed samples (all our threads; Atomics.wait is not CPU). */
interface Timed extends Measurement {
  cpu_s: number;
}

async function timed(fn: () => unknown, n: number, warmup: number): Promise<Timed> {
  const cpu: number[] = [];
  const m = await measure(
    () => {
      const c0 = process.cpuUsage();
      fn();
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1e6);
    },
    { n, warmup },
  );
  const own = cpu.slice(warmup).sort((a, b) => a - b);
  return { ...m, cpu_s: own[Math.floor(own.length / 2)] };
}

function fill(buf: Buf, rng: Rng, s = 1): void {
  for (let i = 0; i < buf.length; i++) buf[i] = rng.normal() * s;
}

/** sgemm GFLOP/s for every target shape and variant on one backend. */
async function benchGemm(ops: Ops): Promise<Map<string, Timed>> {
  const maxM = 4096;
  const maxK = 704;
  const maxN = 8192;
  const rng = new Rng(1);
  const A = ops.alloc(maxM * maxK);
  const B = ops.alloc(maxK * maxN);
  const C = ops.alloc(maxM * maxN);
  fill(A, rng);
  fill(B, rng);
  const out = new Map<string, Timed>();
  for (const [M, K, N] of GEMM_SHAPES) {
    for (const v of VARIANTS) {
      const tA = v[0] === "T";
      const tB = v[1] === "T";
      const m = await timed(() => ops.sgemm(tA, tB, M, N, K, 1, A, tA ? M : K, B, tB ? K : N, 0, C, N), 3, 1);
      out.set(`${M},${K},${N},${v}`, m);
    }
  }
  return out;
}

interface OpCase {
  name: string;
  /** Builds the buffers on `ops` and returns the timed call. */
  make: (ops: Ops) => () => void;
}

// The standard bench model's per-step sizes.
const NT = 2048;
const HID = 256;
const FF = 704;
const VOCAB = 8192;
const [BB, TT, HH, KVH, DD] = [8, 256, 4, 2, 64];
const PARAMS = 5_050_624;

function opCases(): OpCase[] {
  const rng = new Rng(2);
  const buf = (ops: Ops, n: number, s = 1): Buf => {
    const b = ops.alloc(n);
    fill(b, rng, s);
    return b;
  };
  const ints = (ops: Ops, n: number, max: number): Int32Array => {
    const b = ops.allocInt(n);
    for (let i = 0; i < n; i++) b[i] = rng.int(max);
    return b;
  };
  return [
    {
      name: "cross-entropy fwd+bwd 2048×8192",
      make: (ops) => {
        const logits = buf(ops, NT * VOCAB, 2);
        const dl = ops.alloc(NT * VOCAB);
        const t = ints(ops, NT, VOCAB);
        return () => ops.crossEntropy(logits, t, NT, VOCAB, dl, 1 / NT);
      },
    },
    {
      name: "swiglu fwd+bwd 2048×704",
      make: (ops) => {
        const [g, u, d] = [buf(ops, NT * FF), buf(ops, NT * FF), buf(ops, NT * FF)];
        const [o, dg, du] = [ops.alloc(NT * FF), ops.alloc(NT * FF), ops.alloc(NT * FF)];
        return () => {
          ops.swigluForward(g, u, o, NT * FF);
          ops.swigluBackward(g, u, d, dg, du, NT * FF);
        };
      },
    },
    {
      name: "rmsnorm fwd+bwd 2048×256",
      make: (ops) => {
        const [x, dy, dx] = [buf(ops, NT * HID), buf(ops, NT * HID), ops.alloc(NT * HID)];
        const w = buf(ops, HID);
        const [y, r, dw] = [ops.alloc(NT * HID), ops.alloc(NT), ops.alloc(HID)];
        return () => {
          ops.rmsnormForward(x, w, 1e-6, y, r, NT, HID);
          ops.rmsnormBackward(x, w, r, dy, dx, dw, NT, HID);
        };
      },
    },
    {
      name: "attention fwd+bwd B8 T256 H4 KV2 D64",
      make: (ops) => {
        const N = BB * TT;
        const [q, k, v] = [buf(ops, N * HH * DD), buf(ops, N * KVH * DD), buf(ops, N * KVH * DD)];
        const att = ops.alloc(BB * HH * TT * TT);
        const [out, dout] = [ops.alloc(N * HH * DD), buf(ops, N * HH * DD)];
        const [dq, dk, dv] = [ops.alloc(N * HH * DD), ops.alloc(N * KVH * DD), ops.alloc(N * KVH * DD)];
        return () => {
          ops.attentionForward(q, k, v, att, out, BB, TT, HH, KVH, DD, 0.125);
          ops.attentionBackward(q, k, v, att, dout, dq, dk, dv, BB, TT, HH, KVH, DD, 0.125);
        };
      },
    },
    {
      name: "adamw 5,050,624 params",
      make: (ops) => {
        const [p, g] = [buf(ops, PARAMS), buf(ops, PARAMS)];
        const [m, v] = [ops.alloc(PARAMS), ops.alloc(PARAMS)];
        let step = 0;
        return () => ops.adamw(p, g, m, v, PARAMS, 1e-3, 0.9, 0.95, 1e-8, 0.1, ++step);
      },
    },
    {
      name: "rope q+k fwd 2048 × (4+2) heads × 64",
      make: (ops) => {
        const [q, k] = [buf(ops, NT * HH * DD), buf(ops, NT * KVH * DD)];
        const [cos, sin] = [buf(ops, TT * (DD / 2)), buf(ops, TT * (DD / 2))];
        const pos = ops.allocInt(NT);
        for (let i = 0; i < NT; i++) pos[i] = i % TT;
        return () => {
          ops.rope(q, pos, cos, sin, NT, HH, DD, false);
          ops.rope(k, pos, cos, sin, NT, KVH, DD, false);
        };
      },
    },
    {
      name: "embedding fwd+bwd 2048 × 256 of 8192",
      make: (ops) => {
        const ids = ints(ops, NT, VOCAB);
        const [table, dtable] = [buf(ops, VOCAB * HID), ops.alloc(VOCAB * HID)];
        const [out, dout] = [ops.alloc(NT * HID), buf(ops, NT * HID)];
        return () => {
          ops.embeddingForward(ids, table, out, NT, HID);
          ops.embeddingBackward(ids, dout, dtable, NT, HID);
        };
      },
    },
    {
      name: "bias add + grad 2048×704",
      make: (ops) => {
        const [y, b, db] = [buf(ops, NT * FF), buf(ops, FF), ops.alloc(FF)];
        return () => {
          ops.addBias(y, b, NT, FF);
          ops.biasGrad(y, db, NT, FF);
        };
      },
    },
    {
      name: "sumSquares 5,050,624",
      make: (ops) => {
        const g = buf(ops, PARAMS);
        return () => ops.sumSquares(g, PARAMS);
      },
    },
  ];
}

export async function benchKernels(): Promise<void> {
  printHeader("engine kernels: sgemm GFLOP/s and time per op");
  const withTorch = !process.env.PLATEAU_BENCH_NO_TORCH && torchAvailable();
  const wasm = new Map<number, Map<string, Timed>>();
  const opTimes = new Map<string, Map<string, Measurement>>();
  const all: Measurement[] = [];
  let wasmName = "";
  /** The micro-kernel's own rate (L1-resident, all threads at once) before and after the sgemm table. */
  const ceiling = new Map<number, [number, number]>();
  for (const threads of [1, 2]) {
    const ops = await createOps({ threads });
    wasmName = ops.name.replace(/ ×.*/, "");
    try {
      const peak = () => (ops instanceof WasmOps ? ops.microKernelGflops(0.3) : Number.NaN);
      peak();
      const before = peak();
      const g = await benchGemm(ops);
      ceiling.set(threads, [before, peak()]);
      wasm.set(threads, g);
      all.push(...g.values());
      for (const c of opCases()) {
        const m = await measure(c.make(ops), { n: 5, warmup: 1 });
        all.push(m);
        if (!opTimes.has(c.name)) opTimes.set(c.name, new Map());
        opTimes.get(c.name)!.set(`wasm ${threads}t`, m);
      }
    } finally {
      ops.dispose();
    }
  }
  const ref = createRefOps("f32");
  for (const c of opCases()) opTimes.get(c.name)!.set("ref", await measure(c.make(ref), { n: 1, warmup: 0 }));
  const torch = new Map<number, TorchResult>();
  if (withTorch)
    for (const t of [1, 2]) {
      const r = runTorch(t, t === 2);
      if (r) torch.set(t, r);
    }

  console.log(
    `\nBackend: ${wasmName}. Other processes kept ${otherLoad(all).toFixed(2)} cores busy on average while the WASM figures were taken${withTorch ? `; torch ${torch.get(2)?.torch ?? "?"} ran right after` : "; torch not available"}.\n`,
  );
  const ceil = (t: number) =>
    ceiling
      .get(t)!
      .map((x) => x.toFixed(1))
      .join(" → ");
  console.log(
    "GFLOP/s by wall clock (median of 3; best in brackets), and per CPU second of our own threads (what one core\n" +
      "delivers while it runs us: the figure that survives other processes' load). The 5×8 micro-kernel alone on\n" +
      `L1-resident data, before → after the table: ${ceil(1)} (1 thread), ${ceil(2)} (2 threads) — the ceiling\n` +
      "the machine gave the kernels during the run.\n",
  );
  console.log(
    row([
      "M, K, N",
      "variant",
      "wasm 1 thread",
      "wasm 2 threads",
      "per CPU-s (1 / 2 threads)",
      "torch 1",
      "torch 2",
      "wasm/torch (2)",
      "clean",
    ]),
  );
  console.log(row(["---", "---", "---", "---", "---", "---", "---", "---", "---"]));
  for (const [M, K, N] of GEMM_SHAPES) {
    const flop = 2 * M * N * K;
    for (const v of VARIANTS) {
      const key = `${M},${K},${N},${v}`;
      const w1 = wasm.get(1)!.get(key)!;
      const w2 = wasm.get(2)!.get(key)!;
      const tq = (t: number) =>
        torch.get(t)?.gemm.find((g) => g.M === M && g.K === K && g.N === N && g.variant === v);
      const [t1, t2] = [tq(1), tq(2)];
      console.log(
        row([
          `${M}, ${K}, ${N}`,
          v,
          `${gflops(flop, w1.median_s)} (${gflops(flop, w1.best_s)})`,
          `**${gflops(flop, w2.median_s)}** (${gflops(flop, w2.best_s)})`,
          `${gflops(flop, w1.cpu_s)} / ${gflops(flop, w2.cpu_s)}`,
          t1 ? gflops(flop, t1.s) : "–",
          t2 ? gflops(flop, t2.s) : "–",
          t2 ? (t2.s / w2.median_s).toFixed(2) : "–",
          `${clean(w1)}, ${clean(w2)}`,
        ]),
      );
    }
  }
  console.log("");
  console.log(
    row(["op (bench model sizes)", "wasm 1 thread", "wasm 2 threads", "plain TS (ref)", "torch 2", "clean"]),
  );
  console.log(row(["---", "---", "---", "---", "---", "---"]));
  for (const [name, m] of opTimes) {
    const t = torch.get(2)?.ops[name];
    const w1 = m.get("wasm 1t")!;
    const w2 = m.get("wasm 2t")!;
    console.log(
      row([
        name,
        `${ms(w1.median_s)} ms`,
        `**${ms(w2.median_s)} ms**`,
        `${ms(m.get("ref")!.median_s)} ms`,
        t !== undefined ? `${ms(t)} ms` : "–",
        `${clean(w1)}, ${clean(w2)}`,
      ]),
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchKernels();
