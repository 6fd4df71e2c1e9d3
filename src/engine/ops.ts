/**
 * The contract between the Qwen2 model (src/engine/model*, src/train) and the compute backends that run it:
 * the plain-TypeScript reference (src/engine/ref, also in float64 for gradient checks) and the WebAssembly SIMD
 * kernels with their worker pool (src/engine/wasm). The model is written once against this interface, llm.c
 * style: every layer a plain forward and backward call on flat row-major buffers.
 *
 * Conventions for every method:
 * - Buffers are row-major; shapes are given in brackets, e.g. x [N, C] means element (n, c) is x[n*C + c].
 *   N is the number of token positions (B*T), C a channel count.
 * - Buffers must come from this backend's alloc()/allocInt() (for WASM they are views into the shared memory; a
 *   subarray() of such a buffer is fine and is how an offset is passed). The reference accepts any array.
 * - "overwrite" outputs are fully written; "+=" outputs are accumulated into (gradients accumulate across
 *   micro-batches and across uses of a tied weight). Nothing else is modified unless stated.
 * - Calls are synchronous: a multi-threaded backend splits the work across its workers and returns when all
 *   are done (workers block on Atomics.wait between jobs; they never spin).
 * - Results must be deterministic for a given thread count (fixed work partition, fixed reduction order).
 */

/** Float32Array for the real backends; Float64Array for the reference in float64 mode (gradient checks). */
export type Buf = Float32Array | Float64Array;

export interface Ops {
  /** e.g. "wasm relaxed-simd ×2 threads", "ts-ref f32". */
  readonly name: string;
  readonly threads: number;
  /** "f32" for real training; the reference also offers "f64". */
  readonly dtype: "f32" | "f64";

  /** A zeroed buffer of n elements usable by this backend. */
  alloc(n: number): Buf;
  /** A zeroed int32 buffer (token ids, targets). */
  allocInt(n: number): Int32Array;

  /**
   * C = alpha · op(A) · op(B) + beta · C, with op(X) = X or Xᵀ.
   * op(A) is M×K, op(B) is K×N, C is M×N. Leading dimensions are the row strides of the stored matrices:
   * A stored [M, lda] (or [K, lda] when transA), B stored [K, ldb] (or [N, ldb] when transB), C stored [M, ldc].
   * beta = 0 must ignore C's previous content (even NaN).
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Buf,
    lda: number,
    B: Buf,
    ldb: number,
    beta: number,
    C: Buf,
    ldc: number,
  ): void;

  // ---- elementwise and reductions --------------------------------------------------------------------------

  /** y[n, c] += b[c].  y [N, C], b [C]. */
  addBias(y: Buf, b: Buf, N: number, C: number): void;
  /** db[c] += Σ_n dy[n, c].  dy [N, C], db [C]. */
  biasGrad(dy: Buf, db: Buf, N: number, C: number): void;
  /** out[i] = a[i] + b[i] for i < n (out may alias a or b). */
  add(a: Buf, b: Buf, out: Buf, n: number): void;
  /** x[i] *= s for i < n. */
  scale(x: Buf, s: number, n: number): void;
  /** Σ x[i]² for i < n, accumulated in float64 (global grad norm). */
  sumSquares(x: Buf, n: number): number;

  // ---- layers ----------------------------------------------------------------------------------------------

  /** out[n, :] = table[ids[n], :].  ids [N], table [V, C], out [N, C]. */
  embeddingForward(ids: Int32Array, table: Buf, out: Buf, N: number, C: number): void;
  /** dtable[ids[n], :] += dout[n, :].  Deterministic (no racing scatter). */
  embeddingBackward(ids: Int32Array, dout: Buf, dtable: Buf, N: number, C: number): void;

  /**
   * Qwen2RMSNorm: y = x · rsqrt(mean(x²) + eps) · w, per row.  x [N, C], w [C], y [N, C] (overwrite),
   * rstd [N] (overwrite; saved for backward).
   */
  rmsnormForward(x: Buf, w: Buf, eps: number, y: Buf, rstd: Buf, N: number, C: number): void;
  /** dx [N, C] +=, dw [C] +=, given x, w, rstd from forward and dy [N, C]. */
  rmsnormBackward(x: Buf, w: Buf, rstd: Buf, dy: Buf, dx: Buf, dw: Buf, N: number, C: number): void;

  /**
   * Rotary embedding in HF's half-split layout, in place, on x [N, H, D] where row n is position pos[n]:
   * x' = x·cos + rotate_half(x)·sin with rotate_half(x) = cat(−x[D/2:], x[:D/2]), and
   * cos/sin tables [maxPos, D/2] holding cos/sin(pos · inv_freq[i]) (emb = cat(freqs, freqs) means both
   * halves use the same angle i).  Backward is the same call with inverse = true (rotation by −θ).
   */
  rope(x: Buf, pos: Int32Array, cos: Buf, sin: Buf, N: number, H: number, D: number, inverse: boolean): void;

  /**
   * Causal grouped-query self-attention core, per sequence of length T (N = B·T):
   *   q [N, H, D], k [N, KV, D], v [N, KV, D]; head h uses kv head floor(h / (H / KV)) (repeat_kv);
   *   att [B, H, T, T] (overwrite): softmax((q·kᵀ)·scale) with positions s > t masked (probabilities; entries
   *   above the diagonal are 0);  out [N, H, D] (overwrite) = att · v.
   */
  attentionForward(
    q: Buf,
    k: Buf,
    v: Buf,
    att: Buf,
    out: Buf,
    B: number,
    T: number,
    H: number,
    KV: number,
    D: number,
    scale: number,
  ): void;
  /** Given att from forward and dout [N, H, D]: dq [N, H, D], dk, dv [N, KV, D] all overwrite. */
  attentionBackward(
    q: Buf,
    k: Buf,
    v: Buf,
    att: Buf,
    dout: Buf,
    dq: Buf,
    dk: Buf,
    dv: Buf,
    B: number,
    T: number,
    H: number,
    KV: number,
    D: number,
    scale: number,
  ): void;

  /** out = silu(gate) · up.  gate, up, out [n]. */
  swigluForward(gate: Buf, up: Buf, out: Buf, n: number): void;
  /** dgate, dup (overwrite) from gate, up, dout. */
  swigluBackward(gate: Buf, up: Buf, dout: Buf, dgate: Buf, dup: Buf, n: number): void;

  /**
   * Fused softmax cross-entropy over logits [N, V] with int targets [N] (−100 = ignored position).
   * Returns the SUM of −log softmax(logits)[target] over non-ignored rows (float64) and their count.
   * When dlogits is given it receives (softmax − onehot(target)) · gradScale per row (0 for ignored rows);
   * dlogits may be the logits buffer itself (in place, saves a [N, V] buffer).
   */
  crossEntropy(
    logits: Buf,
    targets: Int32Array,
    N: number,
    V: number,
    dlogits: Buf | null,
    gradScale: number,
  ): { loss: number; count: number };

  /**
   * One AdamW step over n elements (PyTorch semantics, decoupled weight decay):
   *   p -= lr·wd·p;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
   *   p -= lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + eps),   t = step (1-based).
   */
  adamw(
    p: Buf,
    g: Buf,
    m: Buf,
    v: Buf,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number,
  ): void;

  /** Release workers and memory (a no-op for the reference). */
  dispose(): void;
}
