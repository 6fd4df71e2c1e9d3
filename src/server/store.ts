import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { listRuns, type RunListing } from "../runs/root.js";
import type { Run } from "../runs/run.js";
import type { RunManifest, RunStatus } from "../runs/types.js";
import { UserError } from "../util/errors.js";
import { type ImportedRun, ImportSources } from "./imports.js";
import type { LoadedRun, LoadReply, LoadRequest } from "./load-worker.js";
import { rebuildRunYielding } from "./run-columns.js";
import { fileUrl, isUnder, realRoot } from "./safe-path.js";
import { TrackedRun } from "./tracked.js";
import { WorkerClient } from "./worker-client.js";

/**
 * Everything the dashboard shows, by run id: plateau's run directories under the runs root (nested runs of a
 * ladder or sweep included) and imported logs. The listing is re-read at most once a second; plateau runs
 * that are opened are held as TrackedRuns (followed as they grow), the least recently used dropped beyond a
 * bound. Run ids come only from this catalog, never from a path in a URL.
 */

export interface Entry {
  id: string;
  kind: "plateau" | "import";
  manifest: RunManifest;
  status: RunStatus;
  /** Real path of the run directory (plateau runs), always under the root's real path. */
  dir?: string;
  imported?: ImportedRun;
  /** Reports beside the run, as /files/ URLs (only files under the runs root). */
  reports: { name: string; url: string }[];
  children: Entry[];
}

export interface Listing {
  runs: Entry[];
  byId: Map<string, Entry>;
  problems: string[];
  at: number;
}

/** The data of one run, ready to chart: the Run, and for plateau runs the tracker that follows it. */
export interface Opened {
  entry: Entry;
  run: Run;
  tracked?: TrackedRun;
  /** A version for caches: the byte offset of a plateau run, the ingest generation of an import. */
  version: string;
}

const REPORT_NAMES = ["report.html", "report.md"];

export class RunStore {
  private listing: Listing | undefined;
  private pending: Promise<Listing> | undefined;
  private readonly tracked = new Map<string, TrackedRun>();
  private readonly loading = new Map<string, Promise<TrackedRun>>();
  private readonly loader = new WorkerClient<LoadRequest, LoadReply>("load-worker");
  readonly imports: ImportSources;

  constructor(
    readonly root: string,
    opts: { logs?: string[]; maxTracked?: number } = {},
  ) {
    this.imports = new ImportSources(root, opts.logs ?? []);
    this.maxTracked = opts.maxTracked ?? 12;
  }
  private readonly maxTracked: number;

  /** The catalog, re-read when older than `maxAgeMs`. Concurrent callers share one refresh. */
  async list(maxAgeMs = 1000): Promise<Listing> {
    if (this.listing && Date.now() - this.listing.at <= maxAgeMs) return this.listing;
    this.pending ??= this.build().finally(() => {
      this.pending = undefined;
    });
    this.listing = await this.pending;
    return this.listing;
  }

  async find(id: string): Promise<Entry | undefined> {
    const hit = (await this.list()).byId.get(id);
    if (hit) return hit;
    return (await this.list(0)).byId.get(id);
  }

  /** Open a run's data (plateau runs: tracked, polled for new lines on every open). */
  async open(id: string): Promise<Opened | undefined> {
    const entry = await this.find(id);
    if (!entry) return undefined;
    if (entry.kind === "import" && entry.imported) {
      return { entry, run: entry.imported.run, version: `g${entry.imported.generation}` };
    }
    const t = await this.track(entry);
    t.poll();
    return { entry, run: t.run, tracked: t, version: `o${t.offset}` };
  }

  /**
   * The tracker of a plateau run, created on first use from a read in the loading worker (a million-line
   * metrics.jsonl takes seconds to parse; the event loop keeps serving meanwhile). Concurrent first requests
   * share that one read.
   */
  async track(entry: Entry): Promise<TrackedRun> {
    let t = this.tracked.get(entry.id);
    if (!t) {
      let p = this.loading.get(entry.id);
      if (!p) {
        p = this.load(entry.dir as string)
          .then((loaded) => {
            this.tracked.set(entry.id, loaded);
            this.evict();
            return loaded;
          })
          .finally(() => this.loading.delete(entry.id));
        this.loading.set(entry.id, p);
      }
      t = await p;
    }
    t.lastUsed = Date.now();
    return t;
  }

