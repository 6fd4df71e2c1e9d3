import { createHash } from "node:crypto";
import { Run } from "../runs/run.js";
import type { Series } from "../runs/series.js";
import type { Point, RunEvent, RunFacts } from "../runs/types.js";
import { mergeFacts } from "./facts/merge.js";
import type { IngestProblem, LogFormat } from "./types.js";

/** A stable run id for an import: the same path (and run name within it) always gives the same id. */
export function importId(path: string, name: string): string {
  const h = createHash("sha1").update(`${path}\0${name}`).digest("hex").slice(0, 8);
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `import-${slug || "run"}-${h}`;
}

type Extra = Omit<Point, "step" | "value">;

function finiteOrNaN(x: number | undefined): number {
  return x !== undefined && Number.isFinite(x) ? x : Number.NaN;
}

/**
 * Collects what a parser reads into a Run. A point whose step goes backwards in its series means the job was
 * restarted from an earlier checkpoint (logs appended by the restarted process, or a new event file): as
 * TensorBoard does, the earlier process's points from that step on are dropped, and a `resume` event marks it.
 */
export class RunBuilder {
  readonly run: Run;
  /** Per series: the Series itself and the last step added (one map lookup per point on the hot path). */
  private readonly open = new Map<string, { s: Series; last: number }>();
  private lastResume = Number.NaN;
  /** Whether a step going backwards means a restart (false for stores that accept points in any order). */
  private readonly restarts: boolean;

  constructor(
    readonly file: string,
    readonly format: LogFormat,
    name: string,
    readonly problems: IngestProblem[],
    opts: { path?: string; id?: string; restarts?: boolean } = {},
  ) {
    this.restarts = opts.restarts ?? true;
    const path = opts.path ?? file;
    this.run = Run.imported({
      id: opts.id ?? importId(path, name),
      name,
      source: { kind: "import", path, format },
    });
  }

  point(series: string, step: number, value: number, extra?: Extra): void {
    let o = this.open.get(series);
    if (!o) {
      o = { s: this.run.seriesFor(series), last: Number.NEGATIVE_INFINITY };
      this.open.set(series, o);
    }
    if (this.restarts && step < o.last) this.restart(step, extra?.wall_time);
    o.last = step;
    // Straight into the columns (Series.push would need a Point object per value); NaN marks an unknown field.
    const s = o.s;
    s.step.push(step);
    s.value.push(value);
    s.wallTime.push(finiteOrNaN(extra?.wall_time));
    s.tokens.push(finiteOrNaN(extra?.tokens));
    s.epoch.push(finiteOrNaN(extra?.epoch));
  }

  /** Drop every point at or after `step` (a restart from the checkpoint before it) and mark the cut. */
  restart(step: number, wallTime?: number): void {
    if (step === this.lastResume) return;
    this.lastResume = step;
    for (const s of this.run.series.values()) s.truncateAfter(step - 1);
    for (const o of this.open.values()) if (o.last >= step) o.last = step - 1;
    const ev: RunEvent = { kind: "resume", step, from_step: step - 1 };
    if (wallTime !== undefined) ev.wall_time = wallTime;
    this.run.events.push(ev);
  }

  event(ev: RunEvent): void {
    this.run.events.push(ev);
  }

  facts(f: RunFacts): void {
    this.run.manifest.facts = mergeFacts(this.run.manifest.facts, f);
  }

  problem(
    message: string,
    where: { line?: number; offset?: number } = {},
    severity: "warning" | "info" = "warning",
  ): void {
    this.problems.push({ file: this.file, ...where, message, severity });
  }

  /** The finished run (series sorted by step, repeated steps resolved: last write wins). */
  finish(): Run {
    this.run.normalize();
    return this.run;
  }

  get empty(): boolean {
    return this.run.seriesNames().length === 0;
  }
}
