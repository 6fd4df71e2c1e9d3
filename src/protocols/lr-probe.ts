import { join } from "node:path";
import type { Ops } from "../engine/ops.js";
import { readRunDir } from "../runs/rundir.js";
import type { TrainConfig } from "../train/config.js";
import type { TrainData } from "../train/trainer.js";
import type { CheckResult } from "./checks.js";
import { runJob } from "./job.js";
import type { Session } from "./session.js";

/**
 * The LR check of a failed overfit test: the first `steps` steps again from the same initial weights and data
 * order at 10× and 1/10 of the LR. A learning rate that is far off shows within a few dozen steps: if 10× ends
 * lower (by more than 5% of the loss), the LR was too low; if 1/10 does, too high; if the run's own LR is within
 * 5% of the best of the three, the LR is not what stopped the loss. Each probe is a child run of the overfit run.
 */
export interface LrProbeResult {
  steps: number;
  /** Mean training loss over the last 10 probe steps at each LR multiplier. */
  loss: { "0.1": number; "1": number; "10": number };
  check: CheckResult;
}

const MARGIN = 0.05;

export async function runLrProbe(o: {
  config: TrainConfig;
  data: TrainData;
  ops: Ops;
  session: Session;
  parentDir: string;
  steps: number;
}): Promise<LrProbeResult> {
  const tail = (losses: number[]) => {
    const xs = losses.slice(-10);
    return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  };
  const loss: LrProbeResult["loss"] = { "0.1": Number.NaN, "1": Number.NaN, "10": Number.NaN };
  for (const mult of ["1", "10", "0.1"] as const) {
    const dir = join(o.parentDir, `lr-probe-x${mult}`);
    const config: TrainConfig = {
      ...o.config,
      max_steps: o.steps,
      optimizer: { ...o.config.optimizer, lr: o.config.optimizer.lr * Number(mult) },
      checkpoint_every: 0,
    };
    const out = await runJob({
      dir,
      name: `lr-probe ×${mult}`,
      protocol: "lr-probe",
      parent: o.parentDir.split("/").pop(),
      config,
      data: o.data,
      ops: o.ops,
      facts: { lr: { peak: config.optimizer.lr, schedule: config.schedule.kind } },
      session: o.session,
      label: `lr ×${mult}`,
    });
    if (out.status !== "skipped") out.run.finish(out.status === "failed" ? "failed" : out.status);
    const series = readRunDir(dir).run.series.get("train/loss");
    const xs = series ? series.value : [];
    loss[mult] = xs.length ? tail(xs) : Number.NaN;
  }
  const base = loss["1"];
  const up = loss["10"];
  const down = loss["0.1"];
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));
  const lr = o.config.optimizer.lr;
  const text = `after ${o.steps} steps from the same start: loss ${f(down)} at lr ${(lr / 10).toExponential(1)}, ${f(base)} at ${lr.toExponential(1)}, ${f(up)} at ${(lr * 10).toExponential(1)}`;
  const better = (x: number) => Number.isFinite(x) && (!Number.isFinite(base) || x < base * (1 - MARGIN));
  let check: CheckResult;
  if (better(up) && !(Number.isFinite(down) && down < up))
    check = {
      id: "lr-probe",
      title: "learning rate (×10 / ÷10 probe)",
      status: "problem",
      cause: "lr-too-low",
      detail: `${text}: 10× the LR learns faster`,
      values: loss,
    };
  else if (better(down))
    check = {
      id: "lr-probe",
      title: "learning rate (×10 / ÷10 probe)",
      status: "problem",
      cause: "lr-too-high",
      detail: `${text}: a tenth of the LR learns faster`,
      values: loss,
    };
  else
    check = {
      id: "lr-probe",
      title: "learning rate (×10 / ÷10 probe)",
      status: "ok",
      detail: `${text}: the run's LR is within ${100 * MARGIN}% of the best of the three`,
      values: loss,
    };
  return { steps: o.steps, loss, check };
}
