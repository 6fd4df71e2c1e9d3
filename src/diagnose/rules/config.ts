import { median } from "../../curves/stats.js";
import {
  architecture,
  compareVersions,
  isHfTrainer,
  modelConfig,
  paramCount,
  peakLr,
  precision,
  tokenizerSize,
  transformersVersion,
} from "../facts.js";
import {
  criticalBatchTokens,
  lrAgainstReference,
  NORM_DECAY_FIX_VERSION,
  usualLrRange,
} from "../reference.js";
import { finding, fmtStep, has, type Rule } from "./rule.js";

/**
 * Config lint: facts about the run that are known to cause stalls, each its own rule id so they can be
 * filtered and counted. They need the facts (config.json, training arguments, --fact); without them they say
 * nothing.
 */

export const configLrRule: Rule = {
  id: "config-lr",
  title: "peak LR outside the usual range for the model size",
  check(a) {
    const { peak, params: N, ref } = lrAgainstReference(peakLr(a.facts, a.lr?.value), paramCount(a.facts));
    if (peak === undefined || N === undefined || ref === undefined || !(peak > 0)) return {};
    const [lo, hi] = usualLrRange(N);
    if (peak >= lo && peak <= hi) return {};
    const dir = peak < lo ? "below" : "above";
    return {
      findings: [
        finding(
          a,
          "config-lr",
          "warning",
          0.6,
          `Peak LR ${peak.toExponential(1)} is ${dir} the usual range for ${N.toExponential(2)} parameters (${lo.toExponential(1)}–${hi.toExponential(1)}; GPT-3 used ${ref.toExponential(1)} at this size with AdamW)`,
          { peak_lr: peak, params: N, usual_low: lo, usual_high: hi, reference_lr: ref },
        ),
      ],
    };
  },
};

export const configWarmupRule: Rule = {
  id: "config-warmup",
  title: "no LR warmup",
  check(a) {
    const stated = a.facts.lr?.warmup_steps;
    const lr = a.lr;
    let evidence: string | undefined;
    if (stated === 0 && (a.facts.lr?.schedule !== undefined || lr)) evidence = "warmup_steps is 0";
    else if (lr && lr.value.length >= 5 && stated === undefined) {
      const span = a.lastStep - a.firstStep;
      let peak = 0;
      for (const v of lr.value) peak = Math.max(peak, v);
      if (lr.step[0] <= Math.max(10, 0.01 * span) && lr.value[0] >= 0.9 * peak && peak > 0)
        evidence = `the LR is already ${lr.value[0].toExponential(1)} (its peak) at step ${fmtStep(lr.step[0])}`;
    }
    if (!evidence) return {};
    return {
      findings: [
        finding(
          a,
          "config-warmup",
          "warning",
          0.75,
          `No warmup: ${evidence}. Adam's first updates are large before its second-moment estimates settle; transformers need a warmup (typically 1–5% of steps) or they spike and stall early`,
          { warmup_steps: stated ?? 0 },
          lr ? [[lr.step[0], lr.step[Math.min(lr.step.length - 1, 4)]]] : [],
        ),
      ],
    };
  },
};

export const configWeightDecayRule: Rule = {
  id: "config-weight-decay",
  title: "weight decay on norms or embeddings",
  check(a) {
    const opt = (a.facts.optimizer ?? {}) as Record<string, unknown>;
    const wd = typeof opt.weight_decay === "number" ? opt.weight_decay : undefined;
    if (!(wd !== undefined && wd > 0)) return {};
    const parts: string[] = [];
    let conf = 0.8;
    if (opt.decay_norms === true) parts.push("norm weights are decayed");
    if (opt.decay_embeddings === true) parts.push("embeddings are decayed");
    if (parts.length === 0 && isHfTrainer(a.facts, a.format)) {
      const v = transformersVersion(a.facts);
      const normsDecayed = v === undefined || compareVersions(v, NORM_DECAY_FIX_VERSION) < 0;
      if (normsDecayed)
        parts.push(
          `HF's Trainer ${v ? `(transformers ${v}) ` : ""}decays RMSNorm weights (before ${NORM_DECAY_FIX_VERSION} it excluded only nn.LayerNorm and biases; huggingface/transformers#35927)`,
        );
      parts.push("the Trainer also decays the embedding matrix");
      conf = !normsDecayed ? 0.35 : v === undefined ? 0.45 : 0.65;
    }
    if (parts.length === 0) return {};
    return {
      findings: [
        finding(
          a,
          "config-weight-decay",
          conf >= 0.6 ? "warning" : "info",
          conf,
          `Weight decay ${wd} where it usually is not applied: ${parts.join("; ")}. Decaying norm gains pulls them toward 0 (nanoGPT decays only ≥ 2-D weights; OLMo 2 also spares embeddings)`,
          { weight_decay: wd, transformers_version: transformersVersion(a.facts) },
        ),
      ],
    };
  },
};

