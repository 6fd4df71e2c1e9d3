import type { Qwen2Model } from "../engine/model.js";
import { checkPadPitfalls } from "../tokenizer/pack.js";
import type { TokenBlocks } from "../train/data/blocks.js";
import { BatchLoader } from "../train/data/loader.js";
import type { ProtocolTokenizer } from "./text.js";

/**
 * The cheap pipeline checks the overfit test runs on the real pipeline (the same loader, model and backend
 * that trained), each seconds or less. Each says ok / problem / skipped with the numbers behind it, and which
 * likely cause it speaks to, so a failed verdict comes with the check that explains it.
 */
export type CheckStatus = "ok" | "problem" | "warning" | "skipped";

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** One sentence with the numbers. */
  detail: string;
  /** The likely cause it confirms when status is problem (a LIKELY_CAUSES id). */
  cause?: CauseId;
  values?: Record<string, number | string | boolean>;
}

/** The pipeline causes the overfit test tells apart. */
export const LIKELY_CAUSES = {
  "labels-unshifted": "labels not shifted: position t is trained to predict its own token",
  "labels-double-shift": "labels shifted twice: position t is trained to predict token t + 2",
  "causal-mask": "broken causal mask: positions see the tokens they are asked to predict",
  "pad-in-loss": "padding counted in the loss",
  "lr-too-low": "learning rate far too low",
  "lr-too-high": "learning rate far too high",
  frozen: "parameters not updated (frozen, or the optimizer does not step)",
  tokenizer: "tokenizer and model vocabulary do not match",
  capacity: "too little training for this model to memorise the samples (epochs, model size)",
  numerics:
    "the loss is not finite before any update: the forward pass itself is broken (backend, inputs or initialisation)",
} as const;
export type CauseId = keyof typeof LIKELY_CAUSES;

/**
 * Labels against inputs in a batch from the training loader: with HF's shift, target[t] must be token t + 1.
 * A target equal to token t means the labels were not shifted (or shifted back); token t + 2 means shifted
 * twice. Natural text repeats tokens, so the test compares the three shares, not exact zeros.
 */
export function checkLabelAlignment(data: TokenBlocks, batch: number, seed: number): CheckResult {
  const loader = new BatchLoader(data, Math.min(batch, data.count), seed, false);
  const b = loader.next();
  const T = b.T;
  let n = 0;
  let next = 0;
  let same = 0;
  let skip = 0;
  for (let r = 0; r < b.B; r++)
    for (let t = 0; t + 2 < T; t++) {
      const y = b.targets![r * T + t];
      if (y === -100) continue;
      n++;
      if (y === b.ids[r * T + t + 1]) next++;
      if (y === b.ids[r * T + t]) same++;
      if (y === b.ids[r * T + t + 2]) skip++;
    }
  const share = (x: number) => (n ? x / n : 0);
  const values = { targets: n, next: share(next), same: share(same), skip: share(skip) };
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const text = `targets equal token t+1 at ${pct(values.next)} of positions, token t at ${pct(values.same)}, token t+2 at ${pct(values.skip)}`;
  if (n === 0)
    return {
      id: "label-alignment",
      title: "labels shifted by one",
      status: "skipped",
      detail: "no targets in the first batch",
    };
  if (values.same > values.next && values.same > 0.5)
    return {
      id: "label-alignment",
      title: "labels shifted by one",
      status: "problem",
      cause: "labels-unshifted",
      detail: `${text}: the labels are not shifted`,
      values,
    };
  if (values.skip > values.next && values.skip > 0.5)
    return {
      id: "label-alignment",
      title: "labels shifted by one",
      status: "problem",
      cause: "labels-double-shift",
      detail: `${text}: the labels are shifted twice`,
      values,
    };
  if (values.next < 0.9)
    return {
      id: "label-alignment",
      title: "labels shifted by one",
      status: "warning",
      detail: `${text}: labels differ from the inputs (fine for masked or task labels, suspicious for pretraining)`,
      values,
    };
  return { id: "label-alignment", title: "labels shifted by one", status: "ok", detail: text, values };
}

/**
 * Causality: the logits at positions before a cut must not change when the tokens after it change. Runs the
 * model (on its real backend) on a training sequence and on the same sequence with the second half replaced.
 */
