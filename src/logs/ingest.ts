import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import type { Run } from "../runs/run.js";
import { readRunDir } from "../runs/rundir.js";
import { asUserError, UserError } from "../util/errors.js";
import { importId } from "./builder.js";
import { detectFormat, isPlateauRunDir, isTfEventsName } from "./detect.js";
import { deriveFacts, factsBeside } from "./facts/beside.js";
import { mergeFacts } from "./facts/merge.js";
import type { ParseContext } from "./formats/context.js";
import { parseCsv } from "./formats/csv.js";
import { parseJsonl } from "./formats/jsonl.js";
import { isMlflowRunDir, parseMlflowRun } from "./formats/mlflow.js";
import { parseTextLog } from "./formats/text.js";
import { parseTfEventsRun } from "./formats/tfevents.js";
import { parseTrainerState } from "./formats/trainer-state.js";
import {
  type IngestOptions,
  type IngestProblem,
  type IngestResult,
  LOG_FORMATS,
  type LogFormat,
} from "./types.js";

/**
 * Turn files and folders into Runs. Folders are searched (checkpoint-N folders included); what is found is grouped
 * into runs:
 *  - an HF output folder is one run: its trainer_state.json, or the checkpoint-N/trainer_state.json with the
 *    most steps when the run died before writing its own; checkpoints become checkpoint events; its
 *    TensorBoard files (under runs/ or logs/) describe the same run and are skipped when a trainer_state exists;
 *  - each other folder of event files is one TensorBoard run;
 *  - each MLflow run folder and plateau run directory is one run;
 *  - every other log file is one run (a W&B CSV export, one per run it holds).
 * Facts come from the files beside the logs (config.json, training_args.bin, all_results.json).
 */

const SKIP_DIRS = new Set(["node_modules", ".git", "__pycache__", ".venv", "venv", ".ipynb_checkpoints"]);
const TEXT_EXT = new Set([".log", ".txt", ".out", ".err", ".stdout", ".stderr", ""]);
const DATA_EXT = new Set([".csv", ".jsonl", ".ndjson"]);
const CHECKPOINT_DIR = /^checkpoint-(\d+)$/;
const GENERIC_STEMS = new Set([
  "main",
  "log",
  "logs",
  "train",
  "training",
  "metrics",
  "stdout",
  "output",
  "out",
  "history",
  "progress",
]);

type Unit =
  | { kind: "file"; file: string; format: LogFormat; root: string }
  | { kind: "tfevents"; dir: string; files: string[]; root: string }
  | { kind: "dir"; dir: string; format: "plateau" | "mlflow"; root: string };

export async function ingestPaths(paths: string[], opts: IngestOptions = {}): Promise<IngestResult> {
  const problems: IngestProblem[] = [];
  const skipped: IngestResult["skipped"] = [];
  const units: Unit[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(abs);
    } catch (err) {
      throw asUserError(err, p) ?? err;
    }
    if (st.isDirectory()) {
      const fmt = detectFormat(abs);
      if (fmt === "plateau" || fmt === "mlflow")
        units.push({ kind: "dir", dir: abs, format: fmt, root: dirname(abs) });
      else walk(abs, abs, 0, opts.maxDepth ?? 6, units, skipped);
    } else {
      const fmt = detectFormat(abs);
      if (!fmt) {
        throw new UserError(`not a training log plateau can read (it reads: ${LOG_FORMATS.join(", ")})`, {
          file: p,
        });
      }
      units.push(
        fmt === "tfevents"
          ? { kind: "tfevents", dir: dirname(abs), files: [abs], root: dirname(abs) }
          : { kind: "file", file: abs, format: fmt, root: dirname(abs) },
      );
    }
  }
  const runs = buildRuns(mergeTfUnits(units), problems, skipped);
  if (runs.length === 0) {
    const first = problems.find((x) => x.severity !== "info");
    if (first)
      throw new UserError(`no usable training metrics: ${first.message}`, {
        file: first.file,
        line: first.line,
      });
    throw new UserError(`no training logs found (looked for: ${LOG_FORMATS.join(", ")})`, {
      file: paths.join(", "),
    });
  }
  return { runs, problems, skipped };
}

