/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunWriter } from "../../src/runs/rundir.js";
import type { RunningServer } from "../../src/server/index.js";
import { browserOrSkip, type LaunchedBrowser, launchBrowser, screenshotDir } from "../helpers/browser.js";
import { serve, tinyTraining, tmpRoot, waitFor, writeRun } from "./helpers.js";

/**
 * The dashboard in Debian's chromium: the run list (hostile names stay text), a run page with its charts and
 * findings, a training started from the page whose loss curve grows live and is stopped from the page, a
 * comparison of two runs, a report opened in place, the dark theme. Screenshots go to test/.tmp/screenshots/.
 */

const browser = browserOrSkip();
const HOSTILE = '<img src=x onerror="window.__xss=1">';

interface ChartDebug {
  key: string;
  title: string;
  lines: { label: string; points: number; total: number }[];
  canvas: number;
}

describe.skipIf(!browser.available)("dashboard in a browser", () => {
  let server: RunningServer;
  let b: LaunchedBrowser;
  let page: Page;
  let base: string;
  let shots: string;
  const errors: string[] = [];

  beforeAll(async () => {
    base = tmpRoot();
    const root = join(base, "runs");
    mkdirSync(root, { recursive: true });
    writeRun(root, "baseline", { name: "baseline lr 3e-4", steps: 3000, evalEvery: 250, spikes: [1800] });
    writeRun(root, "variant", { name: "variant lr 1e-3", steps: 2000, evalEvery: 250 });
    writeRun(root, "hostile", { name: HOSTILE, tags: [HOSTILE], steps: 50 });
    writeFileSync(join(root, "baseline", "report.html"), "<!doctype html><h1 id=r>baseline report</h1>");
    server = await serve(root, { protocols: ["train"] });
    b = await launchBrowser({ viewport: { width: 1400, height: 1000 } });
    page = await b.context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    shots = screenshotDir();
  });
  afterAll(async () => {
    await b?.close();
    await server?.close();
  });

  const charts = () => page.evaluate("window.plateau.charts()") as Promise<ChartDebug[]>;
  const lossPoints = async () => (await charts()).find((c) => c.key === "loss")?.lines[0]?.points ?? 0;

  it("lists the runs; names and tags from the runs stay text", async () => {
    await page.goto(server.url);
    await page.waitForSelector("table.runs tbody tr");
    await page.waitForFunction(() => document.querySelectorAll("td.headline .sev").length >= 2, null, {
      timeout: 60_000,
    });
    const names = await page.locator("a.run-link").allTextContents();
    expect(names).toContain(HOSTILE);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator("main img").count()).toBe(0);
    await page.screenshot({ path: join(shots, "serve-list.png"), fullPage: true });
  });

  it("shows a run: loss, eval, LR and grad-norm charts, downsampled, with findings beside them", async () => {
    await page.goto(`${server.url}#/run/baseline`);
    await page.waitForSelector("figure.chart canvas");
    await waitFor(async () => (await lossPoints()) > 0, 30_000, "the loss chart's data");
    const c = await charts();
    expect(c.map((x) => x.key)).toEqual(["loss", "lr", "grad"]);
    expect(c[0].lines.map((l) => l.label)).toEqual(["train", "eval"]);
    for (const x of c) expect(x.canvas).toBeGreaterThan(0);
    await page.waitForSelector("article.finding, aside.findings h2", { timeout: 60_000 });
    // one live connection for the whole tab
    expect(
      await page.evaluate(() =>
        (window as unknown as { plateau: { liveConnections(): number } }).plateau.liveConnections(),
      ),
    ).toBe(1);
    // keyboard: l toggles log x, s cycles smoothing; the charts are rebuilt and refetched
    await page.keyboard.press("l");
    await page.waitForFunction(() => (document.getElementById("logx") as HTMLInputElement).checked);
    await page.keyboard.press("l");
    await page.screenshot({ path: join(shots, "serve-run.png"), fullPage: true });
  });

  it("opens a run's reports in place", async () => {
    await page.goto(`${server.url}#/run/baseline/report/report.html`);
    const frame = page.frameLocator("iframe.report");
    await expect(frame.locator("#r").textContent({ timeout: 30_000 })).resolves.toBe("baseline report");
    await page.goto(`${server.url}#/run/baseline/report/diagnosis`);
    await page.frameLocator("iframe.report").locator("h1").first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(shots, "serve-report.png") });
  });

  it("compares two runs overlaid", async () => {
    await page.goto(`${server.url}#/compare/baseline/variant`);
    await page.waitForSelector("figure.chart canvas");
    await waitFor(
      async () => (await charts())[0]?.lines.every((l) => l.points > 0) ?? false,
      30_000,
      "both runs' data",
    );
    const c = await charts();
    expect(c[0].title).toBe("train/loss");
    expect(c[0].lines.map((l) => l.label)).toEqual(["baseline lr 3e-4", "variant lr 1e-3"]);
    expect(c[0].lines.map((l) => l.total)).toEqual([3000, 2000]);
    await page.screenshot({ path: join(shots, "serve-compare.png"), fullPage: true });
  });

  it("starts a training from the page, watches its loss grow live, and stops it", async () => {
    await page.goto(server.url);
    await page.waitForSelector("#job-command option", { state: "attached" });
    const args = [
      ...tinyTraining(base),
      "--steps",
      "100000",
      "--eval-every",
      "100",
      "--name",
      "live-from-page",
    ];
    await page.fill("#job-args", args.join(" "));
    await page.click("#job-start");
    await page.waitForSelector(".job a.job-run", { timeout: 60_000 });
    await page.click(".job a.job-run");
    await page.waitForSelector("figure.chart canvas", { timeout: 60_000 });
    await waitFor(async () => (await lossPoints()) > 0, 60_000, "the first points");
    const first = await lossPoints();
    await waitFor(async () => (await lossPoints()) > first + 20, 60_000, "the curve to grow live");
    expect(await page.locator(".run-title .status-running").count()).toBe(1);
    await page.screenshot({ path: join(shots, "serve-live.png"), fullPage: true });
    await page.click("#stop-run");
    await page.waitForSelector(".run-title .status-interrupted", { timeout: 60_000 });
    const final = await lossPoints();
    expect(final).toBeGreaterThan(first + 20);
    expect(
      await page.evaluate(() =>
        (window as unknown as { plateau: { liveConnections(): number } }).plateau.liveConnections(),
      ),
    ).toBe(1);
  });

  it("a run that has logged nothing yet draws its charts when its first points arrive", async () => {
    const w = RunWriter.create(join(base, "runs", "fresh"), { id: "fresh", name: "fresh" });
    await page.goto(`${server.url}#/run/fresh`);
    await page.waitForSelector("text=This run has no series yet");
    for (let s = 1; s <= 30; s++) w.log(s, { "train/loss": 5 - s / 10, "train/lr": 1e-3 });
    await waitFor(async () => (await lossPoints()) === 30, 30_000, "the first points of a fresh run");
    w.finish("completed");
    await page.waitForSelector(".run-title .status-completed", { timeout: 30_000 });
  });

  it("reads well in the dark theme", async () => {
    await page.goto(`${server.url}#/run/variant`);
    await page.waitForSelector("figure.chart canvas");
    await page.keyboard.press("t");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    await waitFor(async () => (await lossPoints()) > 0, 30_000, "the charts after the theme change");
    await page.waitForSelector("article.finding, aside.findings h2", { timeout: 60_000 });
    await page.screenshot({ path: join(shots, "serve-dark.png"), fullPage: true });
    expect(errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
