import type { IncomingMessage, ServerResponse } from "node:http";
import { type ChartOptions, tailJson } from "./chart-data.js";
import { HttpError, LIMITS } from "./http.js";
import type { JobManager } from "./jobs.js";
import type { Entry, RunStore } from "./store.js";
import type { TrackedRun } from "./tracked.js";

/**
 * Live updates over Server-Sent Events. A browser tab holds ONE EventSource (`/api/live`), which carries:
 *
 *   event: points   new points of the runs the tab shows, smoothed like its snapshot;  id: the byte offsets
 *   event: status   a shown run's status changed (running → completed)
 *   event: reset    a shown run was rewritten (a resume superseded points): refetch, then reconnect
 *   event: runs     the run list changed (a run appeared, finished, was removed)
 *   event: jobs     the protocols started from the page changed
 *   : ping          every 15 s, so proxies and the browser keep the connection
 *
 * The event id is the list of byte offsets of metrics.jsonl, one per shown run (`1234,-` for a live run and an
 * import). After a dropped connection the browser sends it back as Last-Event-ID and gets exactly the points
 * after those offsets. The server polls each shown run's metrics.jsonl every `pollMs` (one tailer per run,
 * however many tabs show it). A client that disconnects, even mid-write, only removes its stream; one that
 * stops reading (more than `maxBuffered` bytes waiting for it for `stallMs`) is dropped and, if it is still
 * there, reconnects where it left off.
 */

interface StreamRun {
  id: string;
  entry: Entry;
  tracked?: TrackedRun;
  offset: number;
  t0: number;
  status: string;
}

interface Stream {
  res: ServerResponse;
  runs: StreamRun[];
  opts: ChartOptions;
  halfLife: number;
  closed: boolean;
  /** Since when more than maxBuffered bytes wait for this client (undefined while it keeps up). */
  behindSince?: number;
}

export interface LiveOptions {
  pollMs?: number;
  listMs?: number;
  heartbeatMs?: number;
  /** Bytes that may wait for a client … */
  maxBuffered?: number;
  /** … for this long before the client counts as gone (it reconnects where it left off). */
  stallMs?: number;
}

export class LiveHub {
  private readonly streams = new Set<Stream>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastList = 0;
  private listPrint = "";
  private ticking = false;
  private readonly pollMs: number;
  private readonly listMs: number;
  private readonly heartbeatMs: number;
  private readonly maxBuffered: number;
  private readonly stallMs: number;
  private readonly offJobs: () => void;

  constructor(
    private readonly store: RunStore,
    private readonly jobs: JobManager | undefined,
    opts: LiveOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 250;
    this.listMs = opts.listMs ?? 2000;
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.maxBuffered = opts.maxBuffered ?? 4 << 20;
    this.stallMs = opts.stallMs ?? 10_000;
    this.offJobs = jobs?.onChange(() => this.broadcastJobs()) ?? (() => {});
  }

  get size(): number {
    return this.streams.size;
  }

