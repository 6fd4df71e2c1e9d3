import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { writeJsonAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import { decodeNumber, encodeNumber } from "../util/finite-json.js";
import { JsonlAppender, type JsonlProblem, JsonlTail, readJsonl } from "../util/jsonl.js";
import { Run } from "./run.js";
import {
  type MetricsLine,
  type RunEvent,
  RunEventSchema,
  type RunFacts,
  type RunManifest,
  RunManifestSchema,
  type RunSource,
  type RunStatus,
} from "./types.js";

/**
 * A run directory, the on-disk form of a run plateau trains:
 *
 *   run.json        manifest: id, name, source, facts, status, summary (rewritten atomically)
 *   metrics.jsonl   one line per logged step or event, appended and flushed as it happens
 *   samples.jsonl   generations (prompt, completion, reference, score) by step
 *   checkpoints/    model and optimizer state (written by the trainer, atomically)
 *   report.html     written by the protocol when it finishes
 */
export const RUN_FILES = {
  manifest: "run.json",
  metrics: "metrics.jsonl",
  samples: "samples.jsonl",
  checkpoints: "checkpoints",
  report: "report.html",
} as const;

export interface NewRunOptions {
  id: string;
  name: string;
  source?: RunSource;
  facts?: RunFacts;
  protocol?: string;
  parent?: string;
  tags?: string[];
}

/**
 * Something else that receives every logged value as it is written (a TensorBoard event file beside
 * metrics.jsonl: src/train/tensorboard.ts attaches one). Kept as an interface so this layer imports no writer.
 */
export interface MetricsSink {
  scalars(step: number, values: Record<string, number>, wallTime: number): void;
  sync?(): void;
  close?(): void;
}

/** Writes a run directory. One writer per run; any number of readers may read it at the same time. */
export class RunWriter {
  private metrics: JsonlAppender;
  private samples: JsonlAppender | undefined;
  private closed = false;
  private readonly sinks: MetricsSink[] = [];

  private constructor(
    readonly dir: string,
    public manifest: RunManifest,
  ) {
    mkdirSync(join(dir, RUN_FILES.checkpoints), { recursive: true });
    this.metrics = new JsonlAppender(join(dir, RUN_FILES.metrics));
  }

  /** Create a new run directory `dir` (which must not exist yet, or be empty). */
  static create(dir: string, opts: NewRunOptions): RunWriter {
    if (existsSync(join(dir, RUN_FILES.manifest))) {
      throw new UserError("a run already exists here (use --resume to continue it)", { file: dir });
    }
    mkdirSync(dir, { recursive: true });
    const now = new Date().toISOString();
    const manifest: RunManifest = {
      schema: 1,
      id: opts.id,
      name: opts.name,
      created: now,
      updated: now,
      status: "running",
      source: opts.source ?? { kind: "plateau", path: dir, command: process.argv.slice(2) },
      facts: opts.facts ?? {},
      ...(opts.protocol ? { protocol: opts.protocol } : {}),
      ...(opts.parent ? { parent: opts.parent } : {}),
      ...(opts.tags ? { tags: opts.tags } : {}),
      pid: process.pid,
      host: hostname(),
    };
    const w = new RunWriter(dir, manifest);
    w.writeManifest();
    return w;
  }

  /**
   * Reopen an existing run to continue it from a checkpoint at `fromStep`: points the earlier process wrote
   * after that step are superseded (a `resume` event marks the cut), and the status goes back to running.
   */
  static resume(dir: string, fromStep: number): RunWriter {
    const manifest = readManifest(dir);
    manifest.status = "running";
    manifest.pid = process.pid;
    manifest.host = hostname();
    const w = new RunWriter(dir, manifest);
    w.writeManifest();
    w.event({ kind: "resume", step: fromStep, from_step: fromStep, wall_time: Date.now() / 1000 });
    return w;
  }

  /** Values of one or more series at `step`, written and flushed to the OS before returning. */
  log(
    step: number,
    values: Record<string, number>,
    extra: { tokens?: number; epoch?: number; wall_time?: number } = {},
  ): void {
    const enc: Record<string, number | string> = {};
    for (const [k, v] of Object.entries(values)) enc[k] = encodeNumber(v);
    const line: MetricsLine = { step, wall_time: extra.wall_time ?? Date.now() / 1000 };
    if (extra.tokens !== undefined) line.tokens = extra.tokens;
    if (extra.epoch !== undefined) line.epoch = extra.epoch;
    line.values = enc;
    this.metrics.append(line);
    for (const sink of this.sinks) sink.scalars(step, values, line.wall_time as number);
  }

  /** Also send every logged value to `sink` (flushed and closed with the run). */
  addSink(sink: MetricsSink): void {
    this.sinks.push(sink);
  }

  /** Whether a sink of this kind is already attached. */
  hasSink(pred: (s: MetricsSink) => boolean): boolean {
    return this.sinks.some(pred);
  }

  event(ev: RunEvent): void {
    const step = ev.step ?? 0;
    this.metrics.append({
      step,
      wall_time: ev.wall_time ?? Date.now() / 1000,
      event: ev,
    } satisfies MetricsLine);
  }

  /** A generation sample: goes to samples.jsonl. */
  sample(s: { step: number; prompt: string; completion: string; reference?: string; score?: number }): void {
    this.samples ??= new JsonlAppender(join(this.dir, RUN_FILES.samples));
    this.samples.append({ kind: "sample", wall_time: Date.now() / 1000, ...s });
  }

  updateFacts(facts: RunFacts): void {
    this.manifest.facts = mergeFacts(this.manifest.facts, facts);
    this.writeManifest();
  }

  setSummary(summary: Record<string, unknown>): void {
    this.manifest.summary = { ...(this.manifest.summary ?? {}), ...summary };
    this.writeManifest();
  }

  /** Make everything written so far durable (called at checkpoints). */
  sync(): void {
    this.metrics.sync();
    this.samples?.sync();
    for (const sink of this.sinks) sink.sync?.();
  }

  /** Close with a final status; run.json is rewritten atomically. */
  finish(status: Exclude<RunStatus, "running" | "imported">): void {
    if (this.closed) return;
    this.manifest.status = status;
    this.writeManifest();
    this.metrics.close();
    this.samples?.close();
    for (const sink of this.sinks) sink.close?.();
    this.closed = true;
  }

  get path(): { metrics: string; samples: string; checkpoints: string; report: string } {
    return {
      metrics: join(this.dir, RUN_FILES.metrics),
      samples: join(this.dir, RUN_FILES.samples),
      checkpoints: join(this.dir, RUN_FILES.checkpoints),
      report: join(this.dir, RUN_FILES.report),
    };
  }

  private writeManifest(): void {
    this.manifest.updated = new Date().toISOString();
    writeJsonAtomic(join(this.dir, RUN_FILES.manifest), this.manifest);
  }
}

function mergeFacts(a: RunFacts, b: RunFacts): RunFacts {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v &&
      typeof v === "object" &&
      !Array.isArray(v) &&
      prev &&
      typeof prev === "object" &&
      !Array.isArray(prev)
        ? { ...(prev as object), ...(v as object) }
        : v;
  }
  return out as RunFacts;
}

