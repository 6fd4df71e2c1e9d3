import { createOps } from "../engine/backend.js";
import { type Qwen2Config, qwen2Config } from "../engine/config.js";
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
 * Capacity: the same data, tokens, seed and LR on two or three model sizes (the proxy's width × 0.5, × 1, × 2,
 * head size fixed, so heads scale with width). If the validation loss improves with N by more than 2% from the
 * smallest to the largest, the model is a limit at this data size; if not, more parameters will not move the
 * plateau and the cause is elsewhere (data, LR, schedule). The LR is the same for every size (no μP): a larger
 * model may prefer a lower LR, so a flat result is confirmed with `plateau lr-sweep --preset` on the largest size.
 */
export interface CapacitySettings extends SweepCommon {
  lr: number;
  widths: number[];
}

export interface CapacityResult {
  protocol: "capacity";
  run_dir: string;
  points: PointResult[];
  /** Change in validation loss per doubling of parameters (OLS slope of val loss on log2 N). */
  per_doubling: number;
  improves: boolean;
  conclusion: string;
  status: "completed" | "interrupted";
}

export function scaledModel(base: Qwen2Config, factor: number): Qwen2Config {
  const hidden = Math.max(
    base.head_dim,
    Math.round((base.hidden_size * factor) / base.head_dim) * base.head_dim,
  );
  const heads = hidden / base.head_dim;
  const group = Math.max(1, Math.round(base.num_attention_heads / base.num_key_value_heads));
  let kv = Math.max(1, Math.round(heads / group));
  while (heads % kv !== 0) kv--;
  return qwen2Config({
    ...base,
    hidden_size: hidden,
    num_attention_heads: heads,
    num_key_value_heads: kv,
    intermediate_size: Math.max(8, Math.round((base.intermediate_size * factor) / 8) * 8),
  });
}

export async function runCapacity(
  s: CapacitySettings,
  where: SweepWhere,
  session: Session,
): Promise<CapacityResult> {
  const { parent, settings, texts } = await openSweep(
    "capacity",
    s,
    where,
    session,
    `capacity probe on ${s.data.join(", ")}`,
  );
  const data = tokenizeSweep(settings, texts);
  const ops = await createOps({ backend: settings.backend, threads: settings.threads });
  try {
    const base = sweepModel(settings, data.tok);
    const models = settings.widths.map((w) => scaledModel(base, w));
    announce(
      session,
      ops,
      settings,
      models[models.length - 1],
      models.length,
      `widths ${models.map((m) => m.hidden_size).join(", ")}`,
    );
    const steps = stepsFor(settings);
    const points = models.map((m, i) => ({
      key: `hidden-${m.hidden_size}`,
      label: `hidden ${m.hidden_size}`,
      config: pointConfig(settings, m, settings.lr, steps),
      values: { width_factor: settings.widths[i], hidden: m.hidden_size },
    }));
    const results = await runPoints(parent, points, data, ops, session);
    const ok = results.filter((p) => Number.isFinite(p.val_loss) && !p.diverged);
    const slope = olsSlope(
      ok.map((p) => Math.log2(p.params)),
      ok.map((p) => p.val_loss),
    );
    const smallest = ok[0];
    const largest = ok[ok.length - 1];
    const improves = ok.length >= 2 && largest.val_loss < smallest.val_loss * 0.98;
    const conclusion =
      ok.length < 2
        ? "fewer than two sizes trained: no conclusion"
        : improves
          ? `the validation loss improves with size (${fmt(smallest.val_loss)} → ${fmt(largest.val_loss)}, ${fmt(slope)} nats per doubling of parameters): capacity is a limit at this data size`
          : `no gain from more parameters (${fmt(smallest.val_loss)} → ${fmt(largest.val_loss)}): capacity is not what stops the loss here`;
    const out: CapacityResult = {
      protocol: "capacity",
      run_dir: parent.dir,
      points: results,
      per_doubling: slope,
      improves,
      conclusion,
      status: session.stopRequested() ? "interrupted" : "completed",
    };
    finishSweep(parent, out, out.status);
    return out;
  } finally {
    ops.dispose();
  }
}

export function olsSlope(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return Number.NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}
