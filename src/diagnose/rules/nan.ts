import type { Curve } from "../curve.js";
import { finding, fmtStep, type Rule } from "./rule.js";

/** NaN or ±Infinity in the loss or the gradient norm: the run broke numerically. */
export const nanRule: Rule = {
  id: "nan",
  title: "non-finite loss or gradient norm (NaN, ±Infinity)",
  check(a) {
    const out = [];
    const curves: [Curve | undefined, string][] = [
      [a.trainLogged, "training loss"],
      [a.eval, "evaluation loss"],
      [a.grad, "gradient norm"],
    ];
    for (const [c, label] of curves) {
      if (!c || c.nonFinite.length === 0) continue;
      const first = c.nonFinite[0];
      const last = c.nonFinite[c.nonFinite.length - 1];
      const lastFinite = c.step.length ? c.step[c.step.length - 1] : Number.NaN;
      const recovered = lastFinite > last.step;
      const kind = Number.isNaN(first.value) ? "NaN" : first.value > 0 ? "Infinity" : "-Infinity";
      const isLoss = label !== "gradient norm";
      out.push(
        finding(
          a,
          "nan",
          isLoss && !recovered ? "critical" : "warning",
          1,
          `${label} is ${kind} at step ${fmtStep(first.step)} (${c.nonFinite.length} non-finite value${c.nonFinite.length > 1 ? "s" : ""}${recovered ? ", finite again later: likely fp16 loss-scale overflow steps" : ", never finite again"})`,
          {
            series: c.name,
            first_step: first.step,
            last_step: last.step,
            count: c.nonFinite.length,
            first_value: kind,
            recovered,
          },
          [[first.step, last.step]],
        ),
      );
    }
    return { findings: out };
  },
};
