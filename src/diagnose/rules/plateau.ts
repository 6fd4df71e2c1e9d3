import { stretchAt } from "../schedule.js";
import { f2, f3, finding, fmtStep, has, type Rule } from "./rule.js";

/**
 * Plateau: from some step on, the training loss falls by less than 1% of its level per doubling of steps —
 * tested on the whole 95% Newey–West interval of the slope of loss against log₂(step), for every trailing
 * window from that step on (autocorrelation-robust, so noise alone cannot make a plateau or hide one), with
 * Mann–Kendall (Hamed–Rao) and Sen's slope as a second opinion, and the learning-curve fit's asymptote L∞.
 */
export const plateauRule: Rule = {
  id: "plateau",
  title: "trailing plateau: loss falls < 1% of its level per doubling of steps (Newey–West interval)",
  check(a, prior) {
    if (has(prior, "frozen") || has(prior, "divergence")) return {};
    const p = a.trailingPlateau;
    if (!p) {
      const t = a.train;
      if (!t || a.work.y.length < 20) return {};
      return {
        observations: [
          {
            rule: "plateau",
            text: "the loss is still falling at the end of the run (no plateau by the slope test)",
            supports: ["not-a-problem"],
            weight: 0.35,
          },
        ],
      };
    }
    const span = a.lastStepTrain - a.firstStep;
    const doublings = Math.log2(p.to / Math.max(1, p.from));
    const lc = a.learningCurve;
    const st = stretchAt(a.schedule, (p.from + p.to) / 2);
    const lrState =
      a.schedule.source === "unknown"
        ? "unknown"
        : st?.kind === "constant"
          ? "constant"
          : (st?.kind ?? "unknown");
    let conf = p.confirmed ? 0.6 : 0.4;
    if (p.mk.trend !== "decreasing") conf += 0.15;
    if (doublings >= 0.5) conf += 0.1;
    if (p.to - p.from >= 0.3 * span) conf += 0.1;
    const fitText =
      lc?.fit.ok && lc.projection
        ? `; power-law fit L∞ = ${f2(lc.fit.lInf)} [${f2(lc.fit.lInfCi[0])}, ${f2(lc.fit.lInfCi[1])}], ${lc.projection.more.toExponential(2)} more ${lc.unit} would give ${f2(lc.projection.value)} [${f2(lc.projection.ci[0])}, ${f2(lc.projection.ci[1])}]`
        : "";
    return {
      findings: [
        finding(
          a,
          "plateau",
          "warning",
          conf,
          `${p.confirmed ? "Plateau" : "Probable plateau (its 95% interval reaches past the tolerance)"} since step ${fmtStep(p.from)}${p.confirmed && p.confirmedFrom !== undefined && p.confirmedFrom > p.from ? ` (interval within tolerance from step ${fmtStep(p.confirmedFrom)})` : ""} at ${f2(p.level)}: ${f3(p.slope.slope)} nats per doubling of steps (95% CI ${f3(p.slope.ciLow)} to ${f3(p.slope.ciHigh)}; tolerance ±${f3(p.tolerance)}), Mann–Kendall p = ${f2(p.mk.p)}; LR ${lrState} there${fitText}`,
          {
            confirmed: p.confirmed,
            confirmed_from: p.confirmedFrom,
            start_step: p.from,
            end_step: p.to,
            level: p.level,
            slope_per_doubling: p.slope.slope,
            slope_ci_low: p.slope.ciLow,
            slope_ci_high: p.slope.ciHigh,
            tolerance_per_doubling: p.tolerance,
            hac_lag: p.slope.lag,
            doublings,
            mk_p: p.mk.p,
            mk_z: p.mk.z,
            sen_slope_per_doubling: p.mk.senPerDoubling,
            lr_during_plateau: lrState,
            l_inf: lc?.fit.ok ? lc.fit.lInf : undefined,
            l_inf_ci_low: lc?.fit.ok ? lc.fit.lInfCi[0] : undefined,
            l_inf_ci_high: lc?.fit.ok ? lc.fit.lInfCi[1] : undefined,
            projection_unit: lc?.projection ? lc.unit : undefined,
            projection_more: lc?.projection?.more,
            projected_loss: lc?.projection?.value,
            projected_loss_ci_low: lc?.projection?.ci[0],
            projected_loss_ci_high: lc?.projection?.ci[1],
          },
          [[p.from, p.to]],
        ),
      ],
    };
  },
};
