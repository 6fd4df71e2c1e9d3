import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Run } from "../src/runs/run.js";
import { RunWriter } from "../src/runs/rundir.js";
import {
  type ChartOptions,
  columns,
  DEFAULT_CHART,
  halfLifeFor,
  runColumns,
  runSeriesJson,
  xRange,
} from "../src/server/chart-data.js";
import { startServer } from "../src/server/index.js";
import { Rng } from "../src/util/rng.js";
import { measure, printHeader, row } from "./lib.js";

/**
 * `npm run bench:serve`: what one chart of a 1M-point series costs the dashboard's server — smoothing over every
 * point, M4 min/max downsampling to the chart's pixel columns, JSON — and how big the payload is, against two
 * peers measured in the same run: sending the full series (no downsampling), and TensorBoard's reservoir of
 * 1000 random points per tag (small and fast, but it drops spikes). Then the same request end to end over HTTP.
 */

const N = 1_000_000;
const WIDTH = 1000;
const SPIKES = 10;

function syntheticRun(n: number): { run: Run; spikeSteps: number[] } {
  const run = Run.imported({ id: "bench", name: "bench", source: { kind: "import" } });
  const s = run.seriesFor("train/loss");
  const rng = new Rng(7);
  const spikeSteps: number[] = [];
  for (let k = 1; k <= SPIKES; k++) spikeSteps.push(Math.round((k * n) / (SPIKES + 1)) + 17);
  const spikes = new Set(spikeSteps);
  for (let i = 1; i <= n; i++) {
    const base = 2.2 + 8 / (1 + Math.sqrt(i / 100));
    s.push({
      step: i,
      value: base + 0.08 * rng.normal() + (spikes.has(i) ? 3 : 0),
      wall_time: 1.7e9 + i * 0.2,
    });
  }
  return { run, spikeSteps };
}

/** TensorBoard's scalar reservoir (data_ingester.py: 1000 per tag): uniform reservoir sampling, last point kept. */
function reservoir(n: number, k: number, rng: Rng): number[] {
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    if (keep.length < k) keep.push(i);
    else {
      const j = rng.int(i + 1);
      if (j < k) keep[j] = i;
    }
  }
  keep.sort((a, b) => a - b);
  if (keep[keep.length - 1] !== n - 1) keep[keep.length - 1] = n - 1;
  return keep;
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
      });
      res.on("end", () => resolve(bytes));
    })
      .on("error", reject)
      .end();
  });
}

export async function benchServe(): Promise<void> {
  printHeader(`serve: one chart of a ${N.toLocaleString("en-US")}-point series, ${WIDTH} px wide`);
  const { run, spikeSteps } = syntheticRun(N);
  const series = run.get("train/loss");
  if (!series) throw new Error("no series");
  console.log(
    row(["what", "time per chart", "payload", "points sent", `spikes kept (of ${SPIKES})`, "clean samples"]),
  );
  console.log(row(["---", "---", "---", "---", "---", "---"]));
  const kept = (json: string) => {
    const doc = JSON.parse(json) as { x: number[] }[];
    const xs = new Set(doc[0].x);
    return { points: doc[0].x.length, spikes: spikeSteps.filter((s) => xs.has(s)).length };
  };
  for (const smooth of ["density", "tb", "none"] as const) {
    const opts: ChartOptions = { ...DEFAULT_CHART, width: WIDTH, smooth };
    let json = "";
    const m = await measure(
      () => {
        const cols = runColumns(run, ["train/loss"], opts, 0);
        const h = halfLifeFor(opts.weight, xRange([...cols.values()]));
        json = runSeriesJson(["train/loss"], opts, h, cols);
      },
      { n: 5, warmup: 1 },
    );
    const k = kept(json);
    console.log(
      row([
        `plateau: ${smooth === "none" ? "no smoothing" : smooth === "tb" ? "TensorBoard EMA" : "density EMA"} + M4`,
        `${(m.median_s * 1000).toFixed(1)} ms`,
        `${(json.length / 1024).toFixed(0)} KiB`,
        k.points.toLocaleString("en-US"),
        k.spikes,
        m.clean,
      ]),
    );
  }
  // peer 1: the full series as JSON (what a server that does not downsample sends and the browser must parse)
  let full = "";
  const mf = await measure(
    () => {
      const c = columns(series, "step", false, 0);
      full = JSON.stringify({ x: Array.from(c.x), y: Array.from(c.y) });
    },
    { n: 3, warmup: 1 },
  );
  console.log(
    row([
      "peer: full series as JSON",
      `${(mf.median_s * 1000).toFixed(1)} ms`,
      `${(full.length / 1024).toFixed(0)} KiB`,
      N.toLocaleString("en-US"),
      SPIKES,
      mf.clean,
    ]),
  );
  // peer 2: TensorBoard's 1000-point reservoir
  let res: number[] = [];
  const rng = new Rng(1);
  const mr = await measure(
    () => {
      res = reservoir(N, 1000, rng);
      JSON.stringify({ x: res.map((i) => series.step[i]), y: res.map((i) => series.value[i]) });
    },
    { n: 3, warmup: 1 },
  );
  const resSteps = new Set(res.map((i) => series.step[i]));
  console.log(
    row([
      "peer: TensorBoard reservoir (1000 random points)",
      `${(mr.median_s * 1000).toFixed(1)} ms`,
      `${((res.length * 22) / 1024).toFixed(0)} KiB`,
      res.length.toLocaleString("en-US"),
      spikeSteps.filter((s) => resSteps.has(s)).length,
      mr.clean,
    ]),
  );

  // end to end: the same chart through plateau serve (run directory on disk, read once, then per request)
  const root = mkdtempSync(join(tmpdir(), "plateau-bench-serve-"));
  try {
    const w = RunWriter.create(join(root, "big"), { id: "big", name: "big" });
    for (let i = 0; i < N; i++)
      w.log(series.step[i], { "train/loss": series.value[i] }, { wall_time: series.wallTime[i] });
    w.finish("completed");
    const server = await startServer({ root, port: 0, log: () => {} });
    try {
      const path = `/api/series?run=big&name=train/loss&width=${WIDTH}&smooth=density`;
      // the first chart of a run nobody opened yet: metrics.jsonl is read, then the chart computed; meanwhile the
      // event loop's longest stall is what every other request (run list, live streams, files) had to wait
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      // the histogram records the gap between two of its timer's ticks: let it tick before the loop may stall
      await new Promise((r) => setTimeout(r, 50));
      const first = await measure(() => get(server.port, path), { n: 1, warmup: 0 });
      // the sampling timer of a loop that was held the whole time fires late, after the response: let it record
      await new Promise((r) => setTimeout(r, 50));
      delay.disable();
      let bytes = 0;
      const m = await measure(
        async () => {
          bytes = await get(server.port, path);
        },
        { n: 5, warmup: 1 },
      );
      console.log(
        row([
          "HTTP: first chart of the run (reads metrics.jsonl)",
          `${(first.median_s * 1000).toFixed(0)} ms`,
          "",
          "",
          "",
          first.clean,
        ]),
      );
      console.log(
        row([
          "  longest event-loop stall during that first chart",
          `${(delay.max / 1e6).toFixed(0)} ms`,
          "",
          "",
          "",
          "",
        ]),
      );
      console.log(
        row([
          "HTTP: GET /api/series (density EMA + M4), warm",
          `${(m.median_s * 1000).toFixed(1)} ms`,
          `${(bytes / 1024).toFixed(0)} KiB`,
          "",
          "",
          m.clean,
        ]),
      );
    } finally {
      await server.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchServe();