export function checkCausalMask(model: Qwen2Model, data: TokenBlocks): CheckResult {
  const T = data.seqLen;
  const V = model.config.vocab_size;
  const cut = Math.max(1, Math.floor(T / 2));
  const ids = Int32Array.from(data.ids.subarray(0, T));
  model.forward({ ids, targets: null, B: 1, T });
  const before = Float32Array.from(model.logits.subarray(0, cut * V));
  const changed = Int32Array.from(ids);
  for (let t = cut; t < T; t++) changed[t] = (ids[t] + 1 + (t % 7)) % V;
  model.forward({ ids: changed, targets: null, B: 1, T });
  const after = model.logits;
  let maxDiff = 0;
  let firstPos = -1;
  for (let i = 0; i < cut * V; i++) {
    const d = Math.abs(after[i] - before[i]);
    if (d > maxDiff) maxDiff = d;
    if (d > 0 && firstPos < 0) firstPos = Math.floor(i / V);
  }
  const values = { cut, max_logit_change: maxDiff };
  if (maxDiff > 0)
    return {
      id: "causal-mask",
      title: "causal mask",
      status: "problem",
      cause: "causal-mask",
      detail: `changing tokens ${cut}–${T - 1} changed the logits at earlier positions (from position ${firstPos}; max change ${maxDiff.toExponential(2)}): attention sees the future`,
      values,
    };
  return {
    id: "causal-mask",
    title: "causal mask",
    status: "ok",
    detail: `changing tokens ${cut}–${T - 1} left the logits of positions 0–${cut - 1} bit-identical`,
    values,
  };
}

/** Per-tensor change between two parameter snapshots: tensors that never moved are frozen. */
export function checkParametersMoved(model: Qwen2Model, initial: Float32Array): CheckResult {
  const frozen: string[] = [];
  let frozenParams = 0;
  let total = 0;
  let num = 0;
  let den = 0;
  for (const t of model.layout.tensors) {
    const now = model.param(t);
    let d2 = 0;
    let w2 = 0;
    for (let i = 0; i < t.size; i++) {
      const w0 = initial[t.offset + i];
      const d = now[i] - w0;
      d2 += d * d;
      w2 += w0 * w0;
    }
    total += t.size;
    num += d2;
    den += w2;
    if (d2 === 0) {
      frozen.push(t.name);
      frozenParams += t.size;
    }
  }
  const rel = Math.sqrt(num / Math.max(den, 1e-30));
  const values = {
    frozen_tensors: frozen.length,
    tensors: model.layout.tensors.length,
    frozen_share: frozenParams / total,
    relative_change: rel,
  };
  if (frozen.length === 0)
    return {
      id: "parameters-moved",
      title: "every parameter tensor updated",
      status: "ok",
      detail: `all ${values.tensors} tensors changed; ‖ΔW‖/‖W₀‖ = ${rel.toExponential(2)}`,
      values,
    };
  const names = frozen.slice(0, 4).join(", ") + (frozen.length > 4 ? `, … (${frozen.length - 4} more)` : "");
  return {
    id: "parameters-moved",
    title: "every parameter tensor updated",
    status: "problem",
    cause: "frozen",
    detail: `${frozen.length} of ${values.tensors} tensors (${(100 * values.frozen_share).toFixed(1)}% of the parameters) never changed: ${names}`,
    values,
  };
}

/**
 * Size of one update relative to the weights (Karpathy's rule of thumb: about 1e-3 per step is healthy for
 * Adam-family optimizers; far below 1e-5 the weights barely move, above 1e-1 each step rewrites them).
 */
export function checkUpdateRatio(ratio: number, lr: number): CheckResult {
  const values = { update_ratio: ratio, lr };
  const text = `one update changes the weights by ${ratio.toExponential(2)} of their norm at lr ${lr.toExponential(2)}`;
  if (!Number.isFinite(ratio))
    return {
      id: "update-ratio",
      title: "update size",
      status: "problem",
      cause: "lr-too-high",
      detail: `${text}: not finite`,
      values,
    };
  if (ratio === 0)
    return {
      id: "update-ratio",
      title: "update size",
      status: "problem",
      cause: "frozen",
      detail: `${text}: nothing moved`,
      values,
    };
  if (ratio < 1e-5)
    return {
      id: "update-ratio",
      title: "update size",
      status: "problem",
      cause: "lr-too-low",
      detail: `${text} (healthy ≈ 1e-3; below 1e-5 the weights barely move)`,
      values,
    };
  if (ratio > 1e-1)
    return {
      id: "update-ratio",
      title: "update size",
      status: "problem",
      cause: "lr-too-high",
      detail: `${text} (healthy ≈ 1e-3; above 1e-1 each step rewrites the weights)`,
      values,
    };
  return {
    id: "update-ratio",
    title: "update size",
    status: "ok",
    detail: `${text} (healthy ≈ 1e-3)`,
    values,
  };
}

