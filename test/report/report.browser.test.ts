import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diagnoseRun } from "../../src/diagnose/diagnose.js";
import { syntheticRun } from "../../src/diagnose/synthetic.js";
import { diagnosisReportHtml } from "../../src/report/diagnosis-report.js";
import { browserOrSkip, launchBrowser, screenshotDir } from "../helpers/browser.js";
import { tmpDir } from "../helpers/tmp.js";

const browser = browserOrSkip();

// The callbacks below run in the page; the test compiles without the DOM library, so they reach the page's
// globals through these structural types.
interface Canvas {
  width: number;
  height: number;
  getContext(kind: "2d"): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
interface UPlotLike {
  root: { querySelector(sel: string): Canvas };
  data: number[][];
  series: unknown[];
  scales: { x: { distr: number } };
}
interface PageGlobals {
  plateauReport: { ready: boolean; charts: { id: string; uplot: UPlotLike }[]; errors: string[] };
  __xss?: number;
}

interface ChartState {
  id: string;
  points: number;
  series: number;
  xDistr: number;
  inked: number;
}

describe.skipIf(!browser.available)("diagnose report in a real browser (chromium)", () => {
  it("draws every chart, marks what the rules found, toggles log x, and runs no injected markup", async () => {
    const spiky = syntheticRun({ scenario: "lr-too-high", seed: 0, steps: 20_000, logEvery: 1, noise: 0.05 });
    // a run name from a log is untrusted: it must come out as text
    spiky.run.manifest.name = `<img src=x onerror="window.__xss=1">spiky`;
    const wsd = syntheticRun({
      scenario: "schedule-plateau",
      seed: 0,
      steps: 5000,
      logEvery: 5,
      noise: 0.05,
    });
    const ds = [diagnoseRun(spiky.run), diagnoseRun(wsd.run)];
    const file = join(tmpDir(), "report.html");
    writeFileSync(file, diagnosisReportHtml(ds, { version: "test" }));

    const b = await launchBrowser({ viewport: { width: 1280, height: 1100 } });
    try {
      const page = await b.context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      await page.goto(`file://${file}`);
      await page.waitForFunction(
        () => (globalThis as unknown as Partial<PageGlobals>).plateauReport?.ready === true,
      );
      const state = () =>
        page.evaluate(() => {
          const r = (globalThis as unknown as PageGlobals).plateauReport;
          return {
            errors: r.errors,
            charts: r.charts.map((c) => {
              const canvas = c.uplot.root.querySelector("canvas");
              const img = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
              let inked = 0;
              for (let i = 0; i < img.length; i += 4)
                if (img[i + 3] > 0 && img[i] + img[i + 1] + img[i + 2] < 600) inked++;
              return {
                id: c.id,
                points: c.uplot.data[0].length,
                series: c.uplot.series.length,
                xDistr: c.uplot.scales.x.distr,
                inked,
              };
            }) as ChartState[],
          };
        });
      const lin = await state();
      expect(errors).toEqual([]);
      expect(lin.errors).toEqual([]);
      expect(lin.charts.map((c) => c.id)).toEqual([
        "run0-loss",
        "run0-lr",
        "run0-grad",
        "run1-loss",
        "run1-lr",
        "run1-grad",
      ]);
      for (const c of lin.charts) {
        expect(c.points, c.id).toBeGreaterThan(10);
        expect(c.inked, c.id).toBeGreaterThan(500);
        expect(c.xDistr).toBe(1);
      }
      // 20,000 points drawn from a few per pixel, not all of them
      expect(lin.charts[0].points).toBeLessThan(20_000);
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__xss)).toBeUndefined();
      expect(await page.locator("h2").first().textContent()).toContain(
        '<img src=x onerror="window.__xss=1">spiky',
      );
      const dir = screenshotDir();
      await page.screenshot({ path: join(dir, "diagnose-report.png"), fullPage: true });

      await page.click("#plateau-logx");
      await page.waitForFunction(
        () => (globalThis as unknown as PageGlobals).plateauReport.charts[0].uplot.scales.x.distr === 3,
      );
      const log = await state();
      expect(log.errors).toEqual([]);
      for (const c of log.charts) {
        expect(c.xDistr).toBe(3);
        expect(c.inked, c.id).toBeGreaterThan(500);
      }
      await page
        .locator('[data-chart="run1-loss"]')
        .screenshot({ path: join(dir, "diagnose-report-logx.png") });
      expect(errors).toEqual([]);
    } finally {
      await b.close();
    }
  }, 120_000);
});
