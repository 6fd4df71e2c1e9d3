import { median } from "../../curves/stats.js";
import { stepRange } from "../curve.js";
import { f2, f3, finding, type Rule } from "./rule.js";

/**
 * Evaluation on training data: the eval loss then says nothing about generalisation (MedicalGPT's demo script
 * evaluates on its training folder: --validation_file_dir ./data/pretrain). Stated facts decide it
 * (data.eval_is_train, or the same path); without them, an eval loss consistently below the training loss at the
 * same steps after the first epoch is the hint (held-out loss is at or above the training loss).
 */
export const evalOnTrainRule: Rule = {
  id: "eval-on-train",
  title: "evaluation data is training data",
  check(a) {
    const d = a.facts.data;
    const stated = d?.eval_is_train === true || (d?.eval_path !== undefined && d.eval_path === d.path);
    if (stated) {
      return {
        findings: [
          finding(
            a,
            "eval-on-train",
            "warning",
            0.95,
            `The evaluation data is the training data${d?.eval_path ? ` (${d.eval_path})` : ""}: the eval loss measures memorisation, not generalisation — hold out a validation set (MedicalGPT's demo evaluates on its training folder)`,
            { eval_path: d?.eval_path, train_path: d?.path, stated: true },
          ),
        ],
      };
    }
    const t = a.train;
    const e = a.eval;
    if (!t || !e || e.value.length < 5) return {};
    const span = a.lastStepTrain - a.firstStep;
    const half = Math.max(3 * t.interval, 0.01 * span);
    const diffs: number[] = [];
    for (let j = 0; j < e.step.length; j++) {
      const ep = nearestEpoch(t.epoch, t.step, e.step[j]);
      if (!(ep >= 1)) continue; // after the first epoch only: before it every batch is unseen
      const [lo, hi] = stepRange(t, e.step[j] - half, e.step[j] + half);
      if (hi - lo < 1) continue;
      diffs.push(median(t.value.subarray(lo, hi)) - e.value[j]);
    }
    if (diffs.length < 4) return {};
    const below = diffs.filter((x) => x > 0).length / diffs.length;
    const md = median(diffs);
    if (below >= 0.9 && md > Math.max(3 * a.noise, 0.01 * median(e.value))) {
      return {
        findings: [
          finding(
            a,
            "eval-on-train",
            "warning",
            0.45,
            `After the first epoch the eval loss sits ${f3(md)} below the train loss at ${f2(below * 100)}% of evaluations: held-out data does not do that — is the eval set part of the training data?`,
            { median_train_minus_eval: md, fraction_below: below, pairs: diffs.length, stated: false },
          ),
        ],
      };
    }
    return {};
  },
};

/** The logged epoch at the logged step nearest to s (binary search; steps ascending). */
function nearestEpoch(epoch: Float64Array, step: Float64Array, s: number): number {
  let lo = 0;
  let hi = step.length - 1;
  if (hi < 0) return Number.NaN;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (step[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  const i = lo > 0 && Math.abs(step[lo - 1] - s) < Math.abs(step[lo] - s) ? lo - 1 : lo;
  return epoch[i];
}
