import { median } from "../../curves/stats.js";
import { f2, finding, fmtStep, type Rule } from "./rule.js";

/**
 * The first loss of a randomly initialised model is ≈ ln V (11.93 for Qwen's 151,936; a small init std gives
 * logits near 0, i.e. a uniform guess). Much higher: logits too large at init (init std, missing scaling), or a
 * loss not averaged per token. Much lower at step ≤ 10: the model is not from scratch (continued pretraining),
 * or the labels leak the answer (not shifted).
 */
export const initLossRule: Rule = {
  id: "init-loss",
  title: "first loss against ln V (11.93 for Qwen's 151,936)",
  check(a) {
    const t = a.train;
    const V = a.vocab;
    if (!t || V === undefined || t.value.length < 3) return {};
    const lnV = Math.log(V);
    const first = t.step[0];
    const span = a.lastStepTrain - first;
    // only a loss logged at the very start says anything about the initialisation
    if (first > Math.max(10, 0.002 * (a.lastStepTrain || 1))) return {};
    const v0 = median(t.value.subarray(0, Math.min(2, t.value.length)));
    const d = v0 - lnV;
    const evidence = { first_step: first, first_loss: v0, ln_vocab: lnV, vocab: V, difference: d };
    if (d > 1.5) {
      return {
        findings: [
          finding(
            a,
            "init-loss",
            "warning",
            0.75,
            `The first loss (${f2(v0)} at step ${fmtStep(first)}) is ${f2(d)} nats above ln V = ${f2(lnV)}: the logits are far from uniform at initialisation (init std too large, an unscaled output layer) or the loss is not a per-token mean`,
            evidence,
            [[first, first]],
          ),
        ],
      };
    }
    if (d < -2.5) {
      return {
        observations: [
          {
            rule: "init-loss",
            text: `the first loss ${f2(v0)} is far below ln V = ${f2(lnV)}: the run starts from a trained model (continued pretraining), not from scratch`,
            weight: 0.2,
          },
        ],
        findings:
          span > 0 && v0 < 0.5
            ? [
                finding(
                  a,
                  "init-loss",
                  "warning",
                  0.6,
                  `The loss is already ${f2(v0)} at step ${fmtStep(first)}: either a trained model, or labels that leak the targets (not shifted: the model copies its input)`,
                  evidence,
                  [[first, first]],
                ),
              ]
            : [],
      };
    }
    return {
      observations: [
        {
          rule: "init-loss",
          text: `the first loss ${f2(v0)} matches ln V = ${f2(lnV)}: initialisation and loss normalisation look right`,
          against: ["pipeline-bug"],
          weight: 0.25,
        },
      ],
    };
  },
};