export function readManifest(dir: string): RunManifest {
  const file = join(dir, RUN_FILES.manifest);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UserError("not a plateau run directory (no run.json)", { file: dir });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`invalid JSON: ${(err as Error).message}`, { file });
  }
  const r = RunManifestSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(issue.message, { file, field: issue.path.join(".") || "(root)" });
  }
  return r.data;
}

export interface ReadRunResult {
  run: Run;
  /** Lines of metrics.jsonl / samples.jsonl that could not be used, with their line numbers. */
  problems: (JsonlProblem & { file: string })[];
}

/**
 * Apply metrics.jsonl lines to a run. Shared by the one-shot reader and the live tailer so both interpret the
 * file the same way.
 */
export function applyMetricsLine(
  run: Run,
  raw: unknown,
  where: { file: string; line: number },
  problems: ReadRunResult["problems"],
): void {
  if (!raw || typeof raw !== "object") {
    problems.push({ ...where, message: "not a JSON object" });
    return;
  }
  const rec = raw as Record<string, unknown>;
  const step = decodeNumber(rec.step);
  if (step === undefined || !Number.isFinite(step)) {
    problems.push({ ...where, message: "missing or non-numeric field `step`" });
    return;
  }
  if (rec.event !== undefined) {
    const ev = RunEventSchema.safeParse(rec.event);
    if (!ev.success) {
      problems.push({ ...where, message: `bad event: ${ev.error.issues[0].message}` });
      return;
    }
    if (ev.data.kind === "resume") {
      for (const s of run.series.values()) s.truncateAfter(ev.data.from_step);
    }
    run.events.push(ev.data);
    return;
  }
  const wall = decodeNumber(rec.wall_time);
  const tokens = decodeNumber(rec.tokens);
  const epoch = decodeNumber(rec.epoch);
  const values = rec.values;
  if (!values || typeof values !== "object") {
    problems.push({ ...where, message: "line has neither `values` nor `event`" });
    return;
  }
  for (const [name, v] of Object.entries(values as Record<string, unknown>)) {
    const value = decodeNumber(v);
    if (value === undefined) {
      problems.push({ ...where, message: `non-numeric value for \`${name}\`` });
      continue;
    }
    run.addPoint(name, { step, value, wall_time: wall, tokens, epoch });
  }
}

