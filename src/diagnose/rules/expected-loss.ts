import { median } from "../../curves/stats.js";
import { paramCount } from "../facts.js";
import { BESIROGLU, chinchillaLoss, HOFFMANN } from "../reference.js";
import { f2, finding, has, type Rule } from "./rule.js";

/**
 * What a model of this size should reach with this many tokens: Chinchilla L(N, D) (Hoffmann et al. 2022) and
 * the Besiroglu et al. (2024) replication, against the achieved loss (held-out eval when there is one). The
 * caveat travels with the number: those fits are nats per token of a 32k SentencePiece tokenizer on MassiveText;
 * a 151,936-token vocabulary puts more bytes in a token, so compare bits per byte when bytes per token is known.
 */
export const expectedLossRule: Rule = {
  id: "expected-loss",
  title: "achieved loss against Chinchilla / Besiroglu L(N, D) (tokenizer caveat; bits per byte)",
  check(a, prior) {
    const N = paramCount(a.facts);
    const D = a.tokensAt(a.lastStepTrain);
    if (N === undefined || D === undefined || !(D > 0)) return {};
    let achieved: number;
    let which: string;
    const e = a.eval;
    if (e && e.value.length >= 3 && !has(prior, "eval-on-train")) {
      achieved = median(e.value.subarray(e.value.length - 3));
      which = "eval";
    } else if (a.train) {
      const n = a.train.value.length;
      achieved = median(a.train.value.subarray(n - Math.max(3, Math.floor(0.05 * n))));
      which = "train";
    } else return {};
    const hoff = chinchillaLoss(HOFFMANN, N, D);
    const bes = chinchillaLoss(BESIROGLU, N, D);
    const gap = achieved - bes;
    const bpt = a.facts.tokenizer?.bytes_per_token;
    const bpb = typeof bpt === "number" && bpt > 0 ? achieved / (Math.LN2 * bpt) : undefined;
    const caveat =
      "Chinchilla's fits are per token of a 32k SentencePiece vocabulary; with another tokenizer compare bits per byte";
    const summary = `With N = ${N.toExponential(2)} parameters and D = ${D.toExponential(2)} tokens, Chinchilla predicts ${f2(hoff)} (Besiroglu: ${f2(bes)}); the ${which} loss is ${f2(achieved)} (${gap >= 0 ? "+" : ""}${f2(gap)})${bpb !== undefined ? `, ${bpb.toFixed(3)} bits per byte` : ""}. ${caveat}`;
    const observations = [];
    if (Math.abs(gap) < 0.2)
      observations.push({
        rule: "expected-loss",
        text: `the loss (${f2(achieved)}) is where scaling laws put a ${N.toExponential(1)}-parameter model after ${D.toExponential(1)} tokens (${f2(bes)}): more data or a larger model is what lowers it`,
        supports: ["capacity" as const, "not-a-problem" as const],
        weight: 0.4,
      });
    else if (gap > 0.5)
      observations.push({
        rule: "expected-loss",
        text: `the loss (${f2(achieved)}) is ${f2(gap)} nats above the scaling-law prediction (${f2(bes)}) for this size and token count (tokenizer caveat applies)`,
        supports: ["data-quality" as const, "training-strategy" as const],
        against: ["capacity" as const],
        weight: 0.25,
      });
    return {
      findings: [
        finding(a, "expected-loss", gap > 1 ? "warning" : "info", gap > 1 ? 0.4 : 0.5, summary, {
          params: N,
          tokens: D,
          achieved,
          achieved_from: which,
          chinchilla_hoffmann: hoff,
          chinchilla_besiroglu: bes,
          gap_to_besiroglu: gap,
          bits_per_byte: bpb,
          tokens_per_param: D / N,
        }),
      ],
      observations,
    };
  },
};
