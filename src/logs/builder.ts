import { createHash } from "node:crypto";
import { Run } from "../runs/run.js";
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

/**
 * Collects what a parser reads into a Run. A point whose step goes backwards in its series means the job was
 * restarted from an earlier checkpoint (logs appended by the restarted process, or a new event file): as
 * TensorBoard does, the earlier process's points from that step on are dropped, and a `resume` event marks it.
 */
export class RunBuilder {
  readonly run: Run;
  private readonly lastStep = new Map<string, number>();
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

  point(series: string, step: number, value: number, extra: Extra = {}): void {
    const last = this.lastStep.get(series);
    if (this.restarts && last !== undefined && step < last) this.restart(step, extra.wall_time);
    this.lastStep.set(series, step);
    const p: Point = { step, value };
    if (extra.wall_time !== undefined && Number.isFinite(extra.wall_time)) p.wall_time = extra.wall_time;
    if (extra.tokens !== undefined && Number.isFinite(extra.tokens)) p.tokens = extra.tokens;
    if (extra.epoch !== undefined && Number.isFinite(extra.epoch)) p.epoch = extra.epoch;
    this.run.addPoint(series, p);
  }

  /** Drop every point at or after `step` (a restart from the checkpoint before it) and mark the cut. */
  restart(step: number, wallTime?: number): void {
    if (step === this.lastResume) return;
    this.lastResume = step;
    for (const s of this.run.series.values()) s.truncateAfter(step - 1);
    for (const [k, v] of this.lastStep) if (v >= step) this.lastStep.set(k, step - 1);
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
