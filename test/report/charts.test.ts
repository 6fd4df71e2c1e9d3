import { describe, expect, it } from "vitest";
import { curveFromSeries } from "../../src/diagnose/curve.js";
import { diagnoseRun } from "../../src/diagnose/diagnose.js";
import { syntheticRun } from "../../src/diagnose/synthetic.js";
import { autoEmaWeight, runChartSpecs, smoothedSeries } from "../../src/report/run-charts.js";
import { Series } from "../../src/runs/series.js";

describe("chart specs from a diagnosis", () => {
  it("TensorBoard's weight when every point has its pixel, a two-pixel time constant beyond", () => {
    expect(autoEmaWeight(500, 1000)).toBe(0.6);
    expect(autoEmaWeight(200_000, 1000)).toBeCloseTo(1 - 1 / 400, 12);
  });

  it("smoothing runs on every point before the M4 selection, and the spike survives", () => {
    const pts = Array.from({ length: 50_000 }, (_, i) => ({ step: i + 1, value: 3 + 0.01 * Math.sin(i) }));
    pts[31_337].value = 9;
    const s = smoothedSeries(curveFromSeries(Series.from("train/loss", pts)), "train", "#000", 500);
    const [rawS, lin, log] = s;
    // the union of the M4 selections of three columns on two axes: a few points per pixel, not 50,000
    expect(rawS.x.length).toBeLessThan(12 * 500);
    expect(rawS.y).toContain(9);
    expect(lin.view).toBe("linear");
    expect(log.view).toBe("log");
    // the smoothed value at the spike is the EMA over all points, not over the kept ones
    expect(Math.max(...(lin.y as number[]))).toBeLessThan(9);
    expect(Math.max(...(lin.y as number[]))).toBeGreaterThan(3.01);
  });

  it("loss, LR and grad-norm panes with the plateau region, spikes and the fit", () => {
    const s = syntheticRun({ scenario: "lr-too-high", seed: 0, steps: 4000, logEvery: 2, noise: 0.05 });
    const d = diagnoseRun(s.run);
    const specs = runChartSpecs(d, { idPrefix: "r0", width: 600 });
    expect(specs.map((c) => c.id)).toEqual(["r0-loss", "r0-lr", "r0-grad"]);
    const loss = specs[0];
    expect(loss.markers?.filter((m) => m.kind === "spike").length).toBeGreaterThanOrEqual(4);
    expect(loss.yRange?.[1]).toBeLessThan(Math.log(151_936));
    expect(specs[2].logY).toBe(true);
    for (const c of specs) expect(c.xRange?.[1]).toBe(specs[0].xRange?.[1]);
    const p = diagnoseRun(
      syntheticRun({ scenario: "plateau", seed: 0, steps: 4000, logEvery: 4, noise: 0.05 }).run,
    );
    const ps = runChartSpecs(p, { idPrefix: "p", width: 600 })[0];
    expect(ps.regions?.some((r) => r.label === "plateau")).toBe(true);
    expect(ps.series.some((x) => x.label.startsWith("power-law fit") && x.dash)).toBe(true);
  });
});
