import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createOps } from "../src/engine/backend.js";
import { preset } from "../src/engine/config.js";
import { estimateModel, probeGemmGflops } from "../src/engine/estimate.js";
import { Qwen2Model } from "../src/engine/model.js";
import type { Ops } from "../src/engine/ops.js";
import { createOptimizer } from "../src/train/optim/index.js";
import { trainStep } from "../src/train/step.js";
import { Rng } from "../src/util/rng.js";
import { measure, printHeader, row } from "./lib.js";

/**
 * `npm run bench:engine`: training throughput of the standard bench model (Qwen2, vocab 8192, hidden 256,
 * 4 layers, 4/2 heads × 64, SwiGLU 704, tied; batch 8 × 256 = 2,048 tokens/step; AdamW) on the engine, with
 * tokens/s and MFU against the machine's fp32 peak, the time of each op in one step, and the PyTorch peer
 * (torch_qwen2_bench.py, the same model and step) measured in the same run, as a ratio. Then the kernels'
 * own benchmark (bench/engine-kernels.ts) when present.
 *
 * Environment: PLATEAU_BENCH_STEPS (timed steps, default 6), PLATEAU_BENCH_THREADS (default: all cores),
 * PLATEAU_BENCH_ENGINE_ONLY=1 (skip the kernels' benchmark),
 * PLATEAU_TORCH_BENCH (path of torch_qwen2_bench.py), PLATEAU_PEAK_GFLOPS (default 201.6: 2 Zen3 cores ×
 * 32 FLOP/cycle × 3.15 GHz, measured; see the engine notes).
 */
const PYTHON = "/usr/bin/python3";
const PEAK = Number(process.env.PLATEAU_PEAK_GFLOPS ?? 201.6);
const B = 8;
const T = 256;

/** Wrap every method of an Ops so that, while `timing.on`, the wall time of each op is accumulated by name. */
function timedOps(ops: Ops, times: Map<string, number>, timing: { on: boolean }): Ops {
  return new Proxy(ops, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function" || prop === "alloc" || prop === "allocInt") return v;
      return (...args: unknown[]) => {
        if (!timing.on) return (v as (...a: unknown[]) => unknown).apply(target, args);
        const t0 = performance.now();
        const r = (v as (...a: unknown[]) => unknown).apply(target, args);
        const name =
          String(prop) === "sgemm" ? `sgemm ${args[0] ? "T" : "N"}${args[1] ? "T" : "N"}` : String(prop);
        times.set(name, (times.get(name) ?? 0) + performance.now() - t0);
        return r;
      };
    },
  });
}

function torchBenchPath(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.PLATEAU_TORCH_BENCH,
    "/work/shared/bench/torch_qwen2_bench.py",
    join(here, "..", "..", "shared", "bench", "torch_qwen2_bench.py"),
    join(here, "..", "..", "..", "shared", "bench", "torch_qwen2_bench.py"),
  ];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

interface TorchRun {
  tokens_per_s_median: number;
  tokens_per_s_best: number;
  clean_steps: number;
  all_steps: number;
  mfu_vs_peak: number;
}

function runTorch(steps: number): TorchRun | string {
  if (spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status !== 0)
    return "no torch at /usr/bin/python3";
  const script = torchBenchPath();
  if (!script) return "torch_qwen2_bench.py not found (set PLATEAU_TORCH_BENCH)";
  const r = spawnSync(PYTHON, [script, "--steps", String(steps), "--peak-gflops", String(PEAK)], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) return `torch bench failed: ${r.stderr.trim().split("\n").pop()}`;
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as TorchRun;
  } catch {
    return `unexpected torch output: ${last}`;
  }
}