/** Read a run directory. A torn last line of metrics.jsonl (a crash mid-write) is ignored, not an error. */
export function readRunDir(dir: string): ReadRunResult {
  const manifest = readManifest(dir);
  const run = new Run(manifest);
  run.dir = dir;
  const problems: ReadRunResult["problems"] = [];
  const metricsFile = join(dir, RUN_FILES.metrics);
  const m = readJsonl(metricsFile);
  for (const l of m.lines) applyMetricsLine(run, l.value, { file: metricsFile, line: l.line }, problems);
  for (const p of m.problems) problems.push({ file: metricsFile, ...p });
  const samplesFile = join(dir, RUN_FILES.samples);
  const s = readJsonl(samplesFile);
  for (const l of s.lines) {
    const ev = RunEventSchema.safeParse(l.value);
    if (ev.success) run.events.push(ev.data);
    else problems.push({ file: samplesFile, line: l.line, message: ev.error.issues[0].message });
  }
  for (const p of s.problems) problems.push({ file: samplesFile, ...p });
  run.normalize();
  return { run, problems };
}

/**
 * Follows a run directory that is being written: each poll() applies the lines appended since the last poll
 * and returns how many new lines it saw. Incomplete last lines wait for the next poll.
 */
export class RunTailer {
  readonly run: Run;
  readonly problems: ReadRunResult["problems"] = [];
  private tail: JsonlTail;
  private readonly metricsFile: string;

  /**
   * `from` continues where another reader of the same directory stopped (a run read in a worker thread): its
   * Run, and the byte offset and line count of metrics.jsonl it had consumed.
   */
  constructor(
    readonly dir: string,
    from?: { run: Run; offset: number; line: number },
  ) {
    this.run = from?.run ?? new Run(readManifest(dir));
    this.run.dir = dir;
    this.metricsFile = join(dir, RUN_FILES.metrics);
    this.tail = new JsonlTail(this.metricsFile, undefined, from);
  }

  /** Apply new lines; `onLine` sees each raw record (for streaming it on, e.g. over Server-Sent Events). */
  poll(onLine?: (raw: MetricsLine, line: number) => void): number {
    let n = 0;
    this.tail.poll((l) => {
      n++;
      applyMetricsLine(this.run, l.value, { file: this.metricsFile, line: l.line }, this.problems);
      onLine?.(l.value as MetricsLine, l.line);
    });
    for (const p of this.tail.problems.splice(0)) this.problems.push({ file: this.metricsFile, ...p });
    return n;
  }

  /** Re-read run.json (status and summary change while a run goes on). */
  refreshManifest(): RunManifest {
    this.run.manifest = readManifest(this.dir);
    return this.run.manifest;
  }

  /** Byte offset consumed so far (a resumable position for live streams). */
  get offset(): number {
    return this.tail.consumed;
  }

  /** Lines of metrics.jsonl consumed so far (with `offset`, where another tailer can continue). */
  get line(): number {
    return this.tail.lines;
  }
}
