import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { selectBest } from "../data/select/select.js";
import { writeFileAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import type { Session } from "./session.js";

/**
 * The samples a protocol trains on, kept in its run directory so a resumed protocol (or the external trainer)
 * reads exactly the same documents:
 *
 *   data/train.jsonl      {"text": …} per line: MedicalGPT's --train_file_dir format
 *   data/selection.jsonl  {"file", "line", "score", "chars"} per sample: where each came from and why
 */
export interface SampleFiles {
  texts: string[];
  /** Where each text came from. */
  sources: { file: string; line: number; score: number }[];
  selection: SelectionStats;
}

export interface SelectionStats {
  /** Documents read, eligible (not flagged by the audit), and flagged. */
  read: number;
  kept: number;
  flagged: number;
  /** Lowest score among the selected. */
  min_score: number;
  seconds: number;
}

export function dataDir(runDir: string): string {
  return join(runDir, "data");
}

export async function selectAndStore(
  paths: string[],
  n: number,
  runDir: string,
  session: Session,
  opts: { field?: string; file?: string; auditOut?: string } = {},
): Promise<SampleFiles> {
  const t0 = performance.now();
  const bar = session.progress({ label: "select", unit: "bytes" });
  const sel = await selectBest(paths, {
    n,
    field: opts.field,
    // the selection audits the whole corpus anyway: with auditOut its flags, summary and report are kept
    out: opts.auditOut,
    onProgress: (done, total) => bar.update(done, `of ${total} bytes`),
  });
  bar.finish();
  if (sel.docs.length === 0)
    throw new UserError("no usable document: the audit flagged every one (see `plateau audit`)", {
      file: paths.join(", "),
    });
  const samples = sel.docs;
  storeSamples(
    runDir,
    samples.map((s) => s.text),
    samples,
    opts.file,
  );
  const m = sel.manifest;
  return {
    texts: samples.map((s) => s.text),
    sources: samples,
    selection: {
      read: m.total,
      kept: m.eligible,
      flagged: m.total - m.eligible,
      min_score: Math.min(...samples.map((s) => s.score)),
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

export function storeSamples(
  runDir: string,
  texts: string[],
  sources: { file: string; line: number; score: number }[],
  file = "train.jsonl",
): void {
  const dir = dataDir(runDir);
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, file), texts.map((t) => `${JSON.stringify({ text: t })}\n`).join(""));
  if (file === "train.jsonl")
    writeFileAtomic(
      join(dir, "selection.jsonl"),
      sources
        .map(
          (s, i) =>
            `${JSON.stringify({ file: s.file, line: s.line, score: round4(s.score), chars: texts[i].length })}\n`,
        )
        .join(""),
    );
}

/** The stored samples of a run (for --resume). */
export function loadStoredSamples(runDir: string, file = "train.jsonl"): string[] {
  const path = join(dataDir(runDir), file);
  if (!existsSync(path)) throw new UserError("this run has no stored samples to resume from", { file: path });
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l, i) => {
      try {
        return (JSON.parse(l) as { text: string }).text;
      } catch {
        throw new UserError("invalid JSON", { file: path, line: i + 1 });
      }
    });
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
