import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server/index.js";
import { getJson, raw, serve, tmpRoot, waitFor, writeRun } from "./helpers.js";

/** The dashboard's HTTP API over a runs root with plateau runs and imported logs. */

function trainerState(steps: number, lossAt: (s: number) => number): string {
  const log_history = [];
  for (let s = 10; s <= steps; s += 10)
    log_history.push({ step: s, epoch: s / steps, loss: lossAt(s), learning_rate: 5e-5 });
  return JSON.stringify({ global_step: steps, log_history });
}

interface ListedRun {
  id: string;
  name: string;
  kind: string;
  status: string;
  format: string | null;
  reports: { name: string; url: string }[];
  children: ListedRun[];
  headline: { rule: string } | null;
}

describe("plateau serve API", () => {
  let server: RunningServer;
  let root: string;
  let port: number;
  let elsewhere: string;

  beforeAll(async () => {
    const base = tmpRoot();
    root = join(base, "runs");
    elsewhere = join(base, "elsewhere");
    mkdirSync(root, { recursive: true });
    writeRun(root, "alpha", {
      steps: 300,
      evalEvery: 50,
      name: '<img src=x onerror="alert(1)">',
      tags: ["<b>t</b>"],
    });
    writeFileSync(join(root, "alpha", "report.html"), "<h1>alpha report</h1>");
    writeRun(root, "big", { steps: 20_000, spikes: [12_345], nanAt: 15_000 });
    // a ladder: rungs nested under the parent run
    writeRun(root, "ladder", { steps: 10 });
    writeRun(join(root, "ladder"), "rung-1k", { id: "ladder/rung-1k", steps: 10 });
    // logs of another tool dropped into the runs root, and given with --logs from elsewhere
    mkdirSync(join(root, "hf-output"), { recursive: true });
    writeFileSync(
      join(root, "hf-output", "trainer_state.json"),
      trainerState(500, (s) => 3 + 100 / s),
    );
    mkdirSync(join(elsewhere, "other-hf"), { recursive: true });
    writeFileSync(
      join(elsewhere, "other-hf", "trainer_state.json"),
      trainerState(300, (s) => 4 + 50 / s),
    );
    server = await serve(root, { logs: [join(elsewhere, "other-hf")] });
    port = server.port;
  });
  afterAll(() => server.close());

  it("serves the page and its modules from the package, with a strict CSP and ETags", async () => {
    const page = await raw(port, "/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.body).toContain('<script type="module" src="/assets/app.js">');
    // every module is preloaded, so the page does not wait on a chain of imports before its first paint
    for (const m of readdirSync("src/server/client").filter((f) => f.endsWith(".js")))
      expect(page.body, m).toContain(`<link rel="modulepreload" href="/assets/${m}">`);
    for (const a of [
      "/assets/app.js",
      "/assets/chart.js",
      "/assets/uplot.js",
      "/assets/uplot.css",
      "/assets/style.css",
    ]) {
      const r = await raw(port, a);
      expect(r.status, a).toBe(200);
      const again = await raw(port, a, { headers: { "If-None-Match": String(r.headers.etag) } });
      expect(again.status, a).toBe(304);
    }
    const gz = await raw(port, "/assets/uplot.js", { headers: { "Accept-Encoding": "gzip" } });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect((await raw(port, "/assets/../package.json")).status).toBe(404);
  });

  it("lists plateau runs (nested runs under their parent) and imported logs, with status", async () => {
    const list = await getJson<{ root: string; runs: ListedRun[] }>(port, "/api/runs");
    const byId = new Map(list.runs.map((r) => [r.id, r]));
    expect(byId.get("alpha")?.status).toBe("completed");
    expect(byId.get("alpha")?.name).toBe('<img src=x onerror="alert(1)">');
    expect(byId.get("alpha")?.reports).toEqual([{ name: "report.html", url: "/files/alpha/report.html" }]);
    expect(byId.get("ladder")?.children.map((c) => c.id)).toEqual(["ladder/rung-1k"]);
    const imports = list.runs.filter((r) => r.kind === "import");
    expect(imports.map((r) => r.name).sort()).toEqual(["hf-output", "other-hf"]);
    for (const r of imports) {
      expect(r.status).toBe("imported");
      expect(r.format).toBe("hf-trainer-state");
    }
  });

  it("a run's detail: facts, series with counts, the offset a live stream starts from", async () => {
    const d = await getJson<{
      series: { name: string; n: number; non_finite: number }[];
      offset: number;
      status: string;
      tags: string[];
    }>(port, "/api/run?run=big");
    const loss = d.series.find((s) => s.name === "train/loss");
    expect(loss?.n).toBe(20_000);
    expect(loss?.non_finite).toBe(1);
    expect(d.offset).toBeGreaterThan(0);
    expect(d.status).toBe("completed");
    expect((await getJson<{ tags: string[] }>(port, "/api/run?run=alpha")).tags).toEqual(["<b>t</b>"]);
  });

  it("downsamples on the server beyond 4 points per pixel, keeping the spike and the NaN", async () => {
    const width = 400;
    const r = await getJson<{
      halflife: number;
      runs: {
        id: string;
        offset: number;
        series: {
          name: string;
          n: number;
          kept: number;
          downsampled: boolean;
          x: number[];
          y: (number | null)[];
          s: number[];
        }[];
      }[];
    }>(port, `/api/series?run=big&name=train/loss&name=train/lr&width=${width}&smooth=tb&weight=0.9`);
    const loss = r.runs[0].series.find((s) => s.name === "train/loss")!;
    expect(loss.n).toBe(20_000);
    expect(loss.downsampled).toBe(true);
    expect(loss.kept).toBeLessThanOrEqual(2 * 4 * width);
    expect(loss.kept).toBe(loss.x.length);
    const spikeAt = loss.x.indexOf(12_345);
    expect(spikeAt).toBeGreaterThanOrEqual(0);
    expect(loss.y[spikeAt]).toBeGreaterThan(5);
    expect(loss.y[loss.x.indexOf(15_000)]).toBeNull();
    expect(loss.s.length).toBe(loss.x.length);
    const lr = r.runs[0].series.find((s) => s.name === "train/lr")!;
    expect(lr.s).toBeUndefined(); // the LR is a schedule: never smoothed
    // a small series is sent whole
    const small = await getJson<{ runs: { series: { n: number; kept: number; downsampled: boolean }[] }[] }>(
      port,
      "/api/series?run=alpha&name=train/loss&width=400",
    );
    expect(small.runs[0].series[0]).toMatchObject({ n: 300, kept: 300, downsampled: false });
  });

  it("several runs in one request share one density-EMA half-life", async () => {
    const r = await getJson<{ halflife: number; runs: { id: string }[] }>(
      port,
      "/api/series?run=alpha&run=big&name=train/loss&smooth=density&weight=0.6&width=500",
    );
    expect(r.runs.map((x) => x.id)).toEqual(["alpha", "big"]);
    // x spans steps 1 … 20,000 over both runs
    expect(r.halflife).toBeCloseTo(((19_999 / 1000) * Math.log(0.5)) / Math.log(0.6), 9);
    const given = await getJson<{ halflife: number }>(
      port,
      "/api/series?run=alpha&name=train/loss&halflife=7",
    );
    expect(given.halflife).toBe(7);
  });

  it("a zoomed request is downsampled over its range only", async () => {
    const r = await getJson<{ runs: { series: { x: number[]; downsampled: boolean }[] }[] }>(
      port,
      "/api/series?run=big&name=train/loss&width=400&xmin=12000&xmax=12500",
    );
    const s = r.runs[0].series[0];
    expect(s.x[0]).toBe(11_999);
    expect(s.x[s.x.length - 1]).toBe(12_501);
    expect(s.downsampled).toBe(true); // 503 of the 20,000 points: all of those within the range
    expect(s.x.length).toBe(503);
  });

  it("x in tokens comes with the step of every point (findings are placed by step)", async () => {
    const r = await getJson<{ runs: { series: { x: number[]; step: number[] }[] }[] }>(
      port,
      "/api/series?run=alpha&name=train/loss&x=tokens",
    );
    expect(r.runs[0].series[0].x.slice(0, 2)).toEqual([1024, 2048]);
    expect(r.runs[0].series[0].step.slice(0, 2)).toEqual([1, 2]);
  });

  it("diagnoses a run (in the worker) with a headline for the list, and builds its report", async () => {
    const d = await getJson<{
      findings: { rule: string; steps: number[][] }[];
      headline: { rule: string } | null;
      hypotheses: unknown[];
    }>(port, "/api/diagnosis?run=big");
    expect(d.findings.map((f) => f.rule)).toContain("nan");
    expect(d.headline?.rule).toBe(d.findings[0].rule);
    expect(d.hypotheses.length).toBeGreaterThan(0);
    const list = await getJson<{ runs: ListedRun[] }>(port, "/api/runs");
    expect(list.runs.find((r) => r.id === "big")?.headline?.rule).toBe(d.headline?.rule);
    const rep = await raw(port, "/api/report?run=big");
    expect(rep.status).toBe(200);
    expect(rep.headers["content-security-policy"]).toContain("sandbox");
    expect(rep.body).toContain("<!doctype html>");
    // the imported logs are diagnosed too
    const imp = (await getJson<{ runs: ListedRun[] }>(port, "/api/runs")).runs.find(
      (r) => r.name === "other-hf",
    )!;
    expect((await raw(port, `/api/diagnosis?run=${encodeURIComponent(imp.id)}`)).status).toBe(200);
  });

  it("survives a client that disconnects in the middle of a download", async () => {
    writeFileSync(join(root, "alpha", "report.md"), "x".repeat(8 << 20));
    await new Promise<void>((resolve) => {
      const req = request(
        { host: "127.0.0.1", port, path: "/files/alpha/report.md", headers: { Host: `127.0.0.1:${port}` } },
        (res) => {
          res.once("data", () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on("error", () => {});
      req.end();
    });
    const r = await raw(port, "/files/alpha/report.md");
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(8 << 20);
  });

  it("picks up a run that appears and logs that change", async () => {
    writeRun(root, "late", { steps: 5 });
    // the listing is cached for a second at most
    await waitFor(
      async () => (await getJson<{ runs: ListedRun[] }>(port, "/api/runs")).runs.some((r) => r.id === "late"),
      5000,
      "the new run in the list",
    );
    // an imported log that grows is read again
    writeFileSync(
      join(root, "hf-output", "trainer_state.json"),
      trainerState(900, (s) => 3 + 100 / s),
    );
    await waitFor(
      async () => {
        const list = await getJson<{ runs: ListedRun[] }>(port, "/api/runs");
        const imp = list.runs.find((r) => r.name === "hf-output");
        if (!imp) return false;
        const d = await getJson<{ series: { name: string; n: number }[] }>(
          port,
          `/api/run?run=${encodeURIComponent(imp.id)}`,
        );
        return d.series.find((s) => s.name === "train/loss")?.n === 90;
      },
      5000,
      "the grown import",
    );
  });
});