function walk(
  dir: string,
  root: string,
  depth: number,
  maxDepth: number,
  units: Unit[],
  skipped: IngestResult["skipped"],
): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  const tf: string[] = [];
  for (const name of names) {
    if (name.startsWith(".")) continue;
    const p = join(dir, name);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      if (SKIP_DIRS.has(name) || depth >= maxDepth) continue;
      if (isPlateauRunDir(p)) units.push({ kind: "dir", dir: p, format: "plateau", root });
      else if (isMlflowRunDir(p)) units.push({ kind: "dir", dir: p, format: "mlflow", root });
      else walk(p, root, depth + 1, maxDepth, units, skipped);
      continue;
    }
    if (isTfEventsName(name)) {
      tf.push(p);
      continue;
    }
    if (name === "trainer_state.json") {
      units.push({ kind: "file", file: p, format: "hf-trainer-state", root });
      continue;
    }
    const ext = extname(name).toLowerCase();
    if (!DATA_EXT.has(ext) && !TEXT_EXT.has(ext)) continue;
    if (st.size === 0) continue;
    const fmt = detectFormat(p);
    if (fmt) units.push({ kind: "file", file: p, format: fmt, root });
    else if (DATA_EXT.has(ext) || ext === ".log")
      skipped.push({ file: p, reason: "no metrics recognised in it" });
  }
  if (tf.length) units.push({ kind: "tfevents", dir, files: tf, root });
}

/** Event files given one by one that share a folder are one run. */
function mergeTfUnits(units: Unit[]): Unit[] {
  const out: Unit[] = [];
  const byDir = new Map<string, Extract<Unit, { kind: "tfevents" }>>();
  for (const u of units) {
    if (u.kind !== "tfevents") {
      out.push(u);
      continue;
    }
    const prev = byDir.get(u.dir);
    if (prev) prev.files.push(...u.files.filter((f) => !prev.files.includes(f)));
    else {
      const copy = { ...u, files: [...u.files] };
      byDir.set(u.dir, copy);
      out.push(copy);
    }
  }
  return out;
}

/** The HF output folder a trainer_state.json belongs to (checkpoint-N/ → its parent). */
function hfOutputDir(file: string): string {
  const d = dirname(file);
  return CHECKPOINT_DIR.test(basename(d)) ? dirname(d) : d;
}

function globalStep(file: string): number {
  const m = /"global_step"\s*:\s*(\d+)/.exec(readFileSync(file, "utf8"));
  return m ? Number(m[1]) : -1;
}

