import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../util/rng.js";
import { QWEN_VOCAB, simulateLoss } from "./synthetic.js";

/**
 * The demo run log: an HF Trainer output folder of a Qwen2-like 1.1B model pretrained from scratch the way
 * MedicalGPT#426 describes it (loss "stuck at 2.8"), written as transformers 4.46.2 would have written it:
 *
 *   config.json            Qwen2, h 2048, 18 layers, 16 heads / 2 KV heads, I 5632, V 151,936, tied: 1.10B params
 *   training_args.json     LR 2e-4 constant_with_warmup (500), GA 8, 4 per device, bf16, weight decay 0.01
 *   trainer_state.json     log_history every 10 steps (loss, grad_norm, learning_rate, epoch,
 *                          num_input_tokens_seen) and eval every 500 steps; sorted keys, indent 2, Python floats
 *   checkpoint-N/          the saved checkpoints (config.json only: the weights are not the point)
 *
 * What there is to find: the logged train loss is 8× the real one (the 4.46 gradient-accumulation logging
 * bug), the real loss flattens at ~2.75 under a constant LR (a cooldown would cash in more), which is about what
 * Chinchilla predicts for 1.1B parameters after ~5B tokens, and the Trainer of that version decays the RMSNorm
 * weights. The curves come from the labelled benchmark's generator (synthetic.ts).
 */
export interface DemoRunLog {
  dir: string;
  files: string[];
  steps: number;
  gradAccum: number;
}

const FLOAT_KEYS = new Set([
  "epoch",
  "eval_loss",
  "eval_runtime",
  "eval_samples_per_second",
  "eval_steps_per_second",
  "grad_norm",
  "learning_rate",
  "loss",
  "total_flos",
  "train_loss",
  "train_runtime",
  "train_samples_per_second",
  "train_steps_per_second",
]);

/** Python's float repr: integral values keep ".0", small ones use a two-digit exponent (1e-05), NaN stays NaN. */
function pyFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const s = String(v);
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/** json.dumps(obj, indent=2, sort_keys=True) for the shapes a trainer_state.json holds. */
function pythonJson(value: unknown, indent = 2, key = "", depth = 0): string {
  const pad = " ".repeat(indent * (depth + 1));
  const end = " ".repeat(indent * depth);
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return FLOAT_KEYS.has(key) ? pyFloat(value) : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => pad + pythonJson(v, indent, key, depth + 1)).join(",\n")}\n${end}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${pythonJson(v, indent, k, depth + 1)}`).join(",\n")}\n${end}}`;
}

const DEMO_CONFIG = {
  architectures: ["Qwen2ForCausalLM"],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: "silu",
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 5632,
  max_position_embeddings: 4096,
  max_window_layers: 18,
  model_type: "qwen2",
  num_attention_heads: 16,
  num_hidden_layers: 18,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: null,
  tie_word_embeddings: true,
  torch_dtype: "bfloat16",
  transformers_version: "4.46.2",
  use_cache: true,
  use_sliding_window: false,
  vocab_size: QWEN_VOCAB,
};

