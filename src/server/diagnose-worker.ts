import { parentPort } from "node:worker_threads";
import { diagnoseRun, type RunDiagnosis } from "../diagnose/diagnose.js";
import type { ChartLine, ChartMarker, ChartSeries } from "../report/chart-spec.js";
import { diagnosisReportHtml } from "../report/diagnosis-report.js";
import { runChartSpecs } from "../report/run-charts.js";
import { type RunColumns, rebuildRun } from "./run-columns.js";

/**
 * The diagnosis worker: the rules take seconds on a million-point run, which must not stall the server's event
 * loop (live streams, chart requests). The server sends a run as flat columns (transferred, not copied), this
 * thread rebuilds the Run, diagnoses it and answers with the findings and hypotheses, plus what the diagnosis
 * report (src/report) marks on its charts — or, when asked, that whole self-contained report.
 */

/**
 * The diagnosis report's chart annotations, for the dashboard to draw over its own (live, re-smoothable) charts:
 * spikes, change points and the first NaN on the loss, ln V and the unigram entropy, the power-law fit and its
 * projection, the loss range without the initial descent; the warmup end on the LR; coupled grad-norm spikes.
 * All x values are steps.
 */
export interface Overlays {
  loss?: { markers: ChartMarker[]; lines: ChartLine[]; fit: ChartSeries[]; yRange?: [number, number] };
  lr?: { markers: ChartMarker[] };
  grad?: { markers: ChartMarker[]; logY: boolean };
}

function overlaysOf(d: RunDiagnosis): Overlays {
  const out: Overlays = {};
  let specs: ReturnType<typeof runChartSpecs>;
  try {
    specs = runChartSpecs(d, { idPrefix: "o", width: 1000 });
  } catch {
    // annotations are extras: the findings and hypotheses still go out without them
    return out;
  }
  for (const spec of specs) {
    if (spec.id === "o-loss")
      out.loss = {
        markers: spec.markers ?? [],
        lines: spec.lines ?? [],
        // the dashed series are the fit and its projection; the data series the dashboard draws itself
        fit: spec.series.filter((x) => x.dash),
        yRange: spec.yRange,
      };
    else if (spec.id === "o-lr") out.lr = { markers: spec.markers ?? [] };
    else if (spec.id === "o-grad") out.grad = { markers: spec.markers ?? [], logY: Boolean(spec.logY) };
  }
  return out;
}

export interface DiagnoseRequest extends RunColumns {
  seq: number;
  /** `diagnose`: findings, hypotheses, overlays. `report`: the self-contained HTML report. */
  kind: "diagnose" | "report";
  /** plateau's version, for the report's footer. */
  version?: string;
  /** plateau commands this build has (for the hypotheses' next steps). */
  commands: string[];
}

parentPort?.on("message", (req: DiagnoseRequest) => {
  try {
    const run = rebuildRun(req);
    const t0 = performance.now();
    const d = diagnoseRun(run, {
      available: (command) => req.commands.includes(command.trim().split(/\s+/)[1] ?? ""),
    });
    if (req.kind === "report") {
      const html = diagnosisReportHtml([d], { version: req.version });
      parentPort?.postMessage({ seq: req.seq, html, ms: performance.now() - t0 });
      return;
    }
    parentPort?.postMessage({
      seq: req.seq,
      findings: d.findings,
      hypotheses: d.hypotheses,
      overlays: overlaysOf(d),
      ms: performance.now() - t0,
    });
  } catch (err) {
    parentPort?.postMessage({ seq: req.seq, error: (err as Error)?.message ?? String(err) });
  }
});
