import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ingestPaths } from "../logs/ingest.js";
import type { Run } from "../runs/run.js";
import type { RunWriter } from "../runs/rundir.js";
import { writeFileAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import type { Session } from "./session.js";

/**
 * Running the user's own trainer (MedicalGPT's pretraining.py, HF run_clm.py, torchrun or DeepSpeed across GPUs)
 * for any protocol: the samples written in the trainer's input format, the command template filled and
 * shell-quoted, the process started in its own process group (Ctrl-C forwarded to the whole group), its stdout
 * and stderr kept beside the run (trainer.stdout.log, trainer.stderr.log), and its logs — trainer_state.json (also
 * inside checkpoint-N/), TensorBoard event files, HF stdout log lines — read live with src/logs into the plateau
 * run (metrics.jsonl and the run's TensorBoard file).
 */

export const PLACEHOLDERS = ["data", "eval_data", "epochs", "lr", "out", "n", "seed"] as const;
export type TemplateValues = Record<(typeof PLACEHOLDERS)[number], string>;

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/** Fill {name} placeholders; an unknown one is an error naming it. */
export function fillTemplate(tpl: string, values: TemplateValues): string {
  return tpl.replace(/\{([a-z_]+)\}/g, (m, name: string) => {
    if (!(PLACEHOLDERS as readonly string[]).includes(name))
      throw new UserError(
        `unknown placeholder ${m} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`,
        {
          field: "--cmd",
        },
      );
    return shellQuote(values[name as (typeof PLACEHOLDERS)[number]]);
  });
}

/**
 * Write documents for the trainer into `dir`: `<name>.jsonl` with a `text` field (MedicalGPT, HF datasets' json
 * loader), or `<name>.txt` one document per line (newlines inside a document become spaces).
 */
export function writeTrainerData(dir: string, name: string, texts: string[], format: "jsonl" | "txt"): void {
  mkdirSync(dir, { recursive: true });
  if (format === "txt")
    writeFileAtomic(join(dir, `${name}.txt`), texts.map((t) => `${t.replace(/\r?\n/g, " ")}\n`).join(""));
  else
    writeFileAtomic(
      join(dir, `${name}.jsonl`),
      texts.map((t) => `${JSON.stringify({ text: t })}\n`).join(""),
    );
}

export interface TrainerRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  interrupted: boolean;
  seconds: number;
  /** Everything the trainer logged, read after it exited; undefined when plateau found no log. */
  logged?: Run;
}

export interface TrainerJob {
  /** The filled command line (run by the shell). */
  command: string;
  /** Where trainer.stdout.log and trainer.stderr.log are kept. */
  runDir: string;
  /** The trainer's output folder, where its trainer_state.json / TensorBoard files appear. */
  outDir: string;
  /** The plateau run receiving the trainer's metrics as it logs them. */
  run: RunWriter;
  session: Session;
  pollMs: number;
  /** The progress bar's label. */
  label?: string;
}

/** Run the trainer; returns when the process has exited and its last logs have been read. */
export async function runTrainer(job: TrainerJob): Promise<TrainerRun> {
  const { run, outDir, runDir } = job;
  const t0 = performance.now();
  const cursor = { last: -1 };
  const exit = await supervise(job, cursor);
  const seconds = (performance.now() - t0) / 1000;
  let logged: Run | undefined;
  try {
    logged = await readTrainerLogs(outDir, join(runDir, "trainer.stdout.log"));
    appendNew(run, logged, cursor);
  } catch {
    logged = undefined;
  }
  return { ...exit, seconds, ...(logged ? { logged } : {}) };
}

/** "code 1" / "signal SIGKILL", with the last lines of the trainer's stderr. */
export function trainerFailure(runDir: string, exit: Pick<TrainerRun, "code" | "signal">): string {
  const tail = lastLines(join(runDir, "trainer.stderr.log"), 3);
  return `the trainer exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}${tail ? `: ${tail}` : ""}`;
}

