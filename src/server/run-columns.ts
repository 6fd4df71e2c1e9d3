import { Run } from "../runs/run.js";
import type { RunEvent, RunManifest } from "../runs/types.js";

/**
 * A run as flat Float64Array columns, the form in which runs cross between the server and its worker threads:
 * the buffers are transferred (moved, not copied), so a million-point series costs no structured clone.
 */

export interface SeriesColumns {
  name: string;
  step: Float64Array;
  value: Float64Array;
  wallTime: Float64Array;
  tokens: Float64Array;
  epoch: Float64Array;
}

export interface RunColumns {
  manifest: RunManifest;
  series: SeriesColumns[];
  events: RunEvent[];
}

/** The run's series as columns, and the buffers to list in postMessage's transfer list. */
export function runToColumns(run: Run): { series: SeriesColumns[]; transfer: ArrayBuffer[] } {
  const series: SeriesColumns[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const s of run.series.values()) {
    const c: SeriesColumns = {
      name: s.name,
      step: Float64Array.from(s.step),
      value: Float64Array.from(s.value),
      wallTime: Float64Array.from(s.wallTime),
      tokens: Float64Array.from(s.tokens),
      epoch: Float64Array.from(s.epoch),
    };
    series.push(c);
    for (const col of [c.step, c.value, c.wallTime, c.tokens, c.epoch])
      transfer.push(col.buffer as ArrayBuffer);
  }
  return { series, transfer };
}

/** The Run back from its columns (in a worker, where nothing else waits for the thread). */
export function rebuildRun(cols: RunColumns): Run {
  const run = new Run(cols.manifest);
  for (const c of cols.series) copyPoints(run, c, 0, c.step.length);
  run.events.push(...cols.events);
  return run;
}

/**
 * The same on the server's event loop, letting other requests run every `slice` points (a few ms of copying
 * each), so a million-point run never holds the loop for long.
 */
export async function rebuildRunYielding(cols: RunColumns, slice = 1 << 17): Promise<Run> {
  const run = new Run(cols.manifest);
  for (const c of cols.series) {
    run.seriesFor(c.name); // kept even when empty, as in the reader's Run
    for (let i = 0; i < c.step.length; i += slice) {
      copyPoints(run, c, i, Math.min(c.step.length, i + slice));
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  run.events.push(...cols.events);
  return run;
}

function copyPoints(run: Run, c: SeriesColumns, from: number, to: number): void {
  const s = run.seriesFor(c.name);
  for (let i = from; i < to; i++) {
    s.step.push(c.step[i]);
    s.value.push(c.value[i]);
    s.wallTime.push(c.wallTime[i]);
    s.tokens.push(c.tokens[i]);
    s.epoch.push(c.epoch[i]);
  }
}
