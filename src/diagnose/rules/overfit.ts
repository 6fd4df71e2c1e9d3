import { mannKendall } from "../../curves/mannkendall.js";
import { runningMedian } from "../../curves/smooth.js";
import { median } from "../../curves/stats.js";
import { noiseSigma } from "../analysis.js";
import { f2, finding, fmtStep, type Rule } from "./rule.js";

/**
 * Overfitting: the evaluation loss passes through a minimum and rises (Mann–Kendall, Hamed–Rao) by more than
 * 3σ of its noise and 1% of its level, while the training loss keeps falling. Evidence includes SageMaker's
 * gap ratio (eval − train)/train at the end.
 */
export const overfitRule: Rule = {
  id: "overfit",
  title: "train falls while eval rises (gap ratio)",
  check(a) {
    const e = a.eval;
    if (!e || e.value.length < 6) return {};
    const n = e.value.length;
    const sm = runningMedian(e.value, 3);
    let m = 0;
    for (let i = 1; i < n; i++) if (sm[i] < sm[m]) m = i;
    if (m > n - 3) return {};
    const eMin = sm[m];
    const eEnd = median(e.value.subarray(n - 3));
    const rise = eEnd - eMin;
    const sigma = Math.max(noiseSigma(e.value) || 0, 1e-4);
    if (!(rise > Math.max(3 * sigma, 0.01 * Math.abs(eMin)))) return {};
    const after = e.value.subarray(m);
    const mk = mannKendall(after, { lag: Math.min(10, Math.floor(after.length / 3)) });
    if (after.length >= 5 && !(mk.trend === "increasing")) return {};
    const fromStep = e.step[m];
    const toStep = e.step[n - 1];
    const span = toStep - fromStep;
    const trainAt = a.levelBetween(fromStep - 0.05 * span, fromStep + 0.05 * span);
    const trainEnd = a.levelBetween(toStep - 0.1 * span, toStep);
    const trainFalls = trainAt - trainEnd > 0;
    if (!trainFalls && Number.isFinite(trainAt)) return {};
    const gap = Number.isFinite(trainEnd) ? (eEnd - trainEnd) / trainEnd : undefined;
    let conf = 0.65;
    if (mk.p < 0.01) conf += 0.2;
    if (trainFalls) conf += 0.1;
    return {
      findings: [
        finding(
          a,
          "overfit",
          "warning",
          conf,
          `Overfitting: the eval loss bottoms out at ${f2(eMin)} at step ${fmtStep(fromStep)} and climbs to ${f2(eEnd)} (+${f2(rise)}) while the train loss falls ${Number.isFinite(trainAt) ? `${f2(trainAt)} → ${f2(trainEnd)}` : ""}${gap !== undefined ? `; gap ratio (eval − train)/train = ${f2(gap)}` : ""}`,
          {
            eval_series: e.name,
            eval_min_step: fromStep,
            eval_min: eMin,
            eval_end: eEnd,
            eval_rise: rise,
            eval_noise: sigma,
            mk_z: mk.z,
            mk_p: mk.p,
            train_at_eval_min: trainAt,
            train_end: trainEnd,
            gap_ratio: gap,
          },
          [[fromStep, toStep]],
        ),
      ],
    };
  },
};
