import { mannKendall } from "../../curves/mannkendall.js";
import { median } from "../../curves/stats.js";
import { initialDescentEnd } from "../analysis.js";
import { stepRange } from "../curve.js";
import { f2, finding, fmtStep, has, type Rule } from "./rule.js";

/**
 * Divergence: after reaching its lowest level the training loss climbs back, significantly (Mann–Kendall with
 * Hamed–Rao, p < 0.01) and by more than 5% of the level and 6σ of the working-resolution noise, and stays up
 * (not a spike that recovers). A grad norm that grows tenfold over the same stretch, or a NaN at the end,
 * raise the confidence.
 */
export const divergenceRule: Rule = {
  id: "divergence",
  title: "training loss rising after its minimum (not a transient spike)",
  check(a, prior) {
    const w = a.work;
    const n = w.y.length;
    if (n < 30 || has(prior, "frozen")) return {};
    const sm = a.smooth;
    const t = a.train;
    if (!t) return {};
    // the minimum after the initial descent
    const startStep = t.step[initialDescentEnd(t)];
    let m = -1;
    for (let i = 0; i < n; i++) if (w.x[i] >= startStep && (m < 0 || sm[i] < sm[m])) m = i;
    if (m < 0 || m > n - 8) return {};
    const tailN = Math.max(3, Math.floor(0.03 * n));
    const end = median(w.y.subarray(n - tailN));
    const minLevel = sm[m];
    const rise = end - minLevel;
    const noise = a.workNoise;
    if (!(rise > Math.max(0.05 * Math.abs(minLevel), 6 * noise))) return {};
    const after = Array.from(w.y.subarray(m));
    const mk = mannKendall(
      after.length > 400 ? after.filter((_, i) => i % Math.ceil(after.length / 400) === 0) : after,
      {
        lag: 10,
      },
    );
    if (!(mk.trend === "increasing" && mk.p < 0.01)) return {};
    // sustained, not a spike in the last points: the last tenth as a whole stays well above the minimum
    const lastTenth = median(w.y.subarray(Math.floor(0.9 * n)));
    if (lastTenth - minLevel < 0.5 * rise) return {};
    const from = w.x[m];
    const to = a.lastStep;
    let gradGrowth: number | undefined;
    if (a.grad) {
      const [g0, g1] = stepRange(a.grad, from - 0.05 * (to - from), from + 0.05 * (to - from));
      const [h0] = stepRange(a.grad, to - 0.05 * (to - from), Number.POSITIVE_INFINITY);
      const before = median(a.grad.value.subarray(g0, Math.max(g0 + 1, g1)));
      const last = median(a.grad.value.subarray(h0));
      if (before > 0 && Number.isFinite(last)) gradGrowth = last / before;
    }
    const nanAfter = (a.trainLogged?.nonFinite ?? []).some((p) => p.step >= from);
    let conf = 0.75;
    if (gradGrowth !== undefined && gradGrowth > 10) conf += 0.15;
    if (nanAfter) conf += 0.08;
    return {
      findings: [
        finding(
          a,
          "divergence",
          "critical",
          conf,
          `The training loss diverges: from its low of ${f2(minLevel)} at step ${fmtStep(from)} it climbs to ${f2(end)} (+${f2(rise)} nats; Mann–Kendall z = ${f2(mk.z)}, p = ${mk.p.toExponential(1)})${gradGrowth !== undefined ? `, the gradient norm grows ×${f2(gradGrowth)}` : ""}${nanAfter ? ", and ends in NaN" : ""}`,
          {
            min_step: from,
            min_level: minLevel,
            end_level: end,
            rise,
            mk_z: mk.z,
            mk_p: mk.p,
            sen_slope_per_point: mk.sen.slope,
            grad_norm_growth: gradGrowth,
            ends_in_nan: nanAfter,
          },
          [[from, to]],
        ),
      ],
    };
  },
};
