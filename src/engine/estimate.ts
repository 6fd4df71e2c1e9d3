import type { Qwen2Config } from "./config.js";
import { Qwen2Model } from "./model.js";
import type { Ops } from "./ops.js";
import { ParamLayout } from "./params.js";

export interface ModelEstimate {
  params: { total: number; embedding: number; non_embedding: number };
  /** Training FLOPs per token (forward + backward): 6·N_matmul + 12·L·H·D·T (PaLM appendix B). */
  flops_per_token: { total: number; dense: number; attention: number };
  /** Parameters of the matrix products (Linear weights and biases, the output projection once). */
  matmul_params: number;
  batch: number;
  seq: number;
  /** Bytes in float32 training with AdamW (the engine's layout, alignment included). */
  memory_bytes: { weights: number; gradients: number; optimizer: number; activations: number; total: number };
}

/** Exact counts and the arithmetic of one training step of `config` at micro-batch [batch, seq]. */
export function estimateModel(config: Qwen2Config, batch: number, seq: number): ModelEstimate {
  const layout = new ParamLayout(config);
  const c = config;
  const h = c.hidden_size;
  // everything but the norm gains and the embedding lookup (biases included, as the PyTorch peer counts)
  const norms = (2 * c.num_hidden_layers + 1) * h;
  const matmul = layout.count - norms - (c.tie_word_embeddings ? 0 : layout.embed.size);
  const dense = 6 * matmul;
  const attention = 12 * c.num_hidden_layers * c.num_attention_heads * c.head_dim * seq;
  const floats = layout.total;
  const weights = 4 * floats;
  const activations = 4 * Qwen2Model.activationFloats(c, batch, seq);
  return {
    params: {
      total: layout.count,
      embedding: layout.embeddingCount,
      non_embedding: layout.count - layout.embeddingCount,
    },
    flops_per_token: { total: dense + attention, dense, attention },
    matmul_params: matmul,
    batch,
    seq,
    memory_bytes: {
      weights,
      gradients: weights,
      optimizer: 2 * weights,
      activations,
      total: 4 * weights + activations,
    },
  };
}

/**
 * Sustained sgemm rate of a backend on a shape like the model's MLP (rows × hidden → intermediate), timed for
 * at least `minSeconds`. Used to turn FLOPs into an expected speed on this machine.
 */
export function probeGemmGflops(ops: Ops, config: Qwen2Config, minSeconds = 0.15): number {
  // as many rows as a training micro-batch has tokens (small M measures call overhead, not the kernel)
  const M = 1024;
  const K = Math.min(config.hidden_size, 1024);
  const N = Math.min(config.intermediate_size, 1024);
  const A = ops.alloc(M * K);
  const B = ops.alloc(N * K);
  const C = ops.alloc(M * N);
  for (let i = 0; i < A.length; i++) A[i] = ((i % 7) - 3) * 0.01;
  for (let i = 0; i < B.length; i++) B[i] = ((i % 5) - 2) * 0.01;
  ops.sgemm(false, true, M, N, K, 1, A, K, B, K, 0, C, N); // warm-up
  let reps = 0;
  const t0 = performance.now();
  let t = 0;
  while (t < minSeconds * 1000) {
    ops.sgemm(false, true, M, N, K, 1, A, K, B, K, 0, C, N);
    reps++;
    t = performance.now() - t0;
  }
  return (2 * M * N * K * reps) / (t / 1000) / 1e9;
}
