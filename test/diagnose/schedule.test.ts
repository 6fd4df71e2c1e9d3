import { describe, expect, it } from "vitest";
import { curveFromSeries } from "../../src/diagnose/curve.js";
import { scheduleFromFacts, scheduleFromLr } from "../../src/diagnose/schedule.js";
import { Series } from "../../src/runs/series.js";

const lrCurve = (n: number, f: (s: number) => number) =>
  curveFromSeries(
    Series.from(
      "train/lr",
      Array.from({ length: n }, (_, i) => ({ step: i + 1, value: f(i + 1) })),
    ),
  );

describe("LR schedule from the logged LR", () => {
  it("warmup then constant", () => {
    const s = scheduleFromLr(
      lrCurve(1000, (x) => (x < 50 ? (3e-4 * x) / 50 : 3e-4)),
      1000,
    );
    expect(s.description).toBe("constant after warmup");
    expect(s.warmupEnd).toBe(49);
    expect(s.stretches.map((x) => x.kind)).toEqual(["warmup", "constant"]);
    expect(s.stretches[1].from).toBe(50);
  });
  it("cosine: its flat top is not a constant stretch worth naming", () => {
    const s = scheduleFromLr(
      lrCurve(1000, (x) =>
        x < 20 ? (3e-4 * x) / 20 : 3e-4 * (0.1 + 0.45 * (1 + Math.cos((Math.PI * (x - 20)) / 980))),
      ),
      1000,
    );
    expect(s.description).toBe("decaying (cosine/linear-like)");
  });
  it("warmup-stable-decay", () => {
    const s = scheduleFromLr(
      lrCurve(1000, (x) => (x < 20 ? (3e-4 * x) / 20 : x < 750 ? 3e-4 : (3e-4 * (1000 - x)) / 250)),
      1000,
    );
    expect(s.description).toBe("constant then decay (WSD-like)");
    const c = s.stretches.find((x) => x.kind === "constant");
    expect(c?.from).toBe(20);
    expect(c?.to).toBeGreaterThanOrEqual(750);
    expect(c?.to).toBeLessThanOrEqual(752);
  });
  it("from the stated HF scheduler when the LR was not logged", () => {
    const s = scheduleFromFacts(
      { lr: { schedule: "constant_with_warmup", warmup_steps: 100, peak: 2e-4 } },
      10,
      5000,
    );
    expect(s.stretches.map((x) => [x.kind, x.from, x.to])).toEqual([
      ["warmup", 10, 100],
      ["constant", 100, 5000],
    ]);
    expect(scheduleFromFacts({}, 0, 10).source).toBe("unknown");
  });
});
