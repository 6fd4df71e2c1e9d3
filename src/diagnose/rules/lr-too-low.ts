import { median } from "../../curves/stats.js";
import { slopePerDoubling } from "../../curves/trend.js";
import { paramCount, peakLr } from "../facts.js";
import { lrAgainstReference } from "../reference.js";
import { f2, finding, has, type Rule } from "./rule.js";

/**
 * LR too low: progress limited by the step size, not by what the model can learn. Signature: the loss is still
 * falling steeply at the end (the whole interval of the trailing slope below −3% of the level per doubling),
 * it has covered little of the way down (end ≥ 40% of the first loss), and the second half fell by more than
 * 12% of what the first half did (a healthy run front-loads its progress: ~2–5%). With the model size known,
 * a peak LR below a third of GPT-3's for that size makes it likely; an LR in the usual range rules it out.
 */
export const lrTooLowRule: Rule = {
  id: "lr-too-low",
  title: "slow, near-linear progress with a small LR",
  check(a, prior) {
    if (has(prior, "frozen") || has(prior, "divergence")) return {};
    const w = a.work;
    const n = w.y.length;
    if (n < 30) return {};
    const start = a.schedule.warmupEnd ?? w.x[0];
    let i0 = 0;
    while (i0 < n - 1 && w.x[i0] < start) i0++;
    if (n - i0 < 20) return {};
    const first = median(w.y.subarray(0, Math.min(3, n)));
    const lEnd = median(w.y.subarray(n - Math.max(3, Math.floor(0.05 * n))));
    const lStart = median(w.y.subarray(i0, Math.min(n, i0 + 3)));
    const midX = (w.x[i0] + w.x[n - 1]) / 2;
    let im = i0;
    while (im < n - 1 && w.x[im] < midX) im++;
    const lMid = median(w.y.subarray(Math.max(i0, im - 2), Math.min(n, im + 3)));
    const firstHalf = lStart - lMid;
    const secondHalf = lMid - lEnd;
    if (!(firstHalf > 0 && secondHalf > 0)) return {};
    const r = secondHalf / firstHalf;
    const endRatio = lEnd / first;
    const tailFrom = Math.floor(0.7 * n);
    const tail = slopePerDoubling(w.x.subarray(tailFrom), w.y.subarray(tailFrom), { lag: "robust" });
    const steep = tail.ciHigh < -0.03 * Math.abs(lEnd);
    if (!(r > 0.12 && endRatio > 0.4 && steep)) return {};
    const {
      peak,
      ref,
      ratio,
      params: N,
    } = lrAgainstReference(peakLr(a.facts, a.lr?.value), paramCount(a.facts));
    if (ratio !== undefined && ratio >= 1 / 3) return {}; // an LR in the usual range: slow progress has another cause
    const conf = ratio === undefined ? 0.5 : ratio < 0.1 ? 0.9 : 0.75;
    const lrText =
      ratio !== undefined && ref !== undefined && peak !== undefined
        ? `; the peak LR ${peak.toExponential(1)} is ${f2(1 / ratio)}× below GPT-3's ${ref.toExponential(1)} for this size`
        : peak !== undefined
          ? `; peak LR ${peak.toExponential(1)} (model size unknown)`
          : "; the LR was not logged";
    return {
      findings: [
        finding(
          a,
          "lr-too-low",
          "warning",
          conf,
          `Progress looks LR-limited: still ${f2(tail.slope)} nats per doubling at the end, the loss only at ${f2(lEnd)} of ${f2(first)} at the start, and the second half fell ${f2(r * 100)}% as much as the first${lrText}`,
          {
            first_loss: first,
            end_loss: lEnd,
            end_over_first: endRatio,
            second_over_first_half: r,
            tail_slope_per_doubling: tail.slope,
            tail_slope_ci_high: tail.ciHigh,
            peak_lr: peak,
            reference_lr: ref,
            lr_over_reference: ratio,
            params: N,
          },
          [[w.x[i0], w.x[n - 1]]],
        ),
      ],
    };
  },
};
