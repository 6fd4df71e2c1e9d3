import { generateGreedyBatch } from "../engine/generate.js";
import type { Qwen2Model } from "../engine/model.js";
import type { TokenBlocks } from "../train/data/blocks.js";

/**
 * The memorisation probe: prompts are the first `promptTokens` tokens of training blocks (a block's start has no
 * context before it in training either), the reference is what follows in the block, and the model continues
 * each prompt greedily. A model that has learned its training samples reproduces the reference; one whose low
 * loss came from seeing the answer (labels not shifted, a causal mask that lets position t see t + 1) cannot,
 * because generation has no future to look at. That is why the overfit verdict needs both.
 *
 *   score  = mean over prompts of (reference tokens reproduced at their exact position) / reference length
 *   prefix = mean over prompts of (length of the exactly reproduced prefix) / reference length
 */
export interface MemorizationProbe {
  prompts: number[][];
  references: number[][];
  /** Block index of each prompt. */
  blocks: number[];
}

export interface MemorizationResult {
  score: number;
  prefix: number;
  /** Per-prompt position-match fractions. */
  perPrompt: number[];
  completions: number[][];
}

/** Up to `count` blocks spread evenly over the set (always the same ones for the same data). */
export function memorizationProbe(
  data: TokenBlocks,
  count: number,
  promptTokens: number,
  refTokens: number,
): MemorizationProbe {
  const T = data.seqLen;
  const p = Math.max(1, Math.min(promptTokens, Math.floor(T / 2)));
  const r = Math.max(1, Math.min(refTokens, T - p));
  const n = Math.min(count, data.count);
  const out: MemorizationProbe = { prompts: [], references: [], blocks: [] };
  for (let i = 0; i < n; i++) {
    const b = Math.floor((i * data.count) / n);
    const row = Array.from(data.ids.subarray(b * T, (b + 1) * T));
    out.prompts.push(row.slice(0, p));
    out.references.push(row.slice(p, p + r));
    out.blocks.push(b);
  }
  return out;
}

/** Prompts decoded together per batch (bounds the decoder's activations: rows = batch × prompt length). */
const PROBE_BATCH = 64;

export function scoreMemorization(model: Qwen2Model, probe: MemorizationProbe): MemorizationResult {
  const completions = greedyCompletions(model, probe);
  const perPrompt: number[] = [];
  const prefixes: number[] = [];
  probe.references.forEach((ref, i) => {
    const out = completions[i];
    let same = 0;
    let prefix = 0;
    let inPrefix = true;
    for (let k = 0; k < ref.length; k++) {
      if (out[k] === ref[k]) {
        same++;
        if (inPrefix) prefix++;
      } else inPrefix = false;
    }
    perPrompt.push(same / ref.length);
    prefixes.push(prefix / ref.length);
  });
  const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : Number.NaN);
  return { score: mean(perPrompt), prefix: mean(prefixes), perPrompt, completions };
}

/**
 * Each prompt's greedy continuation, as long as its reference. Prompts of equal length are decoded as one batch
 * (a probe's always are), each to the longest reference of its batch and then cut: a greedy continuation's first
 * k tokens do not depend on how many follow, so this is what one generate() per prompt would give.
 */
function greedyCompletions(model: Qwen2Model, probe: MemorizationProbe): number[][] {
  const completions: number[][] = new Array(probe.prompts.length);
  const byLength = new Map<number, number[]>();
  probe.prompts.forEach((p, i) => {
    const group = byLength.get(p.length);
    if (group) group.push(i);
    else byLength.set(p.length, [i]);
  });
  for (const group of byLength.values())
    for (let g = 0; g < group.length; g += PROBE_BATCH) {
      const idx = group.slice(g, g + PROBE_BATCH);
      const maxNew = Math.max(...idx.map((i) => probe.references[i].length));
      const outs = generateGreedyBatch(
        model,
        idx.map((i) => probe.prompts[i]),
        maxNew,
      );
      idx.forEach((i, j) => {
        completions[i] = outs[j].slice(0, probe.references[i].length);
      });
    }
  return completions;
}
