import { WARMDOWN_EXAMPLE } from "../reference.js";
import { constantStretches } from "../schedule.js";
import type { Finding } from "../types.js";
import { f2, finding, fmtStep, has, type Rule } from "./rule.js";

/**
 * A plateau at constant LR is what the schedule gives: at a fixed step size the loss settles where gradient
 * noise balances progress, and a decay then cashes in more (WSD: Hägele et al. 2024; MiniCPM) — a public
 * 1.5B GPT run went from 2.908 to 2.774 in its final warmdown. For every constant-LR stretch of at least 15% of
 * the run that is flat by the plateau test: if the run later decays the LR, report what the decay cashed in;
 * if it never does, say that a cooldown is the cheap experiment to try.
 */
export const schedulePlateauRule: Rule = {
  id: "schedule-plateau",
  title: "plateau during a constant LR: expected; a decay (cooldown) usually cashes in more",
  check(a, prior) {
    if (has(prior, "frozen") || has(prior, "divergence")) return {};
    const sched = a.schedule;
    if (sched.source === "unknown") return {};
    const span = a.lastStepTrain - a.firstStep;
    if (!(span > 0)) return {};
    const out: Finding[] = [];
    const known = sched.source === "logged";
    for (const st of constantStretches(sched, 0.15 * span)) {
      const p = a.plateauIn(st.from, Math.min(st.to, a.lastStepTrain));
      if (!p || p.to - p.from < 0.08 * span) continue;
      const decay = sched.stretches.find(
        (x) => x.from >= st.to && x.kind === "decay" && x.to - x.from > 0.02 * span,
      );
      const lr = st.lrFrom;
      const lrText = Number.isFinite(lr) ? ` (${lr.toExponential(1)})` : "";
      if (decay) {
        const endDecay = Math.min(decay.to, a.lastStepTrain);
        const after = a.levelBetween(endDecay - 0.05 * (decay.to - decay.from), endDecay);
        const before = a.levelBetween(p.to - 0.1 * (p.to - p.from), p.to);
        const gain = before - after;
        out.push(
          finding(
            a,
            "schedule-plateau",
            "info",
            known ? 0.85 : 0.65,
            `The loss was flat at ${f2(p.level)} while the LR was constant${lrText} (steps ${fmtStep(p.from)}–${fmtStep(p.to)}); the decay from step ${fmtStep(decay.from)} then cashed in ${f2(gain)} nats (${f2(before)} → ${f2(after)}): the plateau was the schedule, not the model`,
            {
              plateau_from: p.from,
              plateau_to: p.to,
              plateau_level: p.level,
              lr: Number.isFinite(lr) ? lr : undefined,
              lr_source: sched.source,
              decay_from: decay.from,
              decay_to: decay.to,
              level_before_decay: before,
              level_after_decay: after,
              decay_gain: gain,
              slope_per_doubling: p.slope.slope,
              slope_ci_low: p.slope.ciLow,
              slope_ci_high: p.slope.ciHigh,
            },
            [[p.from, p.to]],
          ),
        );
      } else {
        out.push(
          finding(
            a,
            "schedule-plateau",
            "warning",
            known ? 0.8 : 0.6,
            `The LR has been constant${lrText} since step ${fmtStep(st.from)} and the loss flat at ${f2(p.level)} since step ${fmtStep(p.from)}: at a constant LR a plateau is expected, and a decay (cooldown) usually cashes in more — ${WARMDOWN_EXAMPLE.text}`,
            {
              plateau_from: p.from,
              plateau_to: p.to,
              plateau_level: p.level,
              lr: Number.isFinite(lr) ? lr : undefined,
              lr_source: sched.source,
              constant_from: st.from,
              slope_per_doubling: p.slope.slope,
              slope_ci_low: p.slope.ciLow,
              slope_ci_high: p.slope.ciHigh,
              example_before: WARMDOWN_EXAMPLE.before,
              example_after: WARMDOWN_EXAMPLE.after,
            },
            [[p.from, p.to]],
          ),
        );
      }
    }
    return { findings: out };
  },
};
