import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

/**
 * Shared benchmark plumbing. This machine is shared and noisy, so every figure is a median of several samples,
 * and each sample records how much CPU *other* processes used while it ran (from /proc/stat minus our own CPU
 * time); samples taken while others were busy are marked, so a reader can discount them.
 */

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memory_gib: number;
  node: string;
  v8: string;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
  };
}

/** Total CPU seconds used by all processes so far (Linux /proc/stat), or NaN elsewhere. */
function systemBusySeconds(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    return busy / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export interface Sample {
  seconds: number;
  /** Average number of cores other processes kept busy during the sample (NaN if unknown). */
  other_cores: number;
}

/** Time fn once, measuring wall time and the load of other processes. Worker threads count as our own. */
export async function sample(fn: () => unknown | Promise<unknown>): Promise<Sample> {
  const sys0 = systemBusySeconds();
  const own0 = ownCpuSeconds();
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const other = (systemBusySeconds() - sys0 - (ownCpuSeconds() - own0)) / seconds;
  return { seconds, other_cores: Math.max(0, other) };
}

export interface Measurement {
  median_s: number;
  best_s: number;
  samples: Sample[];
  /** Samples in which other processes used less than `maxOther` cores. */
  clean: number;
}

/**
 * Run fn `warmup` times untimed, then `n` timed samples; the median is taken over the clean samples when at
 * least half are clean, else over all (and `clean` tells the reader).
 */
export async function measure(
  fn: () => unknown | Promise<unknown>,
  opts: { n?: number; warmup?: number; maxOther?: number } = {},
): Promise<Measurement> {
  const n = opts.n ?? 5;
  const maxOther = opts.maxOther ?? 0.3;
  for (let i = 0; i < (opts.warmup ?? 1); i++) await fn();
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) samples.push(await sample(fn));
  const clean = samples.filter((s) => !(s.other_cores > maxOther));
  const use = clean.length * 2 >= n ? clean : samples;
  const secs = use.map((s) => s.seconds).sort((a, b) => a - b);
  return {
    median_s: secs[Math.floor(secs.length / 2)],
    best_s: secs[0],
    samples,
    clean: clean.length,
  };
}

export function printHeader(title: string): void {
  const m = machineInfo();
  console.log(`\n## ${title}`);
  console.log(
    `${m.date.slice(0, 10)} · ${m.cpu} · ${m.cores} cores · ${m.memory_gib} GiB · Node ${m.node} (V8 ${m.v8})`,
  );
}

export function row(cells: (string | number)[]): string {
  return `| ${cells.join(" | ")} |`;
}
