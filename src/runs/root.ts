import { existsSync, readdirSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { UserError } from "../util/errors.js";
import { RUN_FILES, readManifest } from "./rundir.js";
import type { RunManifest, RunStatus } from "./types.js";

/**
 * The runs root: a folder of run directories (default ./runs, `--runs-dir` to change). Protocols that make
 * several runs (a ladder, a sweep) nest them one level down, under the parent run's directory.
 */
export const DEFAULT_RUNS_DIR = "runs";

export function resolveRunsDir(opt?: string): string {
  return resolve(opt ?? process.env.PLATEAU_RUNS_DIR ?? DEFAULT_RUNS_DIR);
}

export interface RunListing {
  dir: string;
  manifest: RunManifest;
  /** status as recorded, except a `running` run whose writer process is gone on this host reads `interrupted`. */
  status: RunStatus;
  /** Child runs (rungs of a ladder, points of a sweep). */
  children: RunListing[];
}

export interface ListRunsResult {
  runs: RunListing[];
  /** Folders that look like runs but could not be read (one line each). */
  problems: string[];
}

/** List the runs under `root`, newest first. A missing root is an empty list. */
export function listRuns(root: string): ListRunsResult {
  const problems: string[] = [];
  const runs = listLevel(root, problems, 0);
  return { runs, problems };
}

function listLevel(dir: string, problems: string[], depth: number): RunListing[] {
  if (!existsSync(dir)) return [];
  const out: RunListing[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || name === RUN_FILES.checkpoints) continue;
    const sub = join(dir, name);
    let isDir = false;
    try {
      isDir = statSync(sub).isDirectory();
    } catch {
      continue;
    }
    if (!isDir || !existsSync(join(sub, RUN_FILES.manifest))) continue;
    try {
      const manifest = readManifest(sub);
      out.push({
        dir: sub,
        manifest,
        status: effectiveStatus(manifest),
        children: depth < 2 ? listLevel(sub, problems, depth + 1) : [],
      });
    } catch (err) {
      problems.push(err instanceof UserError ? err.oneLine() : String(err));
    }
  }
  out.sort((a, b) =>
    a.manifest.created < b.manifest.created ? 1 : a.manifest.created > b.manifest.created ? -1 : 0,
  );
  return out;
}

/** A run marked running whose process no longer exists (on this host) was killed: report it as interrupted. */
export function effectiveStatus(m: RunManifest): RunStatus {
  if (m.status !== "running" || m.pid === undefined || m.host !== hostname()) return m.status;
  try {
    process.kill(m.pid, 0);
    return "running";
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM" ? "running" : "interrupted";
  }
}

/** A new run id: sortable by time, readable, unique enough for one machine. */
export function newRunId(name: string, now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  const rand = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, "0");
  return `${stamp}-${slug || "run"}-${rand}`;
}

/** Find a run by id (searched in the root, nested runs included), by unique id prefix, or by path. */
export function findRun(root: string, ref: string): string {
  const asPath = isAbsolute(ref) ? ref : resolve(ref);
  if (existsSync(join(asPath, RUN_FILES.manifest))) return asPath;
  const all: RunListing[] = [];
  const walk = (ls: RunListing[]) => {
    for (const r of ls) {
      all.push(r);
      walk(r.children);
    }
  };
  walk(listRuns(root).runs);
  const exact = all.filter((r) => r.manifest.id === ref);
  if (exact.length === 1) return exact[0].dir;
  const pre = all.filter((r) => r.manifest.id.startsWith(ref) || r.manifest.name === ref);
  if (pre.length === 1) return pre[0].dir;
  if (pre.length > 1) {
    throw new UserError(
      `ambiguous run reference matches ${pre.length} runs: ${pre
        .slice(0, 3)
        .map((r) => r.manifest.id)
        .join(", ")}…`,
      {
        field: "run",
      },
    );
  }
  throw new UserError(`no run \`${ref}\` in ${root} (and no run directory at that path)`, { field: "run" });
}
