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
import { type Measurement, printHeader, row, type Sample, sample } from "./lib.js";

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

/** The bench model with AdamW as the peer sets it up, and a fresh random batch per call (as the peer draws). */
function benchModel(ops: Ops, seed: number) {
  const config = preset("bench-5m");
  const model = new Qwen2Model(ops, config);
  model.initWeights(new Rng(0));
  const opt = createOptimizer(
    { ops, layout: model.layout, params: model.params, grads: model.grads },
    { name: "adamw", weight_decay: 0.1, betas: [0.9, 0.95], eps: 1e-8 },
  );
  const r = new Rng(seed);
  const batch = () => ({
    ids: Int32Array.from({ length: B * T }, () => r.int(config.vocab_size)),
    targets: Int32Array.from({ length: B * T }, () => r.int(config.vocab_size)),
    B,
    T,
  });
  return { model, opt, batch };
}

/**
 * One thread each, tokens per CPU-second of the process: a figure a busy machine disturbs far less than wall
 * time (each side is charged only for the CPU it got). PyTorch: OPENBLAS_NUM_THREADS=1, --threads 1, its CPU
 * time from /usr/bin/time minus a zero-step run's (start-up, model build).
 */
async function perCpuSecond(steps: number): Promise<{ plateau: number; torch: number | string }> {
  const ops = await createOps({ threads: 1 });
  let plateau: number;
  try {
    const { model, opt, batch } = benchModel(ops, 2);
    trainStep(model, opt, [batch()], 1e-3, 0);
    const batches = Array.from({ length: steps }, batch);
    const c0 = process.cpuUsage();
    for (const b of batches) trainStep(model, opt, [b], 1e-3, 0);
    const c = process.cpuUsage(c0);
    plateau = (steps * B * T) / ((c.user + c.system) / 1e6);
  } finally {
    ops.dispose();
  }
  const script = torchBenchPath();
  if (!script || !existsSync("/usr/bin/time"))
    return { plateau, torch: "needs the peer script and /usr/bin/time" };
  const cpu = (n: number): number => {
    const p = spawnSync(
      "/usr/bin/time",
      [
        "-f",
        "%U %S",
        PYTHON,
        script,
        "--threads",
        "1",
        "--steps",
        String(n),
        "--warmup",
        "0",
        "--no-wait-quiet",
      ],
      { encoding: "utf8", env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" } },
    );
    const [u, sys] = (p.stderr.trim().split("\n").pop() ?? "").split(" ").map(Number);
    return u + sys;
  };
  const spent = cpu(steps + 1) - cpu(0);
  return { plateau, torch: Number.isFinite(spent) ? ((steps + 1) * B * T) / spent : "torch run failed" };
}

/** Cores busy with other processes over `seconds` (from /proc/stat), NaN where unknown. */
async function otherLoad(seconds: number): Promise<number> {
  return (await sample(() => new Promise((r) => setTimeout(r, seconds * 1000)))).other_cores;
}

/**
 * Like measure(), but before each timed step wait (up to 30 s) for a moment when other processes use < 0.1
 * cores, as the PyTorch peer script does before each of its steps: both sides then get the same chance at
 * a quiet machine.
 */
async function measureWhenQuiet(fn: () => void, n: number): Promise<Measurement> {
  for (let i = 0; i < 2; i++) fn();
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const until = performance.now() + 30_000;
    while (performance.now() < until && !((await otherLoad(0.3)) < 0.1));
    samples.push(await sample(fn));
  }
  const clean = samples.filter((x) => !(x.other_cores > 0.2));
  const use = (clean.length * 2 >= n ? clean : samples).map((x) => x.seconds).sort((a, b) => a - b);
  return { median_s: use[Math.floor(use.length / 2)], best_s: use[0], samples, clean: clean.length };
}

export async function benchEngine(): Promise<void> {
  const steps = Number(process.env.PLATEAU_BENCH_STEPS ?? 6);
  const threads = process.env.PLATEAU_BENCH_THREADS ? Number(process.env.PLATEAU_BENCH_THREADS) : undefined;
  printHeader("engine: training the standard bench model (2,048 tokens/step, AdamW)");
  console.log("(each timed step of both engines waits up to 30 s for other processes to use < 0.1 cores)");
  const config = preset("bench-5m");
  const est = estimateModel(config, B, T);
  const raw = await createOps({ threads });
  const times = new Map<string, number>();
  const timing = { on: false };
  const ops = timedOps(raw, times, timing);
  try {
    const { model, opt, batch } = benchModel(ops, 1);
    let loss = 0;
    const m = await measureWhenQuiet(() => {
      loss = trainStep(model, opt, [batch()], 1e-3, 0).loss;
    }, steps);
    const tps = (B * T) / m.median_s;
    const gflops = (tps * est.flops_per_token.total) / 1e9;
    // one more step with every op timed, for the breakdown
    const b = batch();
    const calmBy = performance.now() + 30_000;
    while (performance.now() < calmBy && !((await otherLoad(0.3)) < 0.1));
    timing.on = true;
    const t0 = performance.now();
    trainStep(model, opt, [b], 1e-3, 0);
    const stepMs = performance.now() - t0;
    timing.on = false;

    // the sgemm probe plateau model estimate uses: end-to-end / probe is its END_TO_END_EFFICIENCY
    const quietBy = performance.now() + 30_000;
    while (performance.now() < quietBy && !((await otherLoad(0.3)) < 0.1));
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
      `\nsgemm probe (1024×256 · 256×704ᵀ): ${probe.toFixed(1)} GFLOP/s; end-to-end / probe = ${(gflops / probe).toFixed(2)} (END_TO_END_EFFICIENCY of plateau model estimate)`,
    );
    if (typeof torch !== "string") {
      const one = await perCpuSecond(Math.max(3, Math.min(steps, 6)));
      console.log(
        "\nOne thread each, tokens per CPU-second (less sensitive to other processes than wall time):\n",
      );
      console.log(row(["engine", "tokens per CPU-second"]));
      console.log(row(["---", "---"]));
      console.log(row(["plateau, 1 thread", Math.round(one.plateau)]));
      console.log(
        row([
          "PyTorch, 1 thread (OPENBLAS_NUM_THREADS=1)",
          typeof one.torch === "string" ? one.torch : Math.round(one.torch),
        ]),
      );
      if (typeof one.torch === "number")
        console.log(`\n**ratio per CPU-second: ${(one.plateau / one.torch).toFixed(2)}×**`);
    }
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
