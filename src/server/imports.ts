import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ingestPaths } from "../logs/ingest.js";
import type { Run } from "../runs/run.js";
import { RUN_FILES } from "../runs/rundir.js";
import { asUserError } from "../util/errors.js";

/**
 * Logs from other tools shown beside plateau's own runs. Two places are read:
 *  - every top-level entry of the runs root that is not a plateau run directory (drop a folder of HF, TensorBoard,
 *    MLflow or text logs into the runs root and it appears in the list);
 *  - the paths given with `plateau serve --logs PATH...` (anywhere on disk: their data is shown, their files are
 *    never served).
 * Each source is ingested once and again only when its files change (size and mtime of every file under it).
 */

export interface ImportedRun {
  run: Run;
  /** The source (file or folder) it came from. */
  source: string;
  /** Bumped each time the source is re-read, so caches keyed on it (diagnoses) know when to recompute. */
  generation: number;
}

interface SourceState {
  fingerprint: string;
  runs: ImportedRun[];
  problems: string[];
}

const SKIP = new Set(["node_modules", "__pycache__", ".git", "checkpoints"]);
/** Bounds on the fingerprint walk, so a huge folder dropped in the root cannot stall every listing. */
const MAX_FILES = 20_000;
const MAX_DEPTH = 6;

export class ImportSources {
  private readonly states = new Map<string, SourceState>();
  private generation = 0;

  constructor(
    readonly root: string,
    readonly extra: string[] = [],
  ) {}

  /** Where imports come from right now: the root's non-run entries and the --logs paths. */
  sources(): string[] {
    const out: string[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(this.root).sort();
    } catch {
      // a missing root holds nothing
    }
    for (const name of names) {
      if (name.startsWith(".") || SKIP.has(name)) continue;
      const p = join(this.root, name);
      if (existsSync(join(p, RUN_FILES.manifest))) continue;
      out.push(p);
    }
    for (const p of this.extra) out.push(resolve(p));
    return out;
  }

  /** Re-read the sources that changed; returns every imported run and the problems met. */
  async refresh(): Promise<{ runs: ImportedRun[]; problems: string[] }> {
    const sources = this.sources();
    const alive = new Set(sources);
    for (const k of [...this.states.keys()]) if (!alive.has(k)) this.states.delete(k);
    for (const src of sources) {
      const fp = fingerprint(src);
      const prev = this.states.get(src);
      if (prev && prev.fingerprint === fp) continue;
      this.states.set(src, await this.ingest(src, fp));
    }
    const runs: ImportedRun[] = [];
    const problems: string[] = [];
    for (const src of sources) {
      const st = this.states.get(src);
      if (!st) continue;
      runs.push(...st.runs);
      problems.push(...st.problems);
    }
    return { runs, problems };
  }

  private async ingest(src: string, fp: string): Promise<SourceState> {
    const generation = ++this.generation;
    const isExtra = this.extra.some((p) => resolve(p) === src);
    try {
      const r = await ingestPaths([src]);
      const problems = r.problems
        .filter((p) => p.severity !== "info")
        .slice(0, 20)
        .map((p) => `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`);
      return {
        fingerprint: fp,
        runs: r.runs.map((run) => ({ run, source: src, generation })),
        problems,
      };
    } catch (err) {
      const ue = asUserError(err);
      if (!ue) throw err;
      // Something in the root that holds no logs is simply not a run; a --logs path that holds none is a problem.
      return { fingerprint: fp, runs: [], problems: isExtra ? [ue.oneLine()] : [] };
    }
  }
}

/** Size and mtime of every file under `p` (bounded walk): changes when logs are appended or replaced. */
function fingerprint(p: string): string {
  const hash = createHash("sha1");
  let files = 0;
  const walk = (path: string, depth: number) => {
    if (files >= MAX_FILES) return;
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      if (depth > MAX_DEPTH) return;
      let names: string[];
      try {
        names = readdirSync(path).sort();
      } catch {
        return;
      }
      for (const n of names) if (!n.startsWith(".") && !SKIP.has(n)) walk(join(path, n), depth + 1);
    } else if (st.isFile()) {
      files++;
      hash.update(`${path}\0${st.size}\0${st.mtimeMs}\n`);
    }
  };
  walk(p, 0);
  return `${files}:${hash.digest("hex")}`;
}
