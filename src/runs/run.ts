import { Series } from "./series.js";
import type { Point, RunEvent, RunFacts, RunManifest, RunSource } from "./types.js";

/**
 * A run in memory: its manifest (id, name, source, facts, status), its series by name, and its events.
 * Importers build one from log files; readRunDir builds one from a plateau run directory.
 */
export class Run {
  readonly series = new Map<string, Series>();
  readonly events: RunEvent[] = [];
  /** The run directory, for runs plateau trained. */
  dir?: string;

  constructor(public manifest: RunManifest) {}

  get id(): string {
    return this.manifest.id;
  }
  get name(): string {
    return this.manifest.name;
  }
  get facts(): RunFacts {
    return this.manifest.facts;
  }

  /** The series with this name, created empty if absent. */
  seriesFor(name: string): Series {
    let s = this.series.get(name);
    if (!s) {
      s = new Series(name);
      this.series.set(name, s);
    }
    return s;
  }

  addPoint(name: string, p: Point): void {
    this.seriesFor(name).push(p);
  }

  get(name: string): Series | undefined {
    const s = this.series.get(name);
    return s && s.length > 0 ? s : undefined;
  }

  seriesNames(): string[] {
    return [...this.series.keys()].filter((k) => this.series.get(k)!.length > 0).sort();
  }

  /** Sort every series by step and resolve repeated steps (last write wins). */
  normalize(): void {
    for (const s of this.series.values()) s.normalize();
  }

  /** A run built from imported logs. */
  static imported(opts: { id: string; name: string; source: RunSource; facts?: RunFacts }): Run {
    const now = new Date().toISOString();
    return new Run({
      schema: 1,
      id: opts.id,
      name: opts.name,
      created: now,
      updated: now,
      status: "imported",
      source: opts.source,
      facts: opts.facts ?? {},
    });
  }
}
