import { describe, expect, it } from "vitest";
import { tensorboardEma } from "../../src/curves/ema.js";
import { Run } from "../../src/runs/run.js";
import {
  type ChartOptions,
  chartIndices,
  columns,
  DEFAULT_CHART,
  halfLifeFor,
  jsonNumber,
  jsonNumbers,
  runT0,
  smoothColumn,
  tailJson,
  xRange,
} from "../../src/server/chart-data.js";

function runWith(
  points: { step: number; value: number; wall_time?: number; tokens?: number }[],
  name = "train/loss",
) {
  const run = Run.imported({ id: "r", name: "r", source: { kind: "import" } });
  for (const p of points) run.addPoint(name, p);
  return run;
}

const opts = (o: Partial<ChartOptions> = {}): ChartOptions => ({ ...DEFAULT_CHART, ...o });

describe("chart columns", () => {
  it("uses the series as it is when x = step is logged in order", () => {
    const run = runWith([1, 2, 3].map((s) => ({ step: s, value: s * 10 })));
    const c = columns(run.get("train/loss")!, "step", false, 0);
    expect(Array.from(c.x)).toEqual([1, 2, 3]);
    expect(Array.from(c.y)).toEqual([10, 20, 30]);
    expect(c.src).toBeNull();
  });

  it("drops points a log x axis cannot show and points without the chosen x", () => {
    const run = runWith([
      { step: 0, value: 9, tokens: 0 },
      { step: 1, value: 8, tokens: 100 },
      { step: 2, value: 7 },
      { step: 3, value: 6, tokens: 300 },
    ]);
    const s = run.get("train/loss")!;
    const logStep = columns(s, "step", true, 0);
    expect(Array.from(logStep.x)).toEqual([1, 2, 3]);
    const tokens = columns(s, "tokens", false, 0);
    expect(Array.from(tokens.x)).toEqual([0, 100, 300]);
    expect(Array.from(tokens.step)).toEqual([0, 1, 3]);
    expect(Array.from(tokens.src ?? [])).toEqual([0, 1, 3]);
  });

  it("relative time counts from the run's first wall time, across all its series", () => {
    const run = runWith([
      { step: 1, value: 1, wall_time: 1000.5 },
      { step: 2, value: 1, wall_time: 1002 },
    ]);
    run.addPoint("eval/loss", { step: 0, value: 3, wall_time: 1000 });
    const t0 = runT0(run);
    expect(t0).toBe(1000);
    expect(Array.from(columns(run.get("train/loss")!, "time", false, t0).x)).toEqual([0.5, 2]);
  });

  it("sorts by x when x is not ascending, and says so", () => {
    const run = runWith([
      { step: 1, value: 1, tokens: 300 },
      { step: 2, value: 2, tokens: 100 },
      { step: 3, value: 3, tokens: 200 },
    ]);
    const c = columns(run.get("train/loss")!, "tokens", false, 0);
    expect(c.reordered).toBe(true);
    expect(Array.from(c.x)).toEqual([100, 200, 300]);
    expect(Array.from(c.y)).toEqual([2, 3, 1]);
  });
});

describe("smoothing", () => {
  it("the density EMA at halfLifeFor(w) equals TensorBoard's EMA on 1000 evenly spaced steps", () => {
    // decay per point = 0.5^(Δ / h) with h = (range/1000)·ln 0.5 / ln w and Δ = range/1000 gives exactly w, and
    // Σ wᵏ·y / Σ wᵏ is TensorBoard's debiased EMA — so the two smoothers agree point for point
    const pts = Array.from({ length: 1001 }, (_, i) => ({ step: i * 5, value: Math.sin(i) + i / 100 }));
    const run = runWith(pts);
    const c = columns(run.get("train/loss")!, "step", false, 0);
    const h = halfLifeFor(0.8, 5000);
    expect(h).toBeCloseTo(((5000 / 1000) * Math.log(0.5)) / Math.log(0.8), 12);
    const density = smoothColumn("train/loss", c, opts({ smooth: "density", weight: 0.8 }), h)!;
    const tb = tensorboardEma(c.y, 0.8);
    for (let i = 0; i < tb.length; i++) expect(density[i]).toBeCloseTo(tb[i], 10);
  });

  it("on a log x axis the density EMA works in ln x: on log-evenly spaced steps it equals TensorBoard's EMA", () => {
    const pts = Array.from({ length: 1001 }, (_, i) => ({
      step: 10 * Math.exp(i * 0.01),
      value: Math.cos(i) + 5,
    }));
    const run = runWith(pts);
    const c = columns(run.get("train/loss")!, "step", true, 0);
    const h = halfLifeFor(0.7, xRange([c], true));
    expect(xRange([c], true)).toBeCloseTo(10, 9); // ln(10·e^10) − ln 10
    const density = smoothColumn("train/loss", c, opts({ smooth: "density", weight: 0.7, logx: true }), h)!;
    const tb = tensorboardEma(c.y, 0.7);
    for (let i = 0; i < tb.length; i++) expect(density[i]).toBeCloseTo(tb[i], 9);
  });

  it("TensorBoard's EMA by weight; none leaves values raw; learning rates are never smoothed", () => {
    const run = runWith([1, 2, 3].map((s) => ({ step: s, value: s })));
    const c = columns(run.get("train/loss")!, "step", false, 0);
    // w = 0.5: last = 0.5, 1.25, 2.125; debias 0.5, 0.75, 0.875
    expect(Array.from(smoothColumn("train/loss", c, opts({ smooth: "tb", weight: 0.5 }), 0)!)).toEqual([
      1,
      1.25 / 0.75,
      2.125 / 0.875,
    ]);
    expect(smoothColumn("train/loss", c, opts({ smooth: "none" }), 0)).toBeUndefined();
    expect(smoothColumn("train/lr", c, opts({ smooth: "tb" }), 0)).toBeUndefined();
  });

  it("a weight of 0 gives no density smoothing at all", () => {
    expect(halfLifeFor(0, 1000)).toBe(0);
  });
});

