import { median } from "../../curves/stats.js";
import { stepRange } from "../curve.js";
import { paramCount, peakLr } from "../facts.js";
import { lrAgainstReference } from "../reference.js";
import { f2, finding, fmtStep, has, type Rule } from "./rule.js";

/**
 * LR too high: instability signatures — loss spikes coupled with gradient-norm spikes, divergence, or the loss
 * climbing right after warmup ends (BLOOM's 104B runs glitched exactly there) — made likely by a peak LR above
 * the usual range for the model size, and unlikely (but not ruled out: bad batches spike too) by a normal one.
 */
export const lrTooHighRule: Rule = {
  id: "lr-too-high",
  title: "instability (coupled spikes, divergence, loss rising after warmup) with a large LR",
  check(a, prior) {
    if (has(prior, "frozen")) return {};
    const spikes = has(prior, "spikes");
    const div = has(prior, "divergence");
    const coupled = spikes ? Number(spikes.evidence.coupled ?? 0) : 0;
    const count = spikes ? Number(spikes.evidence.count ?? 0) : 0;
    const signals: string[] = [];
    const steps: [number, number][] = [];
    if (spikes && (count >= 2 || coupled >= 1)) {
      signals.push(`${count} loss spikes (${coupled} with a gradient-norm spike)`);
      steps.push(...spikes.steps);
    }
    if (div) {
      signals.push("the loss diverges");
      steps.push(...div.steps);
    }
    // loss climbing right after the warmup ends
    const wEnd = a.schedule.warmupEnd;
    const t = a.train;
    if (wEnd !== undefined && t) {
      const span = a.lastStepTrain - a.firstStep;
      const [i0, i1] = stepRange(t, wEnd - 0.01 * span, wEnd);
      const [j0, j1] = stepRange(t, wEnd, wEnd + 0.05 * span);
      if (i1 - i0 >= 3 && j1 - j0 >= 5) {
        const before = median(t.value.subarray(i0, i1));
        const worst = median(t.value.subarray(j1 - Math.max(3, Math.floor((j1 - j0) / 4)), j1));
        if (worst - before > Math.max(6 * a.noise, 0.02 * before)) {
          signals.push(
            `the loss rises from ${f2(before)} to ${f2(worst)} right after the warmup ends (step ${fmtStep(wEnd)})`,
          );
          steps.push([wEnd, t.step[j1 - 1]]);
        }
      }
    }
    if (signals.length === 0) return {};
    const { peak, ref, ratio } = lrAgainstReference(peakLr(a.facts, a.lr?.value), paramCount(a.facts));
    let conf = 0.5;
    if (ratio !== undefined) conf = ratio > 5 ? 0.9 : ratio > 2.5 ? 0.75 : ratio < 1 ? 0.3 : 0.5;
    if (coupled > 0) conf += 0.05;
    const lrText =
      ratio !== undefined && peak !== undefined && ref !== undefined
        ? `; the peak LR ${peak.toExponential(1)} is ${f2(ratio)}× GPT-3's ${ref.toExponential(1)} for this size`
        : "";
    return {
      findings: [
        finding(
          a,
          "lr-too-high",
          ratio !== undefined && ratio > 5 ? "critical" : "warning",
          conf,
          `Instability that points at the step size: ${signals.join("; ")}${lrText}`,
          {
            peak_lr: peak,
            reference_lr: ref,
            lr_over_reference: ratio,
            spikes: count,
            coupled_spikes: coupled,
            diverges: !!div,
          },
          steps,
        ),
      ],
    };
  },
};
