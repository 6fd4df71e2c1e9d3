import { readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { asUserError, UserError } from "../../util/errors.js";

/** The corpus formats plateau reads (each optionally gzip-compressed). */
export type CorpusFormat = "txt" | "jsonl" | "json" | "parquet";

export interface CorpusFile {
  /** The path as plateau reports it: the argument as given, joined with the path below it for folders. */
  path: string;
  format: CorpusFormat;
  gzip: boolean;
  /** Size on disk in bytes (compressed size for .gz), for progress and throughput. */
  size: number;
}

export interface ResolvedCorpus {
  files: CorpusFile[];
  /** Files found inside folders whose extension plateau does not read (reported, never read). */
  skipped: string[];
  totalBytes: number;
}

const EXTENSIONS: Record<string, CorpusFormat> = {
  ".txt": "txt",
  ".text": "txt",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "json",
  ".parquet": "parquet",
};

/** Format and compression from a file name: `a.jsonl.gz` → jsonl, gzip. Undefined for anything else. */
export function detectFormat(name: string): { format: CorpusFormat; gzip: boolean } | undefined {
  let n = name.toLowerCase();
  let gzip = false;
  if (n.endsWith(".gz")) {
    gzip = true;
    n = n.slice(0, -3);
  }
  const dot = n.lastIndexOf(".");
  if (dot < 0) return undefined;
  const format = EXTENSIONS[n.slice(dot)];
  return format ? { format, gzip } : undefined;
}

/**
 * Expand files and folders into the list of corpus files, in a stable order: arguments in the order given,
 * folders walked recursively with entries sorted by name (so two runs read documents in the same order, which
 * dedup's "keep the first" and select's determinism rely on). Hidden entries (".name") inside folders are
 * skipped; a file named explicitly must have a known extension unless `format` forces one.
 */
export function resolveCorpus(paths: string[], format?: CorpusFormat): ResolvedCorpus {
  if (paths.length === 0) throw new UserError("no corpus path given");
  const files: CorpusFile[] = [];
  const skipped: string[] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();

  const addFile = (path: string, size: number, explicit: boolean) => {
    const det = detectFormat(path);
    const gzip = det?.gzip ?? path.toLowerCase().endsWith(".gz");
    const fmt = format ?? det?.format;
    if (!fmt) {
      if (explicit)
        throw new UserError(
          "unknown corpus format: expected .txt, .jsonl, .json or .parquet, optionally .gz (or pass --format)",
          { file: path },
        );
      skipped.push(path);
      return;
    }
    const real = safeRealpath(path);
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    files.push({ path, format: fmt, gzip, size });
  };

  const walk = (dir: string) => {
    const real = safeRealpath(dir);
    if (seenDirs.has(real)) return; // a symlink loop or the same folder given twice
    seenDirs.add(real);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      throw asUserError(err, dir) ?? err;
    }
    for (const name of names) {
      if (name.startsWith(".")) continue;
      const p = join(dir, name);
      const st = statOrThrow(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) addFile(p, st.size, false);
    }
  };

  for (const p of paths) {
    const st = statOrThrow(p);
    if (st.isDirectory()) walk(p);
    else addFile(p, st.size, true);
  }
  if (files.length === 0)
    throw new UserError(
      `no corpus files found (looked for .txt, .jsonl, .json, .parquet, optionally .gz${skipped.length ? `; skipped ${skipped.length} other files` : ""})`,
      { file: paths.join(", ") },
    );
  return { files, skipped, totalBytes: files.reduce((s, f) => s + f.size, 0) };
}

function statOrThrow(p: string) {
  try {
    return statSync(p);
  } catch (err) {
    throw asUserError(err, p) ?? err;
  }
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