export function writeDemoRunLog(dir: string, opts: { seed?: number; steps?: number } = {}): DemoRunLog {
  const seed = opts.seed ?? 0;
  const T = opts.steps ?? 20_000;
  const ga = 8;
  const perDevice = 4;
  const gpus = 8;
  const block = 1024;
  const tokensPerStep = ga * perDevice * gpus * block; // 262,144
  const logEvery = 10;
  const evalEvery = Math.max(logEvery, Math.round(T / 40 / logEvery) * logEvery);
  const warmup = Math.max(1, Math.round(T / 40));
  const rng = new Rng(`demo-run/${seed}`);
  const peak = 2e-4;
  const { loss, lr } = simulateLoss({
    shape: "constant",
    peak,
    E: 2.74,
    alpha: 1.5,
    u0: 0.004,
    C: 0,
    steps: T,
    warmup,
  });
  const stepsPerEpoch = Math.round(T * 1.15);
  const history: Record<string, unknown>[] = [];
  const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
  let ar = 0;
  for (let s = logEvery; s <= T; s += logEvery) {
    let mean = 0;
    for (let k = s - logEvery + 1; k <= s; k++) mean += loss[k];
    mean /= logEvery;
    ar = 0.9 * ar + Math.sqrt(0.19) * rng.normal();
    const real = mean + (0.08 / Math.sqrt(logEvery)) * (rng.normal() + 0.5 * ar);
    history.push({
      epoch: s / stepsPerEpoch,
      grad_norm: (0.25 + 1.5 * Math.exp(-s / (0.04 * T))) * Math.exp(0.1 * rng.normal()),
      learning_rate: lr[s],
      // transformers 4.46: summed over the 8 accumulated micro-batches instead of averaged
      loss: round4(ga * real),
      num_input_tokens_seen: s * tokensPerStep,
      step: s,
    });
    if (s % evalEvery === 0) {
      history.push({
        epoch: s / stepsPerEpoch,
        eval_loss: loss[s] + 0.004 + 0.002 * rng.normal(),
        eval_runtime: 41.7 + rng.normal(),
        eval_samples_per_second: 24.5,
        eval_steps_per_second: 0.766,
        step: s,
      });
    }
  }
  const logged = history.filter((h) => "loss" in h);
  const trainLoss = logged.reduce((a, h) => a + (h.loss as number), 0) / logged.length;
  history.push({
    epoch: T / stepsPerEpoch,
    step: T,
    total_flos: 6 * 1.104e9 * T * tokensPerStep,
    train_loss: trainLoss,
    train_runtime: 864000.3,
    train_samples_per_second: 7.585,
    train_steps_per_second: 0.023,
  });
  const state = {
    best_metric: null,
    best_model_checkpoint: null,
    epoch: T / stepsPerEpoch,
    eval_steps: evalEvery,
    global_step: T,
    is_hyper_param_search: false,
    is_local_process_zero: true,
    is_world_process_zero: true,
    log_history: history,
    logging_steps: logEvery,
    max_steps: T,
    num_input_tokens_seen: T * tokensPerStep,
    num_train_epochs: 1,
    save_steps: T / 4,
    stateful_callbacks: {
      TrainerControl: {
        args: {
          should_epoch_stop: false,
          should_evaluate: false,
          should_log: false,
          should_save: true,
          should_training_stop: true,
        },
        attributes: {},
      },
    },
    total_flos: 6 * 1.104e9 * T * tokensPerStep,
    train_batch_size: perDevice,
    trial_name: null,
    trial_params: null,
  };
  const args = {
    adam_beta1: 0.9,
    adam_beta2: 0.95,
    adam_epsilon: 1e-8,
    bf16: true,
    eval_steps: evalEvery,
    eval_strategy: "steps",
    fp16: false,
    gradient_accumulation_steps: ga,
    learning_rate: peak,
    logging_steps: logEvery,
    lr_scheduler_type: "constant_with_warmup",
    max_grad_norm: 1.0,
    max_steps: T,
    num_train_epochs: 1.0,
    optim: "adamw_torch",
    output_dir: "outputs-pt-qwen2-1.1b",
    per_device_train_batch_size: perDevice,
    save_steps: T / 4,
    seed: 42,
    warmup_steps: warmup,
    weight_decay: 0.01,
  };
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (name: string, text: string) => {
    const p = join(dir, name);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, text);
    files.push(p);
  };
  put("config.json", `${JSON.stringify(DEMO_CONFIG, null, 2)}\n`);
  put("training_args.json", `${JSON.stringify(args, null, 2)}\n`);
  put("trainer_state.json", `${pythonJson(state)}\n`);
  for (const ck of [T / 2, T])
    put(join(`checkpoint-${ck}`, "config.json"), `${JSON.stringify(DEMO_CONFIG, null, 2)}\n`);
  return { dir, files, steps: T, gradAccum: ga };
}
