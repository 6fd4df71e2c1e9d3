import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeDemoCorpus } from "../../src/data/demo/index.js";
import { runCapacity } from "../../src/protocols/capacity.js";
import { runLadder } from "../../src/protocols/ladder.js";
import { logGrid, runLrSweep, suggestLrs } from "../../src/protocols/lr-sweep.js";
import { quietSession } from "../../src/protocols/session.js";
import { listRuns } from "../../src/runs/root.js";
import { readRunDir } from "../../src/runs/rundir.js";
import { tmpDir } from "../helpers/tmp.js";
import { tinySweep } from "./helpers.js";

let corpus: string[];
beforeAll(() => {
  const dir = tmpDir("plateau-sweep-");
  corpus = writeDemoCorpus(join(dir, "demo"), { docs: 200, seed: 3 }).files.corpus;
});

describe("LR sweep", () => {
  it("trains one nested child run per LR on the same data order, and a resume reuses completed points", async () => {
    const runs = tmpDir();
    const s = { ...tinySweep(corpus), lrs: [1e-3, 1e-2] };
    const r = await runLrSweep(s, { runsDir: runs }, quietSession());
    expect(r.status).toBe("completed");
    expect(r.points.map((p) => p.values?.lr)).toEqual([1e-3, 1e-2]);
    for (const p of r.points) {
      expect(p.steps).toBe(Math.round(2000 / (4 * 32)));
      expect(Number.isFinite(p.val_loss)).toBe(true);
    }
    expect(r.best?.lr).toBe(r.points.reduce((a, b) => (b.val_loss < a.val_loss ? b : a)).values?.lr);
    // nested: the runs root lists the sweep with its points as children
    const listed = listRuns(runs).runs;
    expect(listed).toHaveLength(1);
    expect(listed[0].children.map((c) => c.manifest.protocol)).toEqual(["lr-sweep", "lr-sweep"]);
    // every point starts from the same weights: the step-0 validation losses are equal
    const v0 = listed[0].children.map((c) => readRunDir(c.dir).run.series.get("eval/loss")!.value[0]);
    expect(v0[0]).toBe(v0[1]);
    // resuming a completed sweep retrains nothing and gives the same answer
    const again = await runLrSweep(s, { runsDir: runs, resume: r.run_dir }, quietSession());
    expect(again.points).toEqual(r.points);
  });

  it("log grids are log-spaced and include both ends", () => {
    expect(logGrid(1e-4, 1e-2, 5)).toEqual([1e-4, 3.16e-4, 1e-3, 3.16e-3, 1e-2]);
  });
});

describe("LR range test suggestions (fastai's rules)", () => {
  // 20 points: lr = 10^(i/4 − 5); the loss falls from 10 to 1 between points 4 and 13, then blows up
  const lrs = Array.from({ length: 20 }, (_, i) => 10 ** (i / 4 - 5));
  const losses = [10, 10, 10, 10, 10, 9, 8, 6, 3.5, 3, 2, 1.5, 1.2, 1, 1.1, 1.5, 3, 6, 9, 12];
  it("minimum, steep and valley follow their definitions on points [num_it/10 : −5]", () => {
    const s = suggestLrs(lrs, losses, 20);
    // window = points 2..14; lowest loss at point 13 → minimum = lr[13] / 10
    expect(s.minimum).toBeCloseTo(lrs[13] / 10, 15);
    // steepest drop per log-LR between consecutive points: 6 → 3.5 (points 7 → 8)
    expect(s.steep).toBe(lrs[7]);
    // longest decreasing subsequence ends at window index 11 (point 13) with length 10, so max_start = 1;
    // sections = 10/3 → index 1 + 3 + 1 = 5 in the window → point 7 (numpy transcription of fastai agrees)
    expect(s.valley).toBe(lrs[7]);
  });
});

describe("capacity and ladder", () => {
  it("capacity compares widths at the same tokens and says whether loss improves with N", async () => {
    const r = await runCapacity(
      { ...tinySweep(corpus), lr: 1e-2, widths: [0.5, 1] },
      { runsDir: tmpDir() },
      quietSession(),
    );
    expect(r.points.map((p) => p.values?.hidden)).toEqual([16, 32]);
    expect(r.points[0].params).toBeLessThan(r.points[1].params);
    expect(r.conclusion).toMatch(/capacity/);
  });

  it("the ladder trains raw and selected rungs against one validation set", async () => {
    const r = await runLadder(
      { ...tinySweep(corpus), n: 40, sizes: [20, 40], lr: 1e-2, patience: 3 },
      { runsDir: tmpDir() },
      quietSession(),
    );
    expect(r.rungs.map((x) => x.size)).toEqual([20, 40]);
    for (const rung of r.rungs) {
      expect(rung.raw && rung.selected).toBeTruthy();
      expect(rung.noise_penalty).toBeCloseTo(rung.raw!.best_val_loss - rung.selected!.best_val_loss, 12);
    }
    expect(Number.isFinite(r.exponent.selected)).toBe(true);
  });
});
