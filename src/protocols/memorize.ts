import { generate } from "../engine/generate.js";
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

export function scoreMemorization(model: Qwen2Model, probe: MemorizationProbe): MemorizationResult {
  const perPrompt: number[] = [];
  const prefixes: number[] = [];
  const completions: number[][] = [];
  probe.prompts.forEach((prompt, i) => {
    const ref = probe.references[i];
    const out = generate(model, prompt, { maxNewTokens: ref.length, greedy: true });
    completions.push(out);
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
