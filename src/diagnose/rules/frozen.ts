import { median } from "../../curves/stats.js";
import { f3, finding, fmtStep, type Rule } from "./rule.js";

/**
 * Not learning at all: the loss constant to 4 decimals (litgpt#125: 11.0666 for 400 iterations) and/or the
 * gradient norm exactly 0 — frozen parameters, an optimizer that never steps, a detached graph.
 */
export const frozenRule: Rule = {
  id: "frozen",
  title: "loss constant to 4 decimals, gradient norm 0",
  check(a) {
    const t = a.trainLogged;
    let lossFrom: number | undefined;
    let lossTo: number | undefined;
    let lossLevel = Number.NaN;
    if (t && t.value.length >= 10) {
      const n = t.value.length;
      const end = t.value[n - 1];
      const tol = 5e-5 * Math.max(1, Math.abs(end));
      let i = n - 1;
      while (i > 0 && Math.abs(t.value[i - 1] - end) <= tol) i--;
      const run = n - i;
      if (run >= 10 && run >= 0.1 * n) {
        lossFrom = t.step[i];
        lossTo = t.step[n - 1];
        lossLevel = end;
      }
    }
    let gradFrom: number | undefined;
    let gradTo: number | undefined;
    const g = a.grad;
    if (g && g.value.length >= 3) {
      const n = g.value.length;
      let i = n;
      while (i > 0 && g.value[i - 1] === 0) i--;
      if (n - i >= 3) {
        gradFrom = g.step[i];
        gradTo = g.step[n - 1];
      }
    }
    if (lossFrom === undefined && gradFrom === undefined) return {};
    const both = lossFrom !== undefined && gradFrom !== undefined;
    const from = Math.min(lossFrom ?? Number.POSITIVE_INFINITY, gradFrom ?? Number.POSITIVE_INFINITY);
    const to = Math.max(lossTo ?? 0, gradTo ?? 0);
    const parts: string[] = [];
    if (lossFrom !== undefined)
      parts.push(
        `the loss stays at ${f3(lossLevel)} from step ${fmtStep(lossFrom)} to ${fmtStep(lossTo ?? 0)}`,
      );
    if (gradFrom !== undefined) parts.push(`the gradient norm is exactly 0 from step ${fmtStep(gradFrom)}`);
    const lossMedian = t ? median(t.value) : Number.NaN;
    return {
      findings: [
        finding(
          a,
          "frozen",
          "critical",
          both ? 0.97 : lossFrom !== undefined ? 0.85 : 0.8,
          `Not learning: ${parts.join("; ")} — parameters frozen, the optimizer not stepping, or the graph detached`,
          {
            loss_level: lossFrom !== undefined ? lossLevel : undefined,
            loss_constant_from: lossFrom,
            grad_norm_zero_from: gradFrom,
            loss_median: lossMedian,
          },
          [[from, to]],
        ),
      ],
    };
  },
};