  /** Reads of run directories started in the loading worker (each first open of a run is one). */
  loads = 0;

  private async load(dir: string): Promise<TrackedRun> {
    this.loads++;
    const reply = await this.loader.ask({ dir });
    if (reply.error) {
      const e = reply.error;
      throw e.user ? new UserError(e.message, e.location) : new Error(`reading ${dir}: ${e.message}`);
    }
    const l = reply.loaded as LoadedRun;
    // the copy into the Run's arrays is done in slices, so even that never holds the loop for long
    const run = await rebuildRunYielding(l);
    return new TrackedRun(dir, { run, offset: l.offset, line: l.line, problems: l.problems });
  }

  /** End the loading worker (server shutdown). */
  close(): Promise<void> {
    return this.loader.close();
  }

  /** Trackers in use by live streams must not be evicted: callers pin them while subscribed. */
  readonly pinned = new Map<string, number>();

  private evict(): void {
    if (this.tracked.size <= this.maxTracked) return;
    const idle = [...this.tracked.entries()]
      .filter(([id]) => !this.pinned.get(id))
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id] of idle.slice(0, this.tracked.size - this.maxTracked)) this.tracked.delete(id);
  }

  private async build(): Promise<Listing> {
    const byId = new Map<string, Entry>();
    const problems: string[] = [];
    const rootReal = realRoot(this.root);
    const runs: Entry[] = [];
    if (rootReal) {
      const listed = listRuns(this.root);
      problems.push(...listed.problems);
      const convert = (l: RunListing): Entry | undefined => {
        let real: string;
        try {
          real = realpathSync(l.dir);
        } catch {
          return undefined;
        }
        if (!isUnder(rootReal, real)) {
          problems.push(`${l.dir}: skipped, a symlink that leads outside the runs root`);
          return undefined;
        }
        const e: Entry = {
          id: l.manifest.id,
          kind: "plateau",
          manifest: l.manifest,
          status: l.status,
          dir: real,
          reports: reportsIn(rootReal, real),
          children: [],
        };
        if (byId.has(e.id)) {
          problems.push(
            `${l.dir}: skipped, its run id \`${e.id}\` is already used by ${byId.get(e.id)?.dir}`,
          );
          return undefined;
        }
        byId.set(e.id, e);
        for (const c of l.children) {
          const ce = convert(c);
          if (ce) e.children.push(ce);
        }
        return e;
      };
      for (const l of listed.runs) {
        const e = convert(l);
        if (e) runs.push(e);
      }
    }
    const imp = await this.imports.refresh();
    problems.push(...imp.problems);
    for (const ir of imp.runs) {
      const m = ir.run.manifest;
      if (byId.has(m.id)) continue;
      const src = m.source.path;
      const e: Entry = {
        id: m.id,
        kind: "import",
        manifest: m,
        status: m.status,
        imported: ir,
        reports: rootReal && src ? reportsBeside(rootReal, src) : [],
        children: [],
      };
      byId.set(e.id, e);
      runs.push(e);
    }
    return { runs, byId, problems, at: Date.now() };
  }
}

function reportsIn(rootReal: string, dir: string): { name: string; url: string }[] {
  const out: { name: string; url: string }[] = [];
  for (const name of REPORT_NAMES) {
    const p = join(dir, name);
    if (!existsSync(p)) continue;
    let real: string;
    try {
      real = realpathSync(p);
    } catch {
      continue;
    }
    const url = fileUrl(rootReal, real);
    if (url) out.push({ name, url });
  }
  return out;
}

/** Reports next to imported logs (e.g. `plateau diagnose DIR --out DIR`), when those logs lie under the root. */
function reportsBeside(rootReal: string, src: string): { name: string; url: string }[] {
  let dir = src;
  try {
    if (!statSync(src).isDirectory()) dir = dirname(src);
  } catch {
    return [];
  }
  return reportsIn(rootReal, dir);
}