/** Loss positions that are padding: trailing runs of the pad id at the end of blocks whose labels count. */
export function checkPadInLoss(data: TokenBlocks, tok: ProtocolTokenizer): CheckResult {
  const pad = tok.padId ?? tok.eosId;
  const T = data.seqLen;
  const labels = data.labels ?? data.ids;
  let lossPositions = 0;
  let padInLoss = 0;
  for (let b = 0; b < data.count; b++) {
    const o = b * T;
    // the trailing run of pad ids (length ≥ 2: a single eos at the end of a block is a real token)
    let run = 0;
    for (let t = T - 1; t >= 0 && data.ids[o + t] === pad; t--) run++;
    for (let t = 1; t < T; t++) {
      if (labels[o + t] === -100) continue;
      lossPositions++;
      if (run >= 2 && t >= T - run + 1) padInLoss++;
    }
  }
  const frac = lossPositions ? padInLoss / lossPositions : 0;
  const pitfalls = checkPadPitfalls({
    mode: frac > 0 ? "padded" : "packed",
    eosId: tok.eosId,
    padId: tok.padId,
    maskPad: frac === 0,
    collatorMask: frac > 0 ? "none" : "position",
    padFractionOfLoss: frac,
  });
  const values = { pad_fraction_of_loss: frac, pad_id: pad ?? -1 };
  if (frac > 0.01)
    return {
      id: "pad-in-loss",
      title: "padding excluded from the loss",
      status: "problem",
      cause: "pad-in-loss",
      detail: `${(100 * frac).toFixed(1)}% of the loss positions are padding (id ${pad}): ${pitfalls.find((p) => p.severity === "error")?.message ?? "mask padding with -100"}`,
      values,
    };
  const note = pitfalls.find((p) => p.severity !== "info")?.message;
  return {
    id: "pad-in-loss",
    title: "padding excluded from the loss",
    status: note ? "warning" : "ok",
    detail:
      note ??
      (frac > 0
        ? `${(100 * frac).toFixed(2)}% of loss positions are padding`
        : "no padding in the loss (packed blocks)"),
    values,
  };
}

/**
 * Tokenizer against model: the vocabulary must cover every id (and not be much larger: rows no token uses are
 * never trained), the eos must exist, and decode(encode(text)) must give the text back.
 */
export function checkTokenizer(
  texts: string[],
  tok: ProtocolTokenizer,
  vocabSize: number,
  data: TokenBlocks,
): CheckResult {
  let maxId = -1;
  for (let i = 0; i < data.ids.length; i++) if (data.ids[i] > maxId) maxId = data.ids[i];
  let roundTripBad = 0;
  const sample = texts.slice(0, 200);
  for (const t of sample) if (tok.decode(tok.encode(t)) !== t.normalize("NFC")) roundTripBad++;
  const values = {
    tokenizer_vocab: tok.vocabSize,
    model_vocab: vocabSize,
    max_id: maxId,
    round_trip_failures: roundTripBad,
    round_trip_checked: sample.length,
  };
  const problems: string[] = [];
  if (vocabSize < tok.vocabSize)
    problems.push(`the model's vocabulary (${vocabSize}) is smaller than the tokenizer's (${tok.vocabSize})`);
  if (maxId >= vocabSize) problems.push(`token id ${maxId} is outside the model's vocabulary (${vocabSize})`);
  if (tok.eosId === undefined) problems.push("the tokenizer has no eos token");
  if (roundTripBad > 0)
    problems.push(`${roundTripBad} of ${sample.length} samples do not survive decode(encode(text))`);
  if (problems.length)
    return {
      id: "tokenizer",
      title: "tokenizer matches the model",
      status: "problem",
      cause: "tokenizer",
      detail: problems.join("; "),
      values,
    };
  const spare = vocabSize - tok.vocabSize;
  return {
    id: "tokenizer",
    title: "tokenizer matches the model",
    status: "ok",
    detail: `tokenizer ${tok.name}: ${tok.vocabSize} ids, model ${vocabSize}${spare > 0 ? ` (${spare} padding rows, never used)` : ""}; ids ≤ ${maxId}; ${sample.length} samples round-trip exactly`,
    values,
  };
}

/** The first loss against ln V: a randomly initialised model predicts about uniformly. */
export function checkInitialLoss(loss: number, vocabSize: number, fromScratch: boolean): CheckResult {
  const lnV = Math.log(vocabSize);
  const values = { initial_loss: loss, ln_vocab: lnV };
  if (!fromScratch)
    return {
      id: "initial-loss",
      title: "initial loss ≈ ln V",
      status: "skipped",
      detail: "the model starts from a checkpoint",
      values,
    };
  const rel = (loss - lnV) / lnV;
  if (!Number.isFinite(loss) || Math.abs(rel) > 0.15)
    return {
      id: "initial-loss",
      title: "initial loss ≈ ln V",
      status: "warning",
      detail: `the first loss ${loss.toFixed(3)} is ${(100 * rel).toFixed(0)}% from ln V = ${lnV.toFixed(3)}: a random model should predict about uniformly (check the initialisation scale and the logits)`,
      values,
    };
  return {
    id: "initial-loss",
    title: "initial loss ≈ ln V",
    status: "ok",
    detail: `first loss ${loss.toFixed(3)} vs ln V = ${lnV.toFixed(3)}`,
    values,
  };
}
