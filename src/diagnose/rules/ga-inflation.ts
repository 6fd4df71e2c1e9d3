import { mad, median } from "../../curves/stats.js";
import { stepRange } from "../curve.js";
import { GA_BUG_VERSIONS } from "../reference.js";
import { f2, finding, type Rule } from "./rule.js";

/**
 * The transformers 4.46–4.47 gradient-accumulation logging bug (huggingface/transformers#35204, #34263, #35556):
 * the logged training loss is the sum over the accumulated micro-batches instead of their mean, so it reads
 * GA × the real loss. Signature: logged train loss ≈ k × eval loss at the same steps (k = GA steps, or an
 * integer when GA is unknown), or a logged loss above a uniform guess (ln V) late in a run that is not
 * diverging. When found, every later rule reads the training loss divided by k.
 */
export const gaInflationRule: Rule = {
  id: "ga-inflation",
  title: "logged train loss ≈ gradient accumulation × eval loss (transformers 4.46–4.47 logging bug)",
  check(a) {
    const t = a.trainLogged;
    if (!t || t.value.length < 5) return {};
    const k = a.gradAccum;
    const span = t.step[t.step.length - 1] - t.step[0];
    const e = a.eval;
    if (e && e.step.length >= 3) {
      const half = Math.max(3 * t.interval, 0.01 * span);
      const ratios: number[] = [];
      for (let j = 0; j < e.step.length; j++) {
        if (e.step[j] < t.step[0] + 0.05 * span) continue; // the first steps move too fast to pair
        const [lo, hi] = stepRange(t, e.step[j] - half, e.step[j] + half);
        if (hi - lo < 1 || !(e.value[j] > 0)) continue;
        ratios.push(median(t.value.subarray(lo, hi)) / e.value[j]);
      }
      if (ratios.length >= 3) {
        const R = median(ratios);
        const spread = mad(ratios) / R;
        const steps: [number, number][] = [[t.step[0], t.step[t.step.length - 1]]];
        if (k !== undefined && k >= 2 && Math.abs(R / k - 1) < 0.2 && spread < 0.15) {
          a.applyGaFactor(k);
          return {
            findings: [
              finding(
                a,
                "ga-inflation",
                "critical",
                0.93,
                `The logged train loss is ${f2(R)}× the eval loss with gradient accumulation ${k}: the transformers ${GA_BUG_VERSIONS} logging bug (summed, not averaged, over micro-batches). The real train loss is the logged one / ${k}; plateau reads it that way from here on`,
                {
                  ratio: R,
                  ratio_spread: spread,
                  grad_accum_steps: k,
                  pairs: ratios.length,
                  factor_applied: k,
                },
                steps,
              ),
            ],
          };
        }
        const kk = Math.round(R);
        if (kk >= 2 && Math.abs(R - kk) < 0.12 * R && spread < 0.1 && k === undefined) {
          a.applyGaFactor(kk);
          return {
            findings: [
              finding(
                a,
                "ga-inflation",
                "warning",
                0.62,
                `The logged train loss is ${f2(R)}× the eval loss at the same steps — close to an integer, as the transformers ${GA_BUG_VERSIONS} bug makes it with gradient accumulation ${kk}. Assuming GA = ${kk} (confirm with --fact grad_accum_steps=N)`,
                {
                  ratio: R,
                  ratio_spread: spread,
                  assumed_grad_accum_steps: kk,
                  pairs: ratios.length,
                  factor_applied: kk,
                },
                steps,
              ),
            ],
          };
        }
        if (Math.abs(R - 1) < 0.25)
          return {
            observations: [
              {
                rule: "ga-inflation",
                text: `logged train loss and eval loss are on the same scale (ratio ${f2(R)}): no gradient-accumulation inflation`,
                against: ["pipeline-bug"],
                weight: 0.1,
              },
            ],
          };
      }
    }
    // no usable eval: a logged loss above a uniform guess cannot be a per-token loss of a working model
    const V = a.vocab;
    if (V !== undefined) {
      const lnV = Math.log(V);
      const [lo] = stepRange(t, t.step[0] + 0.5 * span, Number.POSITIVE_INFINITY);
      const late = median(t.value.subarray(lo));
      const early = median(t.value.subarray(0, Math.max(1, Math.floor(t.value.length / 10))));
      if (late > lnV + 1 && late < early) {
        const steps: [number, number][] = [[t.step[lo], t.step[t.step.length - 1]]];
        if (k !== undefined && k >= 2 && late / k < lnV) {
          a.applyGaFactor(k);
          return {
            findings: [
              finding(
                a,
                "ga-inflation",
                "critical",
                0.8,
                `The logged train loss sits at ${f2(late)}, above a uniform guess (ln V = ${f2(lnV)}), while falling: with gradient accumulation ${k} it reads ${f2(late / k)} per token — the transformers ${GA_BUG_VERSIONS} logging bug`,
                { late_level: late, ln_vocab: lnV, grad_accum_steps: k, factor_applied: k },
                steps,
              ),
            ],
          };
        }
        return {
          findings: [
            finding(
              a,
              "ga-inflation",
              "warning",
              0.5,
              `The logged train loss sits at ${f2(late)}, above a uniform guess (ln V = ${f2(lnV)}), while falling: it is not a per-token mean — likely summed over gradient-accumulation micro-batches (transformers ${GA_BUG_VERSIONS}). Give the GA steps with --fact grad_accum_steps=N`,
              { late_level: late, ln_vocab: lnV },
              steps,
            ),
          ],
        };
      }
    }
    return {};
  },
};
