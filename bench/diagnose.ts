import { tensorboardEma } from "../src/curves/ema.js";
import { FULL_GRID, runBenchmark } from "../src/diagnose/benchmark.js";
import { diagnoseRun } from "../src/diagnose/diagnose.js";
import { syntheticRun } from "../src/diagnose/synthetic.js";
import { diagnosisReportHtml } from "../src/report/diagnosis-report.js";
import { measure, printHeader, row } from "./lib.js";

/**
 * Two things: the labelled benchmark over the full grid (every scenario × lengths × logging intervals × noise ×
 * seeds) as a detection table, and the time `diagnose` takes on a 1M-point run (1M steps logged every step:
 * train loss, LR and grad norm), with the report's HTML. The peer is one pass of TensorBoard's EMA over the same
 * million points — the least any tool that draws a smoothed curve must spend — so the ratio says how many such
 * passes the whole diagnosis costs.
 *
 *   npm run bench:diagnose            full grid + 1M-point timing
 *   BENCH_DIAGNOSE_QUICK=1 …          lengths 2k and 20k only
 */
export async function benchDiagnose(): Promise<void> {
  printHeader("diagnose: labelled synthetic benchmark and the time on a 1M-point run");
  const quick = process.env.BENCH_DIAGNOSE_QUICK === "1";
  const grid = quick ? { ...FULL_GRID, steps: [2_000, 20_000] } : FULL_GRID;
  const t0 = performance.now();
  const r = runBenchmark(grid);
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `\n${r.cases.length} runs (steps ${grid.steps.join("/")}, logged every ${grid.logEvery.join("/")} steps when that leaves ≥ 100 points, per-step noise σ ${grid.noise.join("/")}, seeds ${grid.seeds.join("/")}) in ${seconds.toFixed(0)} s`,
  );
  console.log(
    `labelled findings found: ${r.found}/${r.labels} = ${((100 * r.found) / r.labels).toFixed(1)}%; forbidden alarms on runs that must not raise them: ${r.falseAlarms}\n`,
  );
  console.log(row(["rule", "found", "labels", "rate"]));
  console.log(row(["---", "---", "---", "---"]));
  for (const [rule, v] of [...r.byRule].sort((a, b) => a[0].localeCompare(b[0]))) {
    console.log(row([rule, v.found, v.labels, `${((100 * v.found) / v.labels).toFixed(1)}%`]));
  }
  const noises = grid.noise;
  console.log(`\n${row(["scenario", ...noises.map((n) => `σ ${n}`), "false alarms"])}`);
  console.log(row(["---", ...noises.map(() => "---"), "---"]));
  const scenarios = [...new Set(r.cases.map((c) => c.scenario))];
  for (const sc of scenarios) {
    const cells = noises.map((n) => {
      const v = r.byScenarioNoise.get(`${sc}|${n}`);
      return v && v.labels > 0 ? `${v.found}/${v.labels}` : "—";
    });
    const fa = noises.reduce((s, n) => s + (r.byScenarioNoise.get(`${sc}|${n}`)?.falseAlarms ?? 0), 0);
    console.log(row([sc, ...cells, fa]));
  }
  const missed = r.cases.filter((c) => c.labels.some((l) => !l.found) || c.falseAlarms.length);
  if (missed.length) {
    console.log("\nmissed or false:");
    for (const c of missed.slice(0, 40)) {
      const m = c.labels.filter((l) => !l.found).map((l) => l.rule);
      console.log(
        `  ${c.scenario} seed ${c.seed}, ${c.steps} steps every ${c.logEvery}, σ ${c.noise}: missed [${m.join(", ")}]${c.falseAlarms.length ? ` false [${c.falseAlarms.join(", ")}]` : ""}`,
      );
    }
  }

  // --- the time on a 1M-point run -----------------------------------------------------------------------------
  const big = syntheticRun({ scenario: "lr-too-high", seed: 0, steps: 1_000_000, logEvery: 1, noise: 0.08 });
  const loss = big.run.get("train/loss");
  if (!loss) throw new Error("no loss");
  const ema = await measure(() => tensorboardEma(loss.value, 0.6), { n: 5, warmup: 1 });
  const diag = await measure(() => diagnoseRun(big.run), { n: 3, warmup: 1 });
  const d = diagnoseRun(big.run);
  const rep = await measure(() => diagnosisReportHtml([d]), { n: 3, warmup: 1 });
  const html = diagnosisReportHtml([d]);
  console.log(
    `\n${row(["1M-point run (train loss, LR, grad norm)", "median", "clean samples", "vs one TB-EMA pass"])}`,
  );
  console.log(row(["---", "---", "---", "---"]));
  console.log(
    row(["TensorBoard EMA over the loss (peer)", `${(ema.median_s * 1000).toFixed(1)} ms`, ema.clean, "1×"]),
  );
  console.log(
    row([
      `diagnoseRun: ${d.findings.length} findings (${d.findings.map((f) => f.rule).join(", ")})`,
      `${diag.median_s.toFixed(2)} s`,
      diag.clean,
      `${(diag.median_s / ema.median_s).toFixed(0)}×`,
    ]),
  );
  console.log(
    row([
      `report.html (${(html.length / 1e6).toFixed(2)} MB, M4 to 1000 px)`,
      `${rep.median_s.toFixed(2)} s`,
      rep.clean,
      `${(rep.median_s / ema.median_s).toFixed(0)}×`,
    ]),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDiagnose();
