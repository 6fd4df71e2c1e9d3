import type { Finding, Hypothesis } from "../diagnose/types.js";
import type { Run } from "../runs/run.js";
import type { DiagnoseRequest, Overlays } from "./diagnose-worker.js";
import { runToColumns } from "./run-columns.js";
import type { Opened } from "./store.js";
import { WorkerClient } from "./worker-client.js";

/**
 * Diagnoses of the runs on show, computed on demand in a worker thread (the rules take seconds on a
 * million-point run; the event loop keeps serving charts and live streams meanwhile) and kept until the run
 * changes (a live run's byte offset, an import's generation). A running run is re-diagnosed at most every
 * `liveEveryMs`, so a fast-logging training does not keep the worker busy.
 */

export interface Headline {
  rule: string;
  severity: Finding["severity"];
  confidence: number;
  summary: string;
}

export interface DiagnosisDoc {
  run: string;
  version: string;
  findings: Finding[];
  hypotheses: Hypothesis[];
  headline: Headline | null;
  /** What the diagnosis report marks on its charts (steps as x). */
  overlays: Overlays;
  /** Milliseconds the rules took. */
  ms: number;
}

interface WorkerReply {
  seq: number;
  findings?: Finding[];
  hypotheses?: Hypothesis[];
  overlays?: Overlays;
  html?: string;
  ms?: number;
  error?: string;
}

export class DiagnosisCache {
  private readonly cache = new Map<string, { doc: DiagnosisDoc; at: number }>();
  private readonly pending = new Map<string, Promise<DiagnosisDoc>>();
  private readonly reports = new Map<string, Promise<string>>();
  private readonly worker = new WorkerClient<DiagnoseRequest, WorkerReply>("diagnose-worker");

  constructor(
    /** plateau commands this build has (for the hypotheses' next steps). */
    private readonly commands: string[] = [],
    private readonly version?: string,
    private readonly liveEveryMs = 10_000,
    private readonly max = 256,
  ) {}

  /** The cached headline of a run, whatever its version (the list shows it while a newer one is computed). */
  headline(id: string): Headline | null | undefined {
    return this.cache.get(id)?.doc.headline;
  }

  async get(o: Opened, live: boolean): Promise<DiagnosisDoc> {
    const id = o.entry.id;
    const hit = this.cache.get(id);
    if (hit && (hit.doc.version === o.version || (live && Date.now() - hit.at < this.liveEveryMs)))
      return hit.doc;
    const key = `${id}\0${o.version}`;
    let p = this.pending.get(key);
    if (!p) {
      p = this.compute(o).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  /** The diagnosis report of a run (src/report's self-contained HTML), kept for the last few run versions. */
  report(o: Opened): Promise<string> {
    const key = `${o.entry.id}\0${o.version}`;
    let p = this.reports.get(key);
    if (!p) {
      p = this.ask(o.run, "report").then((r) => {
        if (r.error !== undefined || r.html === undefined) throw new Error(`report failed: ${r.error}`);
        return r.html;
      });
      p.catch(() => this.reports.delete(key));
      this.reports.set(key, p);
      while (this.reports.size > 8) this.reports.delete(this.reports.keys().next().value as string);
    }
    return p;
  }

  /** End the worker (server shutdown). */
  close(): Promise<void> {
    return this.worker.close();
  }

  private async compute(o: Opened): Promise<DiagnosisDoc> {
    const reply = await this.ask(o.run, "diagnose");
    if (reply.error !== undefined) throw new Error(`diagnosis failed: ${reply.error}`);
    const findings = reply.findings ?? [];
    const doc: DiagnosisDoc = {
      run: o.entry.id,
      version: o.version,
      findings,
      hypotheses: reply.hypotheses ?? [],
      headline: headlineOf(findings),
      overlays: reply.overlays ?? {},
      ms: Math.round(reply.ms ?? 0),
    };
    this.cache.delete(o.entry.id);
    this.cache.set(o.entry.id, { doc, at: Date.now() });
    while (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value as string);
    return doc;
  }

  private ask(run: Run, kind: DiagnoseRequest["kind"]): Promise<WorkerReply> {
    const { series, transfer } = runToColumns(run);
    return this.worker.ask(
      {
        kind,
        version: this.version,
        manifest: run.manifest,
        series,
        events: run.events,
        commands: this.commands,
      },
      transfer,
    );
  }
}

/** The finding a run list shows: the first one (diagnose sorts by severity, then confidence). */
function headlineOf(findings: Finding[]): Headline | null {
  const f = findings[0];
  if (!f) return null;
  return { rule: f.rule, severity: f.severity, confidence: f.confidence, summary: f.evidence.summary };
}
