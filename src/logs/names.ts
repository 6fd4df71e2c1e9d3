import { SERIES } from "../runs/types.js";

/**
 * Mapping the metric names found in the wild onto plateau's series names (`train/loss`, `eval/loss`,
 * `eval/<set>/loss`, `train/lr`, `train/grad_norm`, `train/tokens`, `train/tokens_per_s`). Names that mean
 * something else keep their own name, so nothing is lost; names that are point attributes (epoch, step) are
 * not series at all.
 */

const EXACT: Record<string, string> = {
  loss: SERIES.trainLoss,
  train_loss: SERIES.trainLoss,
  "train loss": SERIES.trainLoss,
  training_loss: SERIES.trainLoss,
  "lm loss": SERIES.trainLoss,
  lm_loss: SERIES.trainLoss,
  trl: SERIES.trainLoss,
  "train/loss": SERIES.trainLoss,
  "train/lm_loss": SERIES.trainLoss,
  "training/loss": SERIES.trainLoss,
  train_loss_step: SERIES.trainLoss,
  lr: SERIES.lr,
  learning_rate: SERIES.lr,
  "learning rate": SERIES.lr,
  "train/learning_rate": SERIES.lr,
  "train/lr": SERIES.lr,
  grad_norm: SERIES.gradNorm,
  "grad norm": SERIES.gradNorm,
  gradient_norm: SERIES.gradNorm,
  norm: SERIES.gradNorm,
  "train/grad_norm": SERIES.gradNorm,
  "train/gradient_norm": SERIES.gradNorm,
  val_loss: SERIES.evalLoss,
  "val loss": SERIES.evalLoss,
  eval_loss: SERIES.evalLoss,
  valid_loss: SERIES.evalLoss,
  validation_loss: SERIES.evalLoss,
  "validation loss": SERIES.evalLoss,
  tel: SERIES.evalLoss,
  "lm loss value": SERIES.evalLoss,
  "eval/loss": SERIES.evalLoss,
  "val/loss": SERIES.evalLoss,
  "valid/loss": SERIES.evalLoss,
  "validation/loss": SERIES.evalLoss,
  num_input_tokens_seen: SERIES.tokens,
  "train/num_input_tokens_seen": SERIES.tokens,
  tokens: SERIES.tokens,
  tokens_seen: SERIES.tokens,
  "consumed tokens": SERIES.tokens,
  "train/tokens": SERIES.tokens,
  "tok/s": SERIES.tokensPerSecond,
  tokens_per_s: SERIES.tokensPerSecond,
  tokens_per_second: SERIES.tokensPerSecond,
  "train/tokens_per_s": SERIES.tokensPerSecond,
};

/** Keys that describe the point (its x coordinates), not a series. */
const POINT_KEYS = new Set([
  "step",
  "_step",
  "global_step",
  "train/global_step",
  "iteration",
  "iter",
  "it",
  "epoch",
  "train/epoch",
  "_timestamp",
  "timestamp",
  "wall_time",
  "_runtime",
]);

export function isPointKey(key: string): boolean {
  return POINT_KEYS.has(key.trim().toLowerCase());
}

/** The plateau series name for a metric name as a log spells it. */
export function seriesName(raw: string): string {
  const key = raw.trim();
  const lower = key.toLowerCase();
  const exact = EXACT[lower];
  if (exact) return exact;
  if (lower.startsWith("lr-") || lower.startsWith("lr_")) return SERIES.lr; // Lightning's LearningRateMonitor
  // eval_<set>_loss (HF with several eval sets), eval/<set>_loss (HF's TensorBoard/W&B callbacks).
  let m = /^(?:eval|val|valid|validation)[_/](.+?)[_/]loss$/i.exec(key);
  if (m) return SERIES.evalSetLoss(m[1]);
  m = /^(?:eval|val|valid|validation)[_/](.+)$/i.exec(key);
  if (m) return `eval/${m[1]}`;
  return key;
}
