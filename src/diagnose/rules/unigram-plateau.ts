import { unigramEntropy } from "../facts.js";
import { f2, finding, fmtStep, has, type Rule } from "./rule.js";

/**
 * Stuck at the unigram level: the loss flattens where a model that only knows token frequencies would sit (the
 * unigram entropy of the training tokens) — it has learnt nothing about context: attention or positions broken,
 * labels misaligned, or a causal mask that hides everything (nanoGPT#303 sat near 7.8 nats). With the entropy
 * measured (`--fact data.unigram_entropy=H`, or an audit) the test is sharp; without it, only a level of 6.5–8.5
 * nats with a ≥ 30k vocabulary hints at it.
 */
export const unigramPlateauRule: Rule = {
  id: "unigram-plateau",
  title: "plateau near the unigram entropy of the data",
  check(a, prior) {
    if (has(prior, "frozen")) return {};
    const p = a.trailingPlateau;
    if (!p) return {};
    const H = unigramEntropy(a.facts);
    if (H !== undefined) {
      if (Math.abs(p.level - H) < Math.max(0.3, 0.05 * H)) {
        return {
          findings: [
            finding(
              a,
              "unigram-plateau",
              "critical",
              0.8,
              `The loss is stuck at ${f2(p.level)} since step ${fmtStep(p.from)}, the unigram entropy of the data (${f2(H)} nats): the model predicts token frequencies and ignores context — check attention, positions, the causal mask and label alignment`,
              { level: p.level, unigram_entropy: H, from_step: p.from },
              [[p.from, p.to]],
            ),
          ],
        };
      }
      return {
        observations: [
          {
            rule: "unigram-plateau",
            text: `the plateau (${f2(p.level)}) is well below the unigram entropy (${f2(H)}): the model uses context`,
            against: ["pipeline-bug"],
            weight: 0.2,
          },
        ],
      };
    }
    const V = a.vocab;
    if (V !== undefined && V >= 30_000 && p.level >= 6.5 && p.level <= 8.5) {
      return {
        findings: [
          finding(
            a,
            "unigram-plateau",
            "warning",
            0.35,
            `The loss is stuck at ${f2(p.level)}, where unigram models of ${V.toLocaleString("en-US")}-token BPE vocabularies typically sit (~7–8 nats): measure the data's unigram entropy to check (--fact data.unigram_entropy=H)`,
            { level: p.level, vocab: V, from_step: p.from },
            [[p.from, p.to]],
          ),
        ],
      };
    }
    return {};
  },
};
