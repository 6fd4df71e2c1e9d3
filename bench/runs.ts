import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunWriter, readRunDir } from "../src/runs/rundir.js";
import { measure, printHeader, row } from "./lib.js";

/**
 * The run directory's cost: how long a flushed metrics line takes (the trainer pays it every step) and how fast
 * a long run reads back.
 */
export async function benchRuns(): Promise<void> {
  printHeader("runs: metrics.jsonl append and read-back");
  const root = mkdtempSync(join(tmpdir(), "plateau-bench-runs-"));
  try {
    const steps = 200_000;
    let k = 0;
    const write = await measure(
      () => {
        const w = RunWriter.create(join(root, `w${k++}`), { id: "bench", name: "bench" });
        for (let s = 0; s < steps; s++) {
          w.log(
            s,
            { "train/loss": 3 + Math.sin(s), "train/lr": 3e-4, "train/grad_norm": 1.1 },
            { tokens: s * 2048 },
          );
        }
        w.finish("completed");
      },
      { n: 3, warmup: 0 },
    );
    const read = await measure(() => readRunDir(join(root, "w0")), { n: 3, warmup: 1 });
    console.log(row(["what", "figure", "clean samples"]));
    console.log(row(["---", "---", "---"]));
    console.log(
      row([
        "append (3 series/line, flushed)",
        `${((write.median_s / steps) * 1e6).toFixed(2)} µs/step`,
        write.clean,
      ]),
    );
    console.log(
      row([
        "read back 200k steps × 3 series",
        `${(steps / read.median_s / 1e6).toFixed(2)} M lines/s`,
        read.clean,
      ]),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRuns();
