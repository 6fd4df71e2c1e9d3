import { median } from "../../curves/stats.js";
import { dataTokens, paramCount } from "../facts.js";
import { f2, finding, fmtStep, has, type Rule } from "./rule.js";

/**
 * Memorisation: the training loss goes to ~0 (below 0.3 nats and 5% of where it started) — the model has
 * learnt its training set by heart. In an overfit test that is the pass; in pretraining it means the data is
 * far too small (or repeated) for the model. Several epochs or a small dataset raise the confidence.
 */
export const memorizationRule: Rule = {
  id: "memorization",
  title: "train loss → ~0 on small data",
  check(a, prior) {
    const t = a.train;
    if (!t || t.value.length < 10) return {};
    const n = t.value.length;
    const end = median(t.value.subarray(n - Math.max(3, Math.floor(0.05 * n))));
    const first = median(t.value.subarray(0, Math.min(3, n)));
    if (!(end < 0.3 && end < 0.05 * first)) return {};
    let epochs = Number.NaN;
    for (let i = n - 1; i >= 0; i--) {
      if (Number.isFinite(t.epoch[i])) {
        epochs = t.epoch[i];
        break;
      }
    }
    const D = dataTokens(a.facts);
    const N = paramCount(a.facts);
    const seen = a.tokensAt(a.lastStepTrain);
    if (!Number.isFinite(epochs) && D !== undefined && seen !== undefined) epochs = seen / D;
    let conf = 0.7;
    if (epochs >= 2) conf += 0.15;
    if (has(prior, "overfit")) conf += 0.1;
    const small = D !== undefined && N !== undefined && D < 20 * N;
    return {
      findings: [
        finding(
          a,
          "memorization",
          "warning",
          conf,
          `The train loss went to ${f2(end)} (from ${f2(first)})${Number.isFinite(epochs) ? ` over ${f2(epochs)} epochs` : ""}: the model memorised its training data${small ? ` (${(D ?? 0).toExponential(2)} tokens for ${(N ?? 0).toExponential(2)} parameters)` : ""} — a pass for an overfit test, a data-size problem for pretraining`,
          {
            end_loss: end,
            first_loss: first,
            epochs: Number.isFinite(epochs) ? epochs : undefined,
            data_tokens: D,
            params: N,
            from_step: t.step[Math.floor(0.95 * n)],
          },
          [[t.step[Math.floor(0.95 * n)], t.step[n - 1]]],
        ),
      ],
      observations: [
        {
          rule: "memorization",
          text: `the model can drive its train loss to ${f2(end)}: the pipeline can learn, and capacity is not what limits it at step ${fmtStep(t.step[n - 1])}`,
          against: ["pipeline-bug", "capacity"],
          weight: 0.5,
        },
      ],
    };
  },
};