export const configBatchRule: Rule = {
  id: "config-batch",
  title: "tokens per step far below the critical batch size",
  check(a) {
    const tps = a.tokensPerStep;
    const t = a.train;
    if (tps === undefined || !t) return {};
    const n = t.value.length;
    const L = median(t.value.subarray(n - Math.max(3, Math.floor(0.05 * n))));
    if (!(L > 0.5)) return {};
    const bc = criticalBatchTokens(L);
    if (tps >= bc / 16) return {};
    return {
      findings: [
        finding(
          a,
          "config-batch",
          "info",
          0.5,
          `${Math.round(tps).toLocaleString("en-US")} tokens per step is ${Math.round(bc / tps)}× below the critical batch size at loss ${L.toFixed(2)} (Kaplan et al.: ~${(bc / 1e6).toFixed(1)}M tokens; an order of magnitude for other tokenizers): gradient noise dominates each step, so a constant LR settles on a noise floor — decay the LR or grow the batch`,
          { tokens_per_step: tps, critical_batch_tokens: bc, loss: L },
        ),
      ],
    };
  },
};

export const configFp16Rule: Rule = {
  id: "config-fp16",
  title: "fp16 with Qwen2 (overflows; use bf16)",
  check(a, prior) {
    const p = precision(a.facts);
    const arch = architecture(a.facts);
    if (!p || !(p === "fp16" || p === "float16" || p === "half") || !arch?.startsWith("qwen")) return {};
    const nan = has(prior, "nan");
    return {
      findings: [
        finding(
          a,
          "config-fp16",
          nan ? "critical" : "warning",
          nan ? 0.9 : 0.75,
          `Training ${arch} in fp16: Qwen2 was trained in bf16 and its activations overflow fp16's 65,504 range (QwenLM/Qwen3#670, #868)${nan ? "; the NaNs in this run fit" : ""} — use bf16`,
          { precision: p, architecture: arch },
        ),
      ],
    };
  },
};

export const configVocabRule: Rule = {
  id: "config-vocab",
  title: "model vocabulary ≠ tokenizer size",
  check(a) {
    const model =
      typeof a.facts.vocab_size === "number"
        ? a.facts.vocab_size
        : typeof modelConfig(a.facts).vocab_size === "number"
          ? (modelConfig(a.facts).vocab_size as number)
          : undefined;
    const tok = tokenizerSize(a.facts);
    if (model === undefined || tok === undefined || model === tok) return {};
    if (tok > model) {
      return {
        findings: [
          finding(
            a,
            "config-vocab",
            "critical",
            0.95,
            `The tokenizer has ${tok.toLocaleString("en-US")} tokens but the model only ${model.toLocaleString("en-US")} embedding rows: ids ≥ ${model} index out of range or silently hit garbage — resize the embeddings`,
            { model_vocab: model, tokenizer_size: tok },
          ),
        ],
      };
    }
    // Qwen pads 151,646 real tokens to 151,936 rows on purpose; only a large unused block is worth a line
    if (model - tok <= Math.max(2048, 0.02 * tok)) return {};
    return {
      findings: [
        finding(
          a,
          "config-vocab",
          "info",
          0.5,
          `The model has ${(model - tok).toLocaleString("en-US")} more embedding rows than the tokenizer has tokens (${model} vs ${tok}): harmless for training, but check that the tokenizer is the one the model was built for (QwenLM/Qwen#553)`,
          { model_vocab: model, tokenizer_size: tok },
        ),
      ],
    };
  },
};

export const configPadEosRule: Rule = {
  id: "config-pad-eos",
  title: "pad token = eos token without packing",
  check(a) {
    const tk = a.facts.tokenizer;
    const data = (a.facts.data ?? {}) as Record<string, unknown>;
    if (!tk || tk.pad_id === undefined || tk.eos_id === undefined || tk.pad_id !== tk.eos_id) return {};
    if (data.packing === true) return {};
    return {
      findings: [
        finding(
          a,
          "config-pad-eos",
          "warning",
          0.55,
          `pad_token_id = eos_token_id = ${tk.eos_id} with padded batches: masking pad to -100 masks every EOS too (the model never learns to stop; trl#976), and not masking it lets padding dominate the loss`,
          { pad_id: tk.pad_id, eos_id: tk.eos_id, packing: data.packing === true },
        ),
      ],
    };
  },
};