  /**
   * Open a stream. `runs` are the shown runs with the offsets their snapshots were taken at (null for imports);
   * a Last-Event-ID header overrides those offsets.
   */
  async open(
    req: IncomingMessage,
    res: ServerResponse,
    runs: { id: string; from: number | null; t0: number }[],
    opts: ChartOptions,
    halfLife: number,
  ): Promise<void> {
    if (this.streams.size >= LIMITS.streams) throw new HttpError(503, "too many live streams open");
    const last = req.headers["last-event-id"];
    const resumed = typeof last === "string" ? parseEventId(last, runs.length) : undefined;
    const srs: StreamRun[] = [];
    for (let k = 0; k < runs.length; k++) {
      const r = runs[k];
      const entry = await this.store.find(r.id);
      if (!entry) throw new HttpError(404, `no run \`${r.id}\``);
      const tracked = entry.kind === "plateau" ? await this.store.track(entry) : undefined;
      const from = resumed?.[k] ?? r.from;
      srs.push({
        id: r.id,
        entry,
        tracked,
        offset: from ?? tracked?.offset ?? -1,
        t0: r.t0,
        status: tracked ? tracked.status() : entry.status,
      });
    }
    // the list as the first tab saw it: later changes are what `runs` events announce
    if (this.streams.size === 0) this.listPrint = await this.listPrintNow();
    const s: Stream = { res, runs: srs, opts, halfLife, closed: false };
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      "X-Content-Type-Options": "nosniff",
      "X-Accel-Buffering": "no",
    });
    res.on("error", () => this.close(s));
    res.on("close", () => this.close(s));
    for (const r of srs) if (r.tracked) this.store.pinned.set(r.id, (this.store.pinned.get(r.id) ?? 0) + 1);
    this.streams.add(s);
    this.write(s, "retry: 1000\n\n");
    if (this.jobs) this.send(s, "jobs", JSON.stringify(this.jobs.list()));
    // points written between the snapshot (or the last event seen) and now
    for (const r of srs) if (r.tracked) r.tracked.poll();
    this.flushPoints(s);
    this.start();
  }

  /** Stop timers and end every stream (server shutdown). */
  close(s?: Stream): void {
    if (s) {
      if (s.closed) return;
      s.closed = true;
      this.streams.delete(s);
      for (const r of s.runs) {
        if (!r.tracked) continue;
        const n = (this.store.pinned.get(r.id) ?? 1) - 1;
        if (n > 0) this.store.pinned.set(r.id, n);
        else this.store.pinned.delete(r.id);
      }
      if (!s.res.destroyed && !s.res.writableEnded) s.res.end();
      if (this.streams.size === 0) this.stop();
      return;
    }
    for (const st of [...this.streams]) this.close(st);
    this.offJobs();
    this.stop();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.heartbeat = setInterval(() => {
      for (const s of this.streams) this.write(s, ": ping\n\n");
    }, this.heartbeatMs);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
  }

  /** One polling round: read each shown run once, then fan the new points out to every stream. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const polled = new Set<TrackedRun>();
      for (const s of this.streams) {
        for (const r of s.runs) {
          if (!r.tracked || polled.has(r.tracked)) continue;
          polled.add(r.tracked);
          r.tracked.poll();
        }
      }
      for (const s of [...this.streams]) {
        if (this.stalled(s)) continue;
        this.flushPoints(s);
        for (const r of s.runs) {
          if (!r.tracked) continue;
          const st = r.tracked.status();
          if (st !== r.status) {
            r.status = st;
            this.send(s, "status", JSON.stringify({ run: r.id, status: st }));
          }
        }
      }
      if (Date.now() - this.lastList >= this.listMs) {
        this.lastList = Date.now();
        const print = await this.listPrintNow();
        if (print !== this.listPrint) {
          this.listPrint = print;
          for (const s of this.streams) this.send(s, "runs", "{}");
        }
      }
    } finally {
      this.ticking = false;
    }
  }

  /** What identifies the run list's state: ids, statuses and update times. */
  private async listPrintNow(): Promise<string> {
    const listing = await this.store.list(this.listMs);
    return listing.runs
      .flatMap(function flat(e): string[] {
        return [`${e.id}\0${e.status}\0${e.manifest.updated}`, ...e.children.flatMap(flat)];
      })
      .join("\n");
  }

  /** Send a stream the points of its runs that it has not seen yet. */
  private flushPoints(s: Stream): void {
    if (s.closed) return;
    const parts: string[] = [];
    let moved = false;
    for (const r of s.runs) {
      const t = r.tracked;
      if (!t || r.offset === t.offset) continue;
      const at = t.lengthsAt(r.offset);
      if (!at) {
        this.send(s, "reset", JSON.stringify({ run: r.id }));
        r.offset = t.offset;
        continue;
      }
      const series: string[] = [];
      let reordered = false;
      for (const name of t.run.seriesNames()) {
        const from = at.get(name) ?? 0;
        const j = tailJson(t.run, name, from, s.opts, s.halfLife, r.t0);
        if (j === undefined) reordered = true;
        else if (j !== null) series.push(j);
      }
      r.offset = t.offset;
      moved = true;
      if (reordered) {
        this.send(s, "reset", JSON.stringify({ run: r.id }));
        continue;
      }
      if (series.length)
        parts.push(`{"run":${JSON.stringify(r.id)},"offset":${r.offset},"series":[${series.join(",")}]}`);
    }
    if (!moved) return;
    const id = s.runs.map((r) => (r.tracked ? String(r.offset) : "-")).join(",");
    this.send(s, "points", `[${parts.join(",")}]`, id);
  }

  private broadcastJobs(): void {
    if (!this.jobs) return;
    const data = JSON.stringify(this.jobs.list());
    for (const s of this.streams) this.send(s, "jobs", data);
  }

  private send(s: Stream, event: string, data: string, id?: string): void {
    // data must not contain a newline: every payload here is single-line JSON
    this.write(s, `${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${data}\n\n`);
  }

  /** Drop a client that has not read what waits for it for too long; true if it was dropped. */
  private stalled(s: Stream): boolean {
    if (s.res.writableLength <= this.maxBuffered) {
      s.behindSince = undefined;
      return false;
    }
    s.behindSince ??= Date.now();
    if (Date.now() - s.behindSince < this.stallMs) return false;
    // it reconnects with Last-Event-ID (if it is still there) and misses nothing
    s.res.destroy();
    this.close(s);
    return true;
  }

  private write(s: Stream, text: string): void {
    if (s.closed || s.res.destroyed || s.res.writableEnded) {
      this.close(s);
      return;
    }
    if (this.stalled(s)) return;
    s.res.write(text);
  }
}

/** Parse `o1,o2,…` (offsets, or `-` for runs without one) for `n` runs; undefined if malformed. */
export function parseEventId(id: string, n: number): (number | null)[] | undefined {
  const parts = id.split(",");
  if (parts.length !== n) return undefined;
  const out: (number | null)[] = [];
  for (const p of parts) {
    if (p === "-") out.push(null);
    else if (/^\d{1,15}$/.test(p)) out.push(Number(p));
    else return undefined;
  }
  return out;
}
