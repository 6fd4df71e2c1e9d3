import { createOps } from "../engine/backend.js";
import type { TrainConfig } from "../train/config.js";
import type { Session } from "./session.js";
import {
  announce,
  finishSweep,
  fmt,
  openSweep,
  type PointResult,
  pointConfig,
  runPoints,
  type SweepCommon,
  type SweepWhere,
  stepsFor,
  sweepModel,
  tokenizeSweep,
} from "./sweep.js";

/**
 * Optimizer probe: AdamW, SGD with momentum and Lion, each at its own small LR grid (their good LRs differ by
 * orders of magnitude: Lion wants ~3–10× less than AdamW, SGD ~30× more), same data, tokens, seed and schedule;
 * each optimizer is judged by its best grid point. If another optimizer beats AdamW by more than 2% of the loss,
 * the AdamW settings of the run (β2, ε, weight decay, LR) deserve a look; if AdamW wins or ties, the optimizer is
 * not the cause.
 */
export const OPTIMIZER_GRIDS: Record<"adamw" | "sgd" | "lion", number[]> = {
  adamw: [3e-4, 1e-3, 3e-3],
  sgd: [3e-2, 1e-1, 3e-1],
  lion: [3e-5, 1e-4, 3e-4],
};

export interface OptimizerSettings extends SweepCommon {
  grids: Record<"adamw" | "sgd" | "lion", number[]>;
}

export interface OptimizerResult {
  protocol: "optimizer";
  run_dir: string;
  points: PointResult[];
  best: Record<string, { lr: number; val_loss: number } | null>;
  winner: string | null;
  conclusion: string;
  status: "completed" | "interrupted";
}

export async function runOptimizerProbe(
  s: OptimizerSettings,
  where: SweepWhere,
  session: Session,
): Promise<OptimizerResult> {
  const { parent, settings, texts } = await openSweep(
    "optimizer",
    s,
    where,
    session,
    `optimizer probe on ${s.data.join(", ")}`,
  );
  const data = tokenizeSweep(settings, texts);
  const ops = await createOps({ backend: settings.backend, threads: settings.threads });
  try {
    const model = sweepModel(settings, data.tok);
    const steps = stepsFor(settings);
    const points: {
      key: string;
      label: string;
      config: TrainConfig;
      values: Record<string, string | number>;
    }[] = [];
    for (const name of ["adamw", "sgd", "lion"] as const)
      for (const lr of settings.grids[name]) {
        const base = pointConfig(settings, model, lr, steps);
        const optimizer =
          name === "adamw"
            ? base.optimizer
            : name === "sgd"
              ? { name, lr, weight_decay: 0, momentum: 0.9, nesterov: false }
              : { name, lr, weight_decay: 1.0, betas: [0.9, 0.99] as [number, number] };
        points.push({
          key: `${name}-${lr.toExponential(1)}`,
          label: `${name} lr ${lr.toExponential(1)}`,
          config: { ...base, optimizer },
          values: { optimizer: name, lr },
        });
      }
    announce(session, ops, settings, model, points.length, "AdamW, SGD-momentum and Lion");
    const results = await runPoints(parent, points, data, ops, session);
    const best: OptimizerResult["best"] = {};
    for (const name of ["adamw", "sgd", "lion"]) {
      const mine = results.filter(
        (p) => p.values?.optimizer === name && !p.diverged && Number.isFinite(p.val_loss),
      );
      const b = mine.length ? mine.reduce((a, c) => (c.val_loss < a.val_loss ? c : a)) : null;
      best[name] = b ? { lr: Number(b.values?.lr), val_loss: b.val_loss } : null;
    }
    const ranked = Object.entries(best)
      .filter(([, v]) => v !== null)
      .sort((a, b) => a[1]!.val_loss - b[1]!.val_loss);
    const winner = ranked.length ? ranked[0][0] : null;
    const adam = best.adamw;
    let conclusion: string;
    if (!winner) conclusion = "every run diverged: lower the LR grids";
    else if (!adam)
      conclusion = `AdamW diverged at every LR of its grid; ${winner} trained: check the AdamW settings`;
    else if (winner !== "adamw" && best[winner]!.val_loss < adam.val_loss * 0.98)
      conclusion = `${winner} beats AdamW (${fmt(best[winner]!.val_loss)} vs ${fmt(adam.val_loss)}): the AdamW settings (β2, ε, weight decay, LR) may be holding the run back`;
    else
      conclusion = `AdamW is ${winner === "adamw" ? "the best" : "within 2% of the best"} (${fmt(adam.val_loss)} at lr ${adam.lr}): the optimizer is not the cause`;
    const out: OptimizerResult = {
      protocol: "optimizer",
      run_dir: parent.dir,
      points: results,
      best,
      winner,
      conclusion,
      status: session.stopRequested() ? "interrupted" : "completed",
    };
    finishSweep(parent, out, out.status);
    return out;
  } finally {
    ops.dispose();
  }
}
