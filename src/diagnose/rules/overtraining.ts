import { noiseSigma } from "../analysis.js";
import { f2, finding, fmtStep, has, type Rule } from "./rule.js";

/**
 * Overtraining (SageMaker's name): the eval loss has not made a new best for the last ≥ 30% of the evaluations
 * (and at least 4), without rising enough to be overfitting, while the training loss still falls — compute
 * spent without a return on eval. Keep the best checkpoint; change data or schedule before training on.
 */
export const overtrainingRule: Rule = {
  id: "overtraining",
  title: "eval stopped improving while training goes on",
  check(a, prior) {
    const e = a.eval;
    if (!e || e.value.length < 8 || has(prior, "overfit")) return {};
    const n = e.value.length;
    const sigma = Math.max(noiseSigma(e.value) || 0, 1e-4);
    let best = 0;
    for (let i = 1; i < n; i++) if (e.value[i] < e.value[best]) best = i;
    // the last point that improved on the best-so-far by more than the noise
    let lastGain = 0;
    let runBest = e.value[0];
    for (let i = 1; i < n; i++) {
      if (e.value[i] < runBest - Math.max(2 * sigma, 0.002 * Math.abs(runBest))) {
        lastGain = i;
        runBest = e.value[i];
      }
    }
    const since = n - 1 - lastGain;
    if (since < Math.max(4, 0.3 * n)) return {};
    const from = e.step[lastGain];
    const to = e.step[n - 1];
    const trainThen = a.levelBetween(from - 0.05 * (to - from), from + 0.05 * (to - from));
    const trainEnd = a.levelBetween(to - 0.1 * (to - from), to);
    if (!(trainThen - trainEnd > 0)) return {};
    return {
      findings: [
        finding(
          a,
          "overtraining",
          "info",
          0.6,
          `The eval loss has not improved for ${since} evaluations (since step ${fmtStep(from)}, best ${f2(e.value[best])}) while the train loss fell ${f2(trainThen)} → ${f2(trainEnd)}: compute spent without a return on eval`,
          {
            eval_series: e.name,
            last_improvement_step: from,
            best_eval: e.value[best],
            best_step: e.step[best],
            evals_since: since,
            train_then: trainThen,
            train_end: trainEnd,
          },
          [[from, to]],
        ),
      ],
    };
  },
};