/** Start the command in its own process group, keep its output, tail its logs, forward Ctrl-C. */
async function supervise(
  { command, runDir, outDir, run, session, pollMs, label = "external" }: TrainerJob,
  cursor: { last: number },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; interrupted: boolean }> {
  const stdout = createWriteStream(join(runDir, "trainer.stdout.log"));
  const stderr = createWriteStream(join(runDir, "trainer.stderr.log"));
  const child: ChildProcess = spawn(command, {
    shell: true,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    cwd: process.cwd(),
  });
  child.stdout?.pipe(stdout);
  child.stderr?.pipe(stderr);
  let interrupted = false;
  let busy = false;
  const bar = session.progress({ label, unit: "steps" });
  const timer = setInterval(async () => {
    if (session.stopRequested() && !interrupted && child.pid) {
      interrupted = true;
      try {
        process.kill(-child.pid, "SIGINT");
      } catch {
        // already gone
      }
    }
    if (busy) return;
    busy = true;
    const logged = await readTrainerLogs(outDir, join(runDir, "trainer.stdout.log")).catch(() => undefined);
    busy = false;
    if (logged && !done) {
      appendNew(run, logged, cursor);
      const loss = logged.series.get("train/loss");
      if (loss?.length)
        bar.update(loss.step[loss.length - 1], `loss ${loss.value[loss.length - 1].toFixed(4)}`);
    }
  }, pollMs);
  let done = false;
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on("close", (code, signal) => res({ code, signal })),
  );
  clearInterval(timer);
  done = true;
  while (busy) await new Promise((r) => setTimeout(r, 20));
  bar.finish();
  await Promise.all([new Promise((r) => stdout.end(r)), new Promise((r) => stderr.end(r))]);
  return { ...exit, interrupted };
}

/** The trainer's logs as one Run: trainer_state.json / TensorBoard files in its output folder, else its stdout. */
export async function readTrainerLogs(outDir: string, stdoutLog: string): Promise<Run> {
  const candidates: Run[] = [];
  if (existsSync(outDir) && readdirSync(outDir).length) {
    try {
      candidates.push(...(await ingestPaths([outDir])).runs);
    } catch {
      // nothing readable yet
    }
  }
  if (existsSync(stdoutLog)) {
    try {
      candidates.push(...(await ingestPaths([stdoutLog])).runs);
    } catch {
      // no log lines yet
    }
  }
  const points = (r: Run) => r.series.get("train/loss")?.length ?? 0;
  const best = candidates.sort((a, b) => points(b) - points(a))[0];
  if (!best) throw new Error("no logs yet");
  return best;
}

const TAILED = ["train/loss", "eval/loss", "train/lr", "train/grad_norm"];

/** Append the points after `cursor.last` to the run (one metrics line per step). */
function appendNew(run: RunWriter, logged: Run, cursor: { last: number }): void {
  const byStep = new Map<number, { values: Record<string, number>; epoch?: number }>();
  for (const name of TAILED) {
    const s = logged.series.get(name);
    if (!s) continue;
    for (let i = 0; i < s.length; i++) {
      const step = s.step[i];
      if (step <= cursor.last) continue;
      const e = byStep.get(step) ?? { values: {} };
      e.values[name] = s.value[i];
      if (s.has("epoch")) e.epoch = s.epoch[i];
      byStep.set(step, e);
    }
  }
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  for (const step of steps) {
    const e = byStep.get(step)!;
    run.log(step, e.values, e.epoch !== undefined ? { epoch: e.epoch } : {});
  }
  if (steps.length) cursor.last = steps[steps.length - 1];
}

export function lastStep(r: Run): number {
  const s = r.series.get("train/loss");
  return s?.length ? s.step[s.length - 1] : 0;
}

function lastLines(file: string, n: number): string {
  if (!existsSync(file)) return "";
  const lines = readFileSync(file, "utf8").trim().split("\n").filter(Boolean);
  return lines.slice(-n).join(" | ");
}
