import { effectiveStatus } from "../runs/root.js";
import type { Run } from "../runs/run.js";
import { RunTailer } from "../runs/rundir.js";
import type { RunStatus } from "../runs/types.js";

/** Series lengths at one moment: how many points each series had when a byte offset was reached. */
export type Lengths = Map<string, number>;

export interface PollResult {
  /** New lines were read. */
  changed: boolean;
  /** Points already sent were rewritten (a resume superseded them, or lines arrived out of order): clients refetch. */
  reset: boolean;
  from: number;
  to: number;
}

/** How many poll boundaries are remembered for resuming streams (each is a few numbers per series). */
const MAX_MARKS = 4096;

/**
 * A plateau run directory held in memory and followed as it is written. Every poll boundary (a byte offset of
 * metrics.jsonl) is remembered with the series lengths at that point, so a client that saw everything up to
 * offset X gets exactly the points after X: that offset is the SSE event id a reconnecting EventSource sends
 * back as Last-Event-ID.
 */
export class TrackedRun {
  readonly tailer: RunTailer;
  private readonly marks = new Map<number, Lengths>();
  lastUsed = Date.now();
  private statusCache: { at: number; status: RunStatus } | undefined;

  /**
   * Without `loaded`, the run is read here, on the calling thread. With it (a run the loading worker read, up
   * to `offset`), following continues from there.
   */
  constructor(
    readonly dir: string,
    loaded?: { run: Run; offset: number; line: number; problems: RunTailer["problems"] },
  ) {
    this.tailer = new RunTailer(dir, loaded);
    if (loaded) this.tailer.problems.push(...loaded.problems);
    else {
      this.tailer.poll();
      this.tailer.run.normalize();
    }
    this.mark();
  }

  get run(): Run {
    return this.tailer.run;
  }

  get offset(): number {
    return this.tailer.offset;
  }

  /** Read what was appended since the last poll. */
  poll(): PollResult {
    this.lastUsed = Date.now();
    const from = this.offset;
    const before = this.lengths();
    const n = this.tailer.poll();
    if (n === 0) return { changed: false, reset: false, from, to: from };
    let reset = false;
    for (const s of this.run.series.values()) {
      const b = before.get(s.name) ?? 0;
      if (s.length < b) reset = true;
      for (let i = Math.max(1, b); i < s.length && !reset; i++)
        if (!(s.step[i] > s.step[i - 1])) reset = true;
    }
    if (reset) {
      this.run.normalize();
      this.marks.clear();
    }
    this.mark();
    return { changed: true, reset, from, to: this.offset };
  }

  /** Series lengths when the stream was at `offset`, if that offset is a remembered poll boundary. */
  lengthsAt(offset: number): Lengths | undefined {
    return this.marks.get(offset);
  }

  lengths(): Lengths {
    const m: Lengths = new Map();
    for (const s of this.run.series.values()) m.set(s.name, s.length);
    return m;
  }

  /** The run's status, re-read from run.json at most once a second (a live run's status changes at its end). */
  status(): RunStatus {
    const now = Date.now();
    if (!this.statusCache || now - this.statusCache.at > 1000) {
      let m = this.run.manifest;
      try {
        m = this.tailer.refreshManifest();
      } catch {
        // run.json is rewritten atomically; a read error means it is gone: keep the last known manifest
      }
      this.statusCache = { at: now, status: effectiveStatus(m) };
    }
    return this.statusCache.status;
  }

  private mark(): void {
    this.marks.set(this.offset, this.lengths());
    while (this.marks.size > MAX_MARKS) {
      const oldest = this.marks.keys().next().value as number;
      this.marks.delete(oldest);
    }
  }
}