export async function benchEngine(): Promise<void> {
  const steps = Number(process.env.PLATEAU_BENCH_STEPS ?? 6);
  const threads = process.env.PLATEAU_BENCH_THREADS ? Number(process.env.PLATEAU_BENCH_THREADS) : undefined;
  printHeader("engine: training the standard bench model (2,048 tokens/step, AdamW)");
  const config = preset("bench-5m");
  const est = estimateModel(config, B, T);
  const raw = await createOps({ threads });
  const times = new Map<string, number>();
  const timing = { on: false };
  const ops = timedOps(raw, times, timing);
  try {
    const model = new Qwen2Model(ops, config);
    model.initWeights(new Rng(0));
    const opt = createOptimizer(
      { ops, layout: model.layout, params: model.params, grads: model.grads },
      { name: "adamw", weight_decay: 0.1, betas: [0.9, 0.95], eps: 1e-8 },
    );
    // a fresh random batch each step, as the peer does
    const r = new Rng(1);
    const batch = () => {
      const ids = Int32Array.from({ length: B * T }, () => r.int(config.vocab_size));
      const targets = Int32Array.from({ length: B * T }, () => r.int(config.vocab_size));
      return { ids, targets, B, T };
    };
    let loss = 0;
    const m = await measure(
      () => {
        loss = trainStep(model, opt, [batch()], 1e-3, 0).loss;
      },
      { n: steps, warmup: 2 },
    );
    const tps = (B * T) / m.median_s;
    const gflops = (tps * est.flops_per_token.total) / 1e9;
    // one more step with every op timed, for the breakdown
    const b = batch();
    timing.on = true;
    const t0 = performance.now();
    trainStep(model, opt, [b], 1e-3, 0);
    const stepMs = performance.now() - t0;
    timing.on = false;

    // the sgemm probe plateau model estimate uses: end-to-end / probe is its END_TO_END_EFFICIENCY
    const probe = probeGemmGflops(raw, config, 0.5);
    const torch = runTorch(Math.max(4, steps));
    console.log(`\nbackend ${raw.name}; loss after the timed steps ${loss.toFixed(3)}`);
    console.log(row(["engine", "tokens/s (median)", "best", "s/step", "GFLOP/s", "MFU", "clean samples"]));
    console.log(row(["---", "---", "---", "---", "---", "---", "---"]));
    console.log(
      row([
        "plateau",
        Math.round(tps),
        Math.round((B * T) / m.best_s),
        m.median_s.toFixed(3),
        gflops.toFixed(1),
        `${((gflops / PEAK) * 100).toFixed(1)}%`,
        `${m.clean}/${m.samples.length}`,
      ]),
    );
    if (typeof torch === "string") console.log(`\n(PyTorch peer not measured: ${torch})`);
    else {
      console.log(
        row([
          "PyTorch 1.13 (peer)",
          torch.tokens_per_s_median,
          torch.tokens_per_s_best,
          ((B * T) / torch.tokens_per_s_median).toFixed(3),
          ((torch.tokens_per_s_median * est.flops_per_token.total) / 1e9).toFixed(1),
          `${(torch.mfu_vs_peak * 100).toFixed(1)}%`,
          `${torch.clean_steps}/${torch.all_steps}`,
        ]),
      );
      console.log(`\n**ratio plateau / PyTorch: ${(tps / torch.tokens_per_s_median).toFixed(2)}×**`);
    }
    console.log(
      `\nsgemm probe (256×256 · 256×704ᵀ): ${probe.toFixed(1)} GFLOP/s; end-to-end / probe = ${(gflops / probe).toFixed(2)} (END_TO_END_EFFICIENCY of plateau model estimate)`,
    );
    console.log(`\nTime per op in one step (${stepMs.toFixed(0)} ms through the timing proxy):\n`);
    console.log(row(["op", "ms", "share"]));
    console.log(row(["---", "---", "---"]));
    let opsMs = 0;
    for (const ms of times.values()) opsMs += ms;
    times.set("(outside ops: model and optimizer glue)", stepMs - opsMs);
    for (const [name, ms] of [...times].sort((x, y) => y[1] - x[1]))
      console.log(row([name, ms.toFixed(1), `${((ms / stepMs) * 100).toFixed(1)}%`]));
  } finally {
    raw.dispose();
  }
  // the kernels' own benchmark (sgemm shapes × variants × threads, ops vs torch), when it is in the tree
  if (process.env.PLATEAU_BENCH_ENGINE_ONLY) return;
  const kernels = join(dirname(fileURLToPath(import.meta.url)), "engine-kernels.js");
  const kernelsTs = kernels.replace(/\.js$/, ".ts");
  if (existsSync(kernels) || existsSync(kernelsTs)) {
    const mod = (await import(pathToFileURL(existsSync(kernels) ? kernels : kernelsTs).href)) as {
      benchKernels?: () => Promise<void>;
    };
    await mod.benchKernels?.();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchEngine();