describe("downsampling for charts", () => {
  const spiky = (n: number) => {
    const pts = [];
    for (let i = 1; i <= n; i++)
      pts.push({ step: i, value: i === 77_777 ? 50 : i === 33_333 ? -10 : 3 + 0.01 * Math.sin(i) });
    return runWith(pts);
  };

  it("keeps every point up to 4 points per pixel column", () => {
    const run = runWith(Array.from({ length: 400 }, (_, i) => ({ step: i + 1, value: i })));
    const c = columns(run.get("train/loss")!, "step", false, 0);
    expect(chartIndices(c, undefined, 100, false).length).toBe(400);
  });

  it("above that, min/max per pixel: the spike and the dip survive, at most 4 points per column per curve", () => {
    const run = spiky(100_000);
    const c = columns(run.get("train/loss")!, "step", false, 0);
    const sm = smoothColumn("train/loss", c, opts({ smooth: "tb", weight: 0.9 }), 0);
    const idx = Array.from(chartIndices(c, sm, 500, false));
    expect(idx.length).toBeLessThanOrEqual(2 * 4 * 500);
    expect(idx).toContain(77_776); // the spike (step 77,777)
    expect(idx).toContain(33_332); // the dip
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(99_999);
    for (let k = 1; k < idx.length; k++) expect(idx[k]).toBeGreaterThan(idx[k - 1]);
  });

  it("a zoomed range is downsampled at full resolution, with one point beyond each edge", () => {
    const run = spiky(100_000);
    const c = columns(run.get("train/loss")!, "step", false, 0);
    const idx = Array.from(chartIndices(c, undefined, 500, false, [40_000, 41_000]));
    expect(idx.length).toBe(1003); // steps 39,999 … 41,001: ≤ 4 per column, so all of them
    expect(c.x[idx[0]]).toBe(39_999);
    expect(c.x[idx[idx.length - 1]]).toBe(41_001);
  });
});

describe("JSON numbers", () => {
  it("integers exact, others to 7 significant digits, non-finite as null", () => {
    expect(jsonNumber(123456789)).toBe("123456789");
    expect(jsonNumber(Math.PI)).toBe("3.141593");
    expect(jsonNumber(1.23456789e-7)).toBe("1.234568e-7");
    expect(jsonNumber(Number.NaN)).toBe("null");
    expect(jsonNumber(Number.NEGATIVE_INFINITY)).toBe("null");
    expect(JSON.parse(jsonNumbers([1, 0.5, Number.POSITIVE_INFINITY]))).toEqual([1, 0.5, null]);
    expect(JSON.parse(jsonNumbers([10, 20, 30], [2, 0]))).toEqual([30, 10]);
  });
});

describe("live tails", () => {
  it("sends the points from a source index on, smoothed over the whole series", () => {
    const run = runWith([1, 2, 3, 4].map((s) => ({ step: s, value: s })));
    const o = opts({ smooth: "tb", weight: 0.5 });
    const tail = JSON.parse(tailJson(run, "train/loss", 2, o, 0, 0) as string);
    expect(tail.x).toEqual([3, 4]);
    expect(tail.y).toEqual([3, 4]);
    const full = tensorboardEma([1, 2, 3, 4], 0.5);
    expect(tail.s[0]).toBeCloseTo(full[2], 6);
    expect(tail.s[1]).toBeCloseTo(full[3], 6);
    expect(tailJson(run, "train/loss", 4, o, 0, 0)).toBeNull();
    expect(tailJson(run, "no/such", 0, o, 0, 0)).toBeNull();
  });

  it("refuses to append when x had to be reordered (the client refetches instead)", () => {
    const run = runWith([
      { step: 1, value: 1, tokens: 200 },
      { step: 2, value: 2, tokens: 100 },
    ]);
    expect(tailJson(run, "train/loss", 1, opts({ x: "tokens" }), 0, 0)).toBeUndefined();
  });
});
