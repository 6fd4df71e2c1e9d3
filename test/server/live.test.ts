import { type ClientRequest, type IncomingMessage, request, type ServerResponse } from "node:http";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunWriter } from "../../src/runs/rundir.js";
import { DEFAULT_CHART } from "../../src/server/chart-data.js";
import type { RunningServer } from "../../src/server/index.js";
import { parseEventId } from "../../src/server/live.js";
import { getJson, raw, serve, tmpRoot, waitFor } from "./helpers.js";

/** Live curves over Server-Sent Events: new points, resume with Last-Event-ID, resets, clients that vanish. */

interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/** An EventSource-like reader over node:http, to see the exact bytes the server sends. */
class SseClient {
  readonly events: SseEvent[] = [];
  res?: IncomingMessage;
  req: ClientRequest;
  private buf = "";
  private waiters: (() => void)[] = [];

  constructor(port: number, target: string, headers: Record<string, string> = {}) {
    this.req = request(
      { host: "127.0.0.1", port, path: target, headers: { Host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        this.res = res;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          this.buf += chunk;
          let k = this.buf.indexOf("\n\n");
          while (k >= 0) {
            const block = this.buf.slice(0, k);
            this.buf = this.buf.slice(k + 2);
            const ev: SseEvent = { event: "message", data: "" };
            let any = false;
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) continue;
              const c = line.indexOf(":");
              const field = line.slice(0, c);
              const value = line.slice(c + 1).replace(/^ /, "");
              if (field === "event") ev.event = value;
              else if (field === "id") ev.id = value;
              else if (field === "data") ev.data = value;
              else continue;
              any = true;
            }
            if (any && ev.data !== "") this.events.push(ev);
            k = this.buf.indexOf("\n\n");
          }
          for (const w of this.waiters.splice(0)) w();
        });
      },
    );
    this.req.on("error", () => {});
    this.req.end();
  }

  /** Wait until an event matching `pred` has arrived (after the first `skip` events). */
  async next(pred: (e: SseEvent) => boolean, skip = 0, ms = 15_000): Promise<SseEvent> {
    const t0 = Date.now();
    for (;;) {
      const hit = this.events.slice(skip).find(pred);
      if (hit) return hit;
      if (Date.now() - t0 > ms)
        throw new Error(`no matching event; got ${JSON.stringify(this.events.map((e) => e.event))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  close(): void {
    this.req.destroy();
  }
}

const points = (e: SseEvent) =>
  JSON.parse(e.data) as {
    run: string;
    offset: number;
    series: { name: string; x: number[]; y: number[]; s?: number[] }[];
  }[];
const lossSteps = (e: SseEvent) =>
  points(e).flatMap((r) => r.series.filter((s) => s.name === "train/loss").flatMap((s) => s.x));

describe("live stream", () => {
  let server: RunningServer;
  let root: string;
  let port: number;

  beforeAll(async () => {
    root = tmpRoot();
    server = await serve(root, { live: { pollMs: 40, listMs: 150, heartbeatMs: 200 } });
    port = server.port;
  });
  afterAll(() => server.close());

  const log = (w: RunWriter, from: number, to: number) => {
    for (let s = from; s <= to; s++)
      w.log(s, { "train/loss": 10 - s / 10, "train/lr": 1e-3 }, { wall_time: 1000 + s });
  };

  it("sends the points written after the snapshot, then resumes after a dropped connection without loss or repeat", async () => {
    const w = RunWriter.create(join(root, "live"), { id: "live", name: "live" });
    log(w, 1, 10);
    const d = await getJson<{ offset: number }>(port, "/api/run?run=live");
    const a = new SseClient(port, `/api/live?run=live&from=${d.offset}&t0=0&smooth=tb&weight=0.5`);
    log(w, 11, 15);
    const first = await a.next((e) => e.event === "points" && lossSteps(e).includes(15));
    const seen = a.events.filter((e) => e.event === "points").flatMap(lossSteps);
    expect(seen).toEqual([11, 12, 13, 14, 15]);
    const p = points(first)[0];
    expect(p.run).toBe("live");
    // smoothed over the whole series (TensorBoard's EMA, w = 0.5), continuing the snapshot's curve
    const loss = p.series.find((s) => s.name === "train/loss")!;
    expect(loss.s).toHaveLength(loss.x.length);
    const lastId = a.events.filter((e) => e.event === "points").at(-1)?.id as string;
    expect(lastId).toMatch(/^\d+$/);
    // the client vanishes mid-stream; the run goes on
    a.close();
    log(w, 16, 20);
    const b = new SseClient(port, `/api/live?run=live&from=${d.offset}&t0=0&smooth=tb&weight=0.5`, {
      "Last-Event-ID": lastId,
    });
    await b.next((e) => e.event === "points" && lossSteps(e).includes(20));
    expect(b.events.filter((e) => e.event === "points").flatMap(lossSteps)).toEqual([16, 17, 18, 19, 20]);
    // the run finishes: its status changes on the stream
    w.finish("completed");
    const st = await b.next((e) => e.event === "status");
    expect(JSON.parse(st.data)).toEqual({ run: "live", status: "completed" });
    b.close();
    expect((await raw(port, "/api/health")).status).toBe(200);
  });

  it("an offset the server cannot resume from, or a run rewritten by a resume, sends a reset", async () => {
    const w = RunWriter.create(join(root, "resumed"), { id: "resumed", name: "resumed" });
    log(w, 1, 30);
    const d = await getJson<{ offset: number }>(port, "/api/run?run=resumed");
    const stale = new SseClient(port, "/api/live?run=resumed&from=0", { "Last-Event-ID": "17" });
    const reset = await stale.next((e) => e.event === "reset");
    expect(JSON.parse(reset.data)).toEqual({ run: "resumed" });
    stale.close();
    const c = new SseClient(port, `/api/live?run=resumed&from=${d.offset}`);
    w.finish("interrupted");
    // a new process resumes from the step-20 checkpoint: steps 21–30 are superseded
    const w2 = RunWriter.resume(join(root, "resumed"), 20);
    log(w2, 21, 22);
    await c.next((e) => e.event === "reset");
    c.close();
    w2.finish("completed");
  });

  it("one stream carries several runs (a comparison); its id holds an offset per run", async () => {
    const a = RunWriter.create(join(root, "cmp-a"), { id: "cmp-a", name: "a" });
    const b = RunWriter.create(join(root, "cmp-b"), { id: "cmp-b", name: "b" });
    log(a, 1, 3);
    log(b, 1, 3);
    const da = await getJson<{ offset: number }>(port, "/api/run?run=cmp-a");
    const db = await getJson<{ offset: number }>(port, "/api/run?run=cmp-b");
    const c = new SseClient(
      port,
      `/api/live?run=cmp-a&run=cmp-b&from=${da.offset}&from=${db.offset}&t0=0&t0=0`,
    );
    log(b, 4, 6);
    const e1 = await c.next((e) => e.event === "points" && lossSteps(e).includes(6));
    expect(points(e1).map((r) => r.run)).toEqual(["cmp-b"]);
    const [offA, offB] = (e1.id as string).split(",").map(Number);
    expect(offA).toBe(da.offset);
    expect(offB).toBeGreaterThan(db.offset);
    c.close();
    log(a, 4, 5);
    log(b, 7, 7);
    const d = new SseClient(port, `/api/live?run=cmp-a&run=cmp-b&from=${da.offset}&from=${db.offset}`, {
      "Last-Event-ID": e1.id as string,
    });
    await d.next((e) => e.event === "points");
    const got = d.events.filter((e) => e.event === "points").flatMap(points);
    expect(got.find((r) => r.run === "cmp-a")?.series.find((x) => x.name === "train/loss")?.x).toEqual([
      4, 5,
    ]);
    expect(got.find((r) => r.run === "cmp-b")?.series.find((x) => x.name === "train/loss")?.x).toEqual([7]);
    d.close();
    a.finish("completed");
    b.finish("completed");
  });

  it("tells every tab when the run list changes", async () => {
    const c = new SseClient(port, "/api/live");
    await c.next((e) => e.event === "jobs"); // connected: the list as it is now is the baseline
    const before = c.events.length;
    RunWriter.create(join(root, "newcomer"), { id: "newcomer", name: "newcomer" }).finish("completed");
    await c.next((e) => e.event === "runs", before);
    c.close();
  });

  it("survives clients that disconnect mid-stream, and drops one that stops reading", async () => {
    const w = RunWriter.create(join(root, "busy"), { id: "busy", name: "busy" });
    log(w, 1, 5);
    const d = await getJson<{ offset: number }>(port, "/api/run?run=busy");
    const clients = Array.from(
      { length: 8 },
      () => new SseClient(port, `/api/live?run=busy&from=${d.offset}`),
    );
    log(w, 6, 50);
    await clients[0].next((e) => e.event === "points");
    for (const c of clients) c.close();
    log(w, 51, 100);
    await waitFor(() => server.live.size === 0, 15_000, "the streams of vanished clients to close");
    expect((await raw(port, "/api/health")).status).toBe(200);

    // a client that stops reading: a response whose bytes are never taken (the kernel's socket buffers would
    // hide this for megabytes on loopback); once more than maxBuffered bytes have waited for stallMs, it is cut
    const slow = await serve(root, { live: { pollMs: 20, maxBuffered: 16 * 1024, stallMs: 200 } });
    try {
      const sink = new Writable({ highWaterMark: 1024, write: () => {} }) as Writable & { writeHead(): void };
      sink.writeHead = () => {};
      const fakeReq = { headers: {} } as IncomingMessage;
      const d2 = await getJson<{ offset: number }>(slow.port, "/api/run?run=busy");
      await slow.live.open(
        fakeReq,
        sink as unknown as ServerResponse,
        [{ id: "busy", from: d2.offset, t0: 0 }],
        DEFAULT_CHART,
        0,
      );
      expect(slow.live.size).toBe(1);
      const t0 = Date.now();
      for (let s = 101; !sink.destroyed; s += 100) {
        if (Date.now() - t0 > 20_000) throw new Error("a client that stopped reading was not dropped");
        log(w, s, s + 99);
        await new Promise((r) => setTimeout(r, 25));
      }
      await waitFor(() => slow.live.size === 0, 15_000, "the stalled stream to close");
      expect((await raw(slow.port, "/api/health")).status).toBe(200);
    } finally {
      await slow.close();
      w.finish("completed");
    }
  });
});

describe("event ids", () => {
  it("hold one byte offset per shown run (- for imports); anything else is not resumable", () => {
    expect(parseEventId("1234,-,0", 3)).toEqual([1234, null, 0]);
    expect(parseEventId("1234", 2)).toBeUndefined();
    expect(parseEventId("12a,5", 2)).toBeUndefined();
    expect(parseEventId("-1", 1)).toBeUndefined();
    expect(parseEventId("9".repeat(16), 1)).toBeUndefined();
  });
});