function buildRuns(units: Unit[], problems: IngestProblem[], skipped: IngestResult["skipped"]): Run[] {
  const runs: Run[] = [];
  // HF output folders: keep the trainer_state with the most steps (the folder's own one on a tie).
  const hf = new Map<string, string[]>();
  for (const u of units)
    if (u.kind === "file" && u.format === "hf-trainer-state") {
      const out = hfOutputDir(u.file);
      hf.set(out, [...(hf.get(out) ?? []), u.file]);
    }
  const hfChosen = new Map<string, string>();
  for (const [out, files] of hf) {
    const ranked = files
      .map((f) => ({ f, step: globalStep(f), own: dirname(f) === out }))
      .sort((a, b) => b.step - a.step || Number(b.own) - Number(a.own));
    hfChosen.set(out, ranked[0].f);
    for (const r of ranked.slice(1))
      skipped.push({
        file: r.f,
        reason: `superseded by ${ranked[0].f} (global_step ${ranked[0].step} ≥ ${r.step})`,
      });
  }
  const insideHf = (dir: string) =>
    [...hfChosen.keys()].find((out) => dir === out || dir.startsWith(`${out}/`));

  for (const u of units) {
    const ctx = (file: string, name: string): ParseContext => ({ file, problems, name });
    try {
      if (u.kind === "file" && u.format === "hf-trainer-state") {
        const out = hfOutputDir(u.file);
        if (hfChosen.get(out) !== u.file) continue;
        const run = parseTrainerState(ctx(u.file, basename(out)));
        if (!run) continue;
        run.manifest.id = importId(out, basename(out));
        run.manifest.source.path = out;
        for (const name of safeReaddir(out)) {
          const m = CHECKPOINT_DIR.exec(name);
          if (m) run.events.push({ kind: "checkpoint", step: Number(m[1]), path: join(out, name) });
        }
        run.events.sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
        addFacts(
          run,
          [dirname(u.file), out].filter((d, i, a) => a.indexOf(d) === i),
          problems,
        );
        runs.push(run);
      } else if (u.kind === "file") {
        const name = fileRunName(u.file);
        const c = ctx(u.file, name);
        let got: Run[] = [];
        if (u.format === "csv" || u.format === "wandb-csv") got = parseCsv(c);
        else if (u.format === "jsonl") got = opt(parseJsonl(c));
        else got = opt(parseTextLog(c));
        if (got.length === 0)
          problems.push({
            file: u.file,
            message: `no metrics found (read as ${u.format})`,
            severity: "warning",
          });
        for (const run of got) {
          addFacts(run, [dirname(u.file)], problems);
          runs.push(run);
        }
      } else if (u.kind === "tfevents") {
        const out = insideHf(u.dir);
        if (out) {
          for (const f of u.files)
            skipped.push({ file: f, reason: `same run as ${hfChosen.get(out)}, which is used instead` });
          continue;
        }
        const parent = basename(dirname(u.dir));
        const outDir = parent === "runs" || parent === "logs" ? dirname(dirname(u.dir)) : undefined;
        const rel = relative(u.root, u.dir);
        const name = outDir ? basename(outDir) : rel && !rel.startsWith("..") ? rel : basename(u.dir);
        const run = parseTfEventsRun(ctx(u.files[0], name), u.files);
        if (!run) {
          problems.push({ file: u.dir, message: "event files hold no scalars", severity: "warning" });
          continue;
        }
        run.manifest.source.path = u.dir;
        run.manifest.id = importId(u.dir, name);
        addFacts(run, outDir ? [u.dir, outDir] : [u.dir], problems);
        runs.push(run);
      } else if (u.format === "plateau") {
        const { run, problems: p } = readRunDir(u.dir);
        for (const x of p) problems.push({ ...x, severity: "warning" });
        runs.push(run);
      } else {
        const run = parseMlflowRun(ctx(u.dir, basename(u.dir)));
        if (run) {
          run.manifest.source.path = u.dir;
          runs.push(run);
        } else problems.push({ file: u.dir, message: "MLflow run without metrics", severity: "warning" });
      }
    } catch (err) {
      const ue = asUserError(err);
      const file = u.kind === "file" ? u.file : u.dir;
      if (ue)
        problems.push({
          file: ue.location.file ?? file,
          line: ue.location.line,
          message: ue.message,
          severity: "warning",
        });
      else throw err;
    }
  }
  return runs;
}

function opt(r: Run | undefined): Run[] {
  return r ? [r] : [];
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A file's run name: its stem, with the folder in front when the stem says nothing (main.log → log124M/main). */
function fileRunName(file: string): string {
  const stem = basename(file, extname(file));
  return GENERIC_STEMS.has(stem.toLowerCase()) ? `${basename(dirname(file))}/${stem}` : stem;
}

function addFacts(run: Run, dirs: string[], problems: IngestProblem[]): void {
  const beside = factsBeside(dirs, problems);
  // Facts read from the logs themselves are more specific than the files beside them.
  run.manifest.facts = deriveFacts(mergeFacts(beside.facts, run.manifest.facts));
  if (beside.results) run.manifest.summary = { ...(run.manifest.summary ?? {}), results: beside.results };
  if (beside.used.length) run.manifest.source.facts_from = beside.used;
}
