import {
  configBatchRule,
  configFp16Rule,
  configLrRule,
  configPadEosRule,
  configVocabRule,
  configWarmupRule,
  configWeightDecayRule,
} from "./config.js";
import { divergenceRule } from "./divergence.js";
import { epochDropsRule } from "./epoch-drops.js";
import { evalOnTrainRule } from "./eval-on-train.js";
import { expectedLossRule } from "./expected-loss.js";
import { frozenRule } from "./frozen.js";
import { gaInflationRule } from "./ga-inflation.js";
import { initLossRule } from "./init-loss.js";
import { lrTooHighRule } from "./lr-too-high.js";
import { lrTooLowRule } from "./lr-too-low.js";
import { memorizationRule } from "./memorization.js";
import { nanRule } from "./nan.js";
import { overfitRule } from "./overfit.js";
import { overtrainingRule } from "./overtraining.js";
import { plateauRule } from "./plateau.js";
import type { Rule } from "./rule.js";
import { schedulePlateauRule } from "./schedule-plateau.js";
import { spikesRule } from "./spikes.js";
import { unigramPlateauRule } from "./unigram-plateau.js";

/**
 * Every rule, in the order they run. ga-inflation goes first because it rescales the training loss the others
 * read; nan and frozen next because the curve rules stand down on a run that is broken or not learning; the
 * curve rules; then the config lint.
 */
export const RULES: Rule[] = [
  gaInflationRule,
  nanRule,
  frozenRule,
  initLossRule,
  divergenceRule,
  spikesRule,
  plateauRule,
  schedulePlateauRule,
  lrTooLowRule,
  lrTooHighRule,
  overfitRule,
  overtrainingRule,
  memorizationRule,
  unigramPlateauRule,
  epochDropsRule,
  evalOnTrainRule,
  expectedLossRule,
  configLrRule,
  configWarmupRule,
  configWeightDecayRule,
  configBatchRule,
  configFp16Rule,
  configVocabRule,
  configPadEosRule,
];

export type { Rule, RuleOutput } from "./rule.js";
