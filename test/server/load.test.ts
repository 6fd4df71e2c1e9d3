import { appendFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunTailer, RunWriter } from "../../src/runs/rundir.js";
import type { RunningServer } from "../../src/server/index.js";
import { loadRun } from "../../src/server/load-worker.js";
import { rebuildRun, rebuildRunYielding } from "../../src/server/run-columns.js";
import { getJson, raw, serve, tmpRoot } from "./helpers.js";

/**
 * The first open of a long run: metrics.jsonl is read in the loading worker while the event loop keeps
 * serving, concurrent first requests share that one read, and the live tail continues at the byte where the
 * read stopped.
 */

const BIG = 200_000;

/** metrics.jsonl lines as RunWriter.log writes them, steps from..to inclusive. */
function metricsLines(from: number, to: number): string {
  const out: string[] = [];
  for (let s = from; s <= to; s++)
    out.push(
      JSON.stringify({
        step: s,
        wall_time: 1_700_000_000 + s,
        values: { "train/loss": 2 + 6 / Math.sqrt(s) },
      }),
    );
  return `${out.join("\n")}\n`;
}

/** A completed run whose metrics.jsonl holds steps 1..n (written in one go: RunWriter.log would take seconds). */
function bigRun(root: string, id: string, n: number): string {
  const dir = join(root, id);
  RunWriter.create(dir, { id, name: id }).finish("completed");
  writeFileSync(join(dir, "metrics.jsonl"), metricsLines(1, n));
  return dir;
}

function seriesPath(id: string): string {
  return `/api/series?run=${id}&name=train/loss&width=400&smooth=none`;
}

interface SeriesDoc {
  runs: { id: string; offset: number; series: { n: number }[] }[];
}

describe("a run's first load", () => {
  const root = tmpRoot();
  let server: RunningServer;
  beforeAll(async () => {
    bigRun(root, "big", BIG);
    bigRun(root, "shared", 2_000);
    bigRun(root, "tail", 2_000);
    server = await serve(root);
  });
  afterAll(() => server.close());

  it("does not hold the event loop: the run list answers while a 200k-line run is still being read", async () => {
    const order: string[] = [];
    const chart = raw(server.port, seriesPath("big")).then((r) => {
      order.push("chart");
      return r;
    });
    // the load has started once the store counts it; the run list is asked for only then
    const t0 = Date.now();
    while (server.store.loads === 0 && Date.now() - t0 < 15_000) await new Promise((r) => setImmediate(r));
    expect(server.store.loads).toBe(1);
    const list = await raw(server.port, "/api/runs");
    order.push("list");
    expect(list.status).toBe(200);
    const r = await chart;
    expect(r.status).toBe(200);
    expect(order).toEqual(["list", "chart"]);
    const doc = JSON.parse(r.body) as SeriesDoc;
    expect(doc.runs[0].series[0].n).toBe(BIG);
  });

  it("shares one read between concurrent first requests", async () => {
    const before = server.store.loads;
    const [a, b, detail] = await Promise.all([
      getJson<SeriesDoc>(server.port, seriesPath("shared")),
      getJson<SeriesDoc>(server.port, seriesPath("shared")),
      getJson<{ offset: number; series: { n: number }[] }>(server.port, "/api/run?run=shared"),
    ]);
    expect(server.store.loads - before).toBe(1);
    expect(a.runs[0].offset).toBe(b.runs[0].offset);
    expect(detail.offset).toBe(a.runs[0].offset);
    expect(detail.series[0].n).toBe(2_000);
  });

  it("streams the lines appended right after the load once, from the byte where the load stopped", async () => {
    const first = await getJson<SeriesDoc>(server.port, seriesPath("tail"));
    const offset = first.runs[0].offset;
    expect(offset).toBe(metricsLines(1, 2_000).length);
    appendFileSync(join(root, "tail", "metrics.jsonl"), metricsLines(2_001, 2_050));
    const events = await sse(
      server.port,
      `/api/live?run=tail&from=${offset}&t0=0&width=400&smooth=none`,
      (text) => text.includes("event: points"),
    );
    expect(events).not.toContain("event: reset");
    const block = events.slice(events.indexOf("event: points"));
    const data = JSON.parse(block.slice(block.indexOf("data: ") + 6).split("\n")[0]) as {
      run: string;
      offset: number;
      series: { name: string; x: number[] }[];
    }[];
    expect(data).toHaveLength(1);
    expect(data[0].offset).toBe(offset + metricsLines(2_001, 2_050).length);
    const xs = data[0].series[0].x;
    expect(xs).toEqual(Array.from({ length: 50 }, (_, k) => 2_001 + k));
  });
});

/** Read a Server-Sent Events stream until `done` holds for what arrived, then close it. */
function sse(port: number, path: string, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no matching event; got ${text}`));
    }, 15_000);
    const req = request({ host: "127.0.0.1", port, path }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        if (done(text)) {
          clearTimeout(timer);
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on("error", () => {});
    req.end();
  });
}

describe("reading a run in one thread and following it in another", () => {
  const root = tmpRoot();

  it("continues at the loader's byte offset with the file's line numbers, and rebuilds the same Run", async () => {
    const dir = bigRun(root, "r", 100);
    const { loaded } = loadRun(dir);
    expect(loaded.offset).toBe(metricsLines(1, 100).length);
    expect(loaded.line).toBe(100);
    const run = await rebuildRunYielding(loaded, 7);
    const sync = rebuildRun(loaded);
    const whole = new RunTailer(dir);
    whole.poll();
    for (const r of [run, sync]) {
      const s = r.get("train/loss");
      expect(s?.step).toEqual(whole.run.get("train/loss")?.step);
      expect(s?.value).toEqual(whole.run.get("train/loss")?.value);
      expect(s?.wallTime).toEqual(whole.run.get("train/loss")?.wallTime);
      expect(s?.tokens.every(Number.isNaN)).toBe(true);
    }
    // a torn line being written when the loader stopped, then finished, then a bad line
    appendFileSync(join(dir, "metrics.jsonl"), '{"step":101,"wall_time":1,"val');
    const t = new RunTailer(dir, { run, offset: loaded.offset, line: loaded.line });
    expect(t.poll()).toBe(0);
    appendFileSync(join(dir, "metrics.jsonl"), 'ues":{"train/loss":1.5}}\nnot json\n');
    expect(t.poll()).toBe(1);
    expect(t.run.get("train/loss")?.length).toBe(101);
    expect(t.run.get("train/loss")?.value[100]).toBe(1.5);
    expect(t.problems.map((p) => p.line)).toEqual([102]);
    expect(t.line).toBe(102);
  });
});
