/**
 * Published constants the rules compare a run with. Each carries its source; diagnosis-anchors.md has the
 * derivations and caveats.
 */

/** Chinchilla (Hoffmann et al. 2022, arXiv 2203.15556) L(N, D) = E + A/N^α + B/D^β, paper values. */
export const HOFFMANN = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 } as const;

/** Besiroglu et al. 2024 (arXiv 2404.10102) replication of the Chinchilla fit. */
export const BESIROGLU = { E: 1.8172, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658 } as const;

export function chinchillaLoss(
  c: { E: number; A: number; B: number; alpha: number; beta: number },
  N: number,
  D: number,
) {
  return c.E + c.A / N ** c.alpha + c.B / D ** c.beta;
}

/**
 * Kaplan et al. 2020 (arXiv 2001.08361): critical batch B_crit(L) = B_star / L^(1/α_B), B_star = 2e8 tokens, α_B = 0.21,
 * with L in nats per token of the GPT-2 tokenizer — an order of magnitude, not a target, for other tokenizers.
 */
export function criticalBatchTokens(loss: number): number {
  return 2e8 / loss ** (1 / 0.21);
}

/**
 * Peak AdamW learning rates of GPT-3 (Brown et al. 2020, Table 2.1) by parameter count; interpolated in log–log
 * for other sizes. The "usual range" the lint uses is [ref/10, ref·5]: TinyLlama-1.1B (4e-4), Pythia-1B (3e-4)
 * and OLMo-1B (4e-4) sit inside it.
 */
const GPT3_LR: [number, number][] = [
  [125e6, 6e-4],
  [350e6, 3e-4],
  [760e6, 2.5e-4],
  [1.3e9, 2e-4],
  [2.7e9, 1.6e-4],
  [6.7e9, 1.2e-4],
  [13e9, 1e-4],
  [175e9, 0.6e-4],
];

export function referenceLr(params: number): number {
  const t = GPT3_LR;
  const lx = Math.log(params);
  let i = 0;
  while (i < t.length - 2 && lx > Math.log(t[i + 1][0])) i++;
  const [x0, y0] = t[i];
  const [x1, y1] = t[i + 1];
  const f = (lx - Math.log(x0)) / (Math.log(x1) - Math.log(x0));
  return Math.exp(Math.log(y0) + f * (Math.log(y1) - Math.log(y0)));
}

/** The run's peak LR against GPT-3's for its size, when both the LR and the size are known. */
export function lrAgainstReference(
  peak: number | undefined,
  params: number | undefined,
): { peak?: number; params?: number; ref?: number; ratio?: number } {
  if (peak === undefined || params === undefined) return { peak, params };
  const ref = referenceLr(params);
  return { peak, params, ref, ratio: peak / ref };
}

export function usualLrRange(params: number): [number, number] {
  const r = referenceLr(params);
  return [r / 10, r * 5];
}

/** The public warmdown example: modded-nanogpt 1.5B, val 2.908 at step 14,750 → 2.774 at 20,344. */
export const WARMDOWN_EXAMPLE = {
  before: 2.908,
  after: 2.774,
  text: "a public 1.5B GPT run went from 2.908 to 2.774 in its final warmdown",
};

/** transformers releases with the gradient-accumulation logging bug (logged loss ≈ GA × true loss). */
export const GA_BUG_VERSIONS = "4.46–4.47";
/** First transformers release whose Trainer keeps RMSNorm weights out of weight decay by name (PR #35927). */
export const NORM_DECAY_FIX_VERSION = "4.49.0";
