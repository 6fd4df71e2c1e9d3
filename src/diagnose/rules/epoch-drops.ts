import { ols } from "../../curves/ols.js";
import { median } from "../../curves/stats.js";
import type { RunAnalysis } from "../analysis.js";
import { stepRange } from "../curve.js";
import { dataTokens } from "../facts.js";
import { f3, finding, type Rule } from "./rule.js";

/**
 * Sharp drops at epoch boundaries: the model meets data it has seen and its loss falls at once — repetition,
 * i.e. memorisation of the training set (MedicalGPT#234). Each boundary is a regression discontinuity: within
 * ±40% of an epoch around it, y = a + b·d + c·d² + J·[d ≥ 0] (d the scaled distance to the boundary), and the
 * drop is −J with its standard error (AR(1)-inflated). The boundaries' z-scores combine (Stouffer); the same
 * estimate half an epoch away, where nothing happens, is the control: the rule fires when the combined z exceeds
 * 4 and the median drop is three times the controls' median step.
 */
export const epochDropsRule: Rule = {
  id: "epoch-drops",
  title: "sharp loss drops at epoch boundaries (repeated data)",
  check(a) {
    const t = a.train;
    if (!t || t.value.length < 40) return {};
    const span = a.lastStepTrain - a.firstStep;
    let bounds = a.epochBoundaries;
    let source = "logged epoch";
    if (bounds.length === 0) {
      const D = dataTokens(a.facts);
      const tps = a.tokensPerStep;
      if (D !== undefined && tps !== undefined && D / tps < span) {
        const per = D / tps;
        bounds = [];
        for (let b = per; b < a.lastStepTrain; b += per) bounds.push(b);
        source = "data tokens / tokens per step";
      }
    }
    bounds = bounds.filter((b) => b > a.firstStep + 0.02 * span && b < a.lastStepTrain - 0.02 * span);
    if (bounds.length === 0) return {};
    const epochLen = bounds.length >= 2 ? bounds[1] - bounds[0] : bounds[0] - a.firstStep;
    const W = 0.4 * epochLen;
    const level = Math.abs(median(t.value));
    const results: { step: number; drop: number; z: number }[] = [];
    const controlZ: number[] = [];
    const controlJump: number[] = [];
    for (const b of bounds) {
      const j = jumpAt(a, b, W);
      if (!j) continue;
      results.push({ step: b, drop: -j.jump, z: -j.jump / j.se });
      for (const c of [b - epochLen / 2, b + epochLen / 2]) {
        if (c - W < a.firstStep || c + W > a.lastStepTrain) continue;
        const jc = jumpAt(a, c, W);
        if (jc) {
          controlZ.push(-jc.jump / jc.se);
          // the part of the control's step that noise does not explain
          controlJump.push(Math.max(0, Math.abs(jc.jump) - 2 * jc.se));
        }
      }
    }
    if (results.length === 0) return {};
    // every boundary shows the same thing, so their evidence adds up (Stouffer's Z); the controls must show
    // steps three times smaller beyond their noise — in size, not in z: on a quiet curve a small misfit of the
    // local trend has a large z without being a drop
    const stouffer = (zs: number[]) => (zs.length ? zs.reduce((s, z) => s + z, 0) / Math.sqrt(zs.length) : 0);
    const Z = stouffer(results.map((r) => r.z));
    const Zc = stouffer(controlZ);
    const medDrop = median(results.map((r) => r.drop));
    const ctrlJump = controlJump.length ? median(controlJump) : 0;
    if (!(Z > 4 && medDrop > 3 * ctrlJump && medDrop > 0.005 * level)) return {};
    const shown = results.filter((r) => r.z > 2);
    const conf = Math.min(0.95, 0.55 + 0.05 * Z);
    return {
      findings: [
        finding(
          a,
          "epoch-drops",
          "warning",
          conf,
          `The loss drops at the epoch boundaries (${results.map((r) => `−${f3(r.drop)}`).join(", ")} nats; combined z = ${Z.toFixed(1)}, ${Zc.toFixed(1)} half an epoch away): the model is meeting data it has seen — repetition, memorisation of the training set`,
          {
            boundaries: results.map((r) => Math.round(r.step)),
            drops: results.map((r) => Number(r.drop.toPrecision(4))),
            z: results.map((r) => Number(r.z.toPrecision(3))),
            combined_z: Z,
            control_combined_z: Zc,
            control_median_step: ctrlJump,
            epoch_source: source,
            level,
          },
          (shown.length ? shown : results).map(
            (r) => [r.step - 0.02 * epochLen, r.step + 0.02 * epochLen] as [number, number],
          ),
        ),
      ],
    };
  },
};

/**
 * Level shift at step b from a local quadratic trend plus a step, fitted over [b − W, b + W]. Long windows are
 * averaged in groups of consecutive points first (never across the boundary), which keeps the fit small and
 * changes nothing the estimate depends on.
 */
function jumpAt(a: RunAnalysis, b: number, W: number): { jump: number; se: number } | undefined {
  const t = a.train;
  if (!t) return undefined;
  const [lo, hi] = stepRange(t, b - W, b + W);
  if (hi - lo < 12) return undefined;
  const g = Math.max(1, Math.ceil((hi - lo) / 400));
  const X: number[][] = [];
  const y: number[] = [];
  let before = 0;
  let i = lo;
  while (i < hi) {
    const side = t.step[i] >= b;
    let sd = 0;
    let sy = 0;
    let c = 0;
    while (i < hi && c < g && t.step[i] >= b === side) {
      sd += (t.step[i] - b) / W;
      sy += t.value[i];
      c++;
      i++;
    }
    const d = sd / c;
    X.push([1, d, d * d, side ? 1 : 0]);
    y.push(sy / c);
    if (!side) before++;
  }
  if (before < 5 || X.length - before < 5) return undefined;
  const f = ols(X, y);
  if (!(f.se[3] > 0)) return undefined;
  return { jump: f.beta[3], se: f.se[3] };
}
