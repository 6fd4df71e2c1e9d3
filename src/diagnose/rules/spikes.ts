import { median } from "../../curves/stats.js";
import { f2, finding, fmtStep, has, type Rule } from "./rule.js";

/**
 * Loss spikes: points more than 6 robust z-scores above a running-median baseline (local MAD scale), grouped
 * into excursions, each paired with a gradient-norm spike when one falls within three logging intervals —
 * the coupling OLMo 2, PaLM and BLOOM report for instability (a spike without a grad-norm spike points more to
 * a bad batch). Excursions under 1% of the loss level are ignored: real, but nothing to act on.
 */
export const spikesRule: Rule = {
  id: "spikes",
  title: "loss spikes (robust z of residuals), coupled with gradient-norm spikes",
  check(a, prior) {
    if (has(prior, "frozen")) return {};
    const t = a.train;
    if (!t) return {};
    const level = Math.abs(median(t.value));
    const spikes = a.spikes.filter((s) => s.value - s.baseline > 0.01 * level);
    if (spikes.length === 0) return {};
    const coupled = spikes.filter((s) => s.coupled).length;
    const biggest = spikes.reduce((b, s) => (s.value - s.baseline > b.value - b.baseline ? s : b));
    const severity = spikes.length >= 5 || biggest.value - biggest.baseline > 1 ? "critical" : "warning";
    const conf = Math.min(0.97, 0.65 + 0.08 * Math.min(spikes.length, 3) + (coupled > 0 ? 0.1 : 0));
    const list = spikes.slice(0, 12);
    return {
      findings: [
        finding(
          a,
          "spikes",
          severity,
          conf,
          `${spikes.length} loss spike${spikes.length > 1 ? "s" : ""} (largest +${f2(biggest.value - biggest.baseline)} nats at step ${fmtStep(biggest.step)}, z = ${f2(biggest.z)}); ${coupled} coupled with a gradient-norm spike${a.grad ? "" : " (no gradient norm logged)"}`,
          {
            count: spikes.length,
            coupled,
            largest_jump: biggest.value - biggest.baseline,
            largest_step: biggest.step,
            largest_z: biggest.z,
            spike_steps: list.map((s) => s.step),
            spike_jumps: list.map((s) => Number((s.value - s.baseline).toPrecision(4))),
            grad_norm_logged: a.grad !== undefined,
          },
          list.map((s) => [s.fromStep, s.toStep]),
        ),
      ],
    };
  },
};
