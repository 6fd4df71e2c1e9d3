import type { RunFacts } from "../../runs/types.js";
import type { RunBuilder } from "../builder.js";
import { pruneFacts } from "../facts/merge.js";
import { isPointKey, seriesName } from "../names.js";
import type { LogFormat } from "../types.js";
import { parsePythonDict } from "./python-literal.js";
import { NUM, parseNum, snake } from "./text-common.js";

export interface TextState {
  line(s: string, lineNo: number): void;
  end?(): void;
}

export interface TextDialect {
  format: LogFormat;
  /** Does this line look like one of this dialect's metric lines? */
  sniff(line: string): boolean;
  start(b: RunBuilder): TextState;
}

// ---------------------------------------------------------------------------------------------------------
// Megatron-LM (megatron/training/training.py training_log and evaluate_and_print_results):
//   " iteration      100/  500000 | consumed samples: 51200 | elapsed time per iteration (ms): 1234.5 |
//     learning rate: 1.500E-04 | global batch size: 512 | lm loss: 7.123456E+00 | loss scale: 65536.0 |
//     grad norm: 1.234 | number of skipped iterations: 0 | number of nan iterations: 0 |"
//   " validation loss at iteration 1000 | lm loss value: 5.1E+00 | lm loss PPL: 1.6E+02 |"
// A loss whose interval had only skipped iterations averages to 0 and is not printed (`if avg > 0.0`), so such
// lines carry no loss. The arguments dump at the start ("  seq_length ........ 4096") gives the run's facts.

const MEGATRON_ITER = /\biteration\s+(\d+)\s*\/\s*(\d+)\s*\|(.*)$/;
const MEGATRON_VAL =
  /validation loss at (?:iteration (\d+)|the end of training for (\w+) data)(?: on (\w+) set)?\s*\|(.*)$/;
const MEGATRON_ARG = /^\s*([a-z_][a-z0-9_]*)\s+\.{3,}\s+(.*?)\s*$/;

const megatron: TextDialect = {
  format: "megatron",
  sniff: (l) => MEGATRON_ITER.test(l) || MEGATRON_VAL.test(l),
  start(b) {
    const args: Record<string, unknown> = {};
    let lastIter = 0;
    let maxIters: number | undefined;
    return {
      line(s, n) {
        let m = MEGATRON_ITER.exec(s);
        if (m) {
          const step = Number(m[1]);
          lastIter = step;
          maxIters = Number(m[2]);
          const pairs = pipePairs(m[3]);
          const tokens = pairs.get("consumed tokens");
          for (const [key, raw] of pairs) {
            const v = parseNum(raw);
            if (v === undefined) {
              b.problem(`Megatron field \`${key}\` has a non-numeric value \`${raw}\``, { line: n });
              continue;
            }
            const name = MEGATRON_NAMES[key] ?? seriesName(key);
            b.point(name === key ? `train/${snake(key)}` : name, step, v, {
              tokens: tokens ? parseNum(tokens) : undefined,
            });
          }
          const skipped = parseNum(pairs.get("number of skipped iterations") ?? "0") ?? 0;
          const nan = parseNum(pairs.get("number of nan iterations") ?? "0") ?? 0;
          if (skipped > 0 || nan > 0) {
            const noLoss = !pairs.has("lm loss");
            b.event({
              kind: "note",
              step,
              text: `${skipped} skipped and ${nan} NaN iterations in the logging interval ending at iteration ${step}${noLoss ? " (no loss logged: every iteration of the interval was skipped)" : ""}`,
              skipped_iterations: skipped,
              nan_iterations: nan,
            });
          }
          return;
        }
        m = MEGATRON_VAL.exec(s);
        if (m) {
          const step = m[1] !== undefined ? Number(m[1]) : lastIter;
          const set = m[2] ?? (m[3] && m[3] !== "validation" ? m[3] : undefined);
          const values: Record<string, number> = {};
          for (const [key, raw] of pipePairs(m[4])) {
            const v = parseNum(raw);
            if (v === undefined) {
              b.problem(`Megatron field \`${key}\` has a non-numeric value \`${raw}\``, { line: n });
              continue;
            }
            const k = key.replace(/^lm loss value$/, "loss").replace(/^lm loss ppl$/i, "ppl");
            values[snake(k)] = v;
            b.point(set ? `eval/${set}/${snake(k)}` : `eval/${snake(k)}`, step, v);
          }
          b.event({ kind: "eval", step, set: set ?? "validation", values });
          return;
        }
        const a = MEGATRON_ARG.exec(s);
        if (a) args[a[1]] = pyScalar(a[2]);
      },
      end() {
        b.facts(megatronFacts(args, maxIters));
      },
    };
  },
};

/** Megatron's own words for its counters, shortened to series names. */
const MEGATRON_NAMES: Record<string, string> = {
  "number of skipped iterations": "train/skipped_iterations",
  "number of nan iterations": "train/nan_iterations",
  "elapsed time per iteration (ms)": "train/iteration_ms",
};

function pipePairs(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of s.split("|")) {
    const i = part.lastIndexOf(":");
    if (i < 0) continue;
    const key = part.slice(0, i).trim();
    if (key) out.set(key, part.slice(i + 1).trim());
  }
  return out;
}

function pyScalar(s: string): unknown {
  if (s === "True") return true;
  if (s === "False") return false;
  if (s === "None") return null;
  const v = parseNum(s);
  return v !== undefined && !/ms|%/.test(s) ? v : s;
}

function megatronFacts(a: Record<string, unknown>, maxIters: number | undefined): RunFacts {
  const num = (k: string) => (typeof a[k] === "number" ? (a[k] as number) : undefined);
  const str = (k: string) => (typeof a[k] === "string" ? (a[k] as string) : undefined);
  const seq = num("seq_length");
  const gbs = num("global_batch_size");
  const mbs = num("micro_batch_size");
  const dp = num("data_parallel_size");
  const b1 = num("adam_beta1");
  const b2 = num("adam_beta2");
  const config: Record<string, unknown> = {};
  for (const k of [
    "hidden_size",
    "num_layers",
    "num_attention_heads",
    "num_query_groups",
    "ffn_hidden_size",
    "padded_vocab_size",
    "max_position_embeddings",
  ])
    if (a[k] !== undefined) config[k] = a[k];
  return pruneFacts({
    framework: "megatron",
    model: Object.keys(config).length ? { config } : undefined,
    vocab_size: num("padded_vocab_size"),
    seq_len: seq,
    micro_batch_size: mbs,
    world_size: num("world_size"),
    grad_accum_steps: gbs && mbs && dp ? gbs / (mbs * dp) : undefined,
    tokens_per_step: gbs && seq ? gbs * seq : undefined,
    max_steps: num("train_iters") ?? maxIters,
    lr: {
      peak: num("lr"),
      min_lr: num("min_lr"),
      schedule: str("lr_decay_style"),
      warmup_steps: num("lr_warmup_iters"),
      decay_steps: num("lr_decay_iters"),
    },
    optimizer: {
      name: str("optimizer"),
      betas: b1 !== undefined && b2 !== undefined ? [b1, b2] : undefined,
      eps: num("adam_eps"),
      weight_decay: num("weight_decay"),
      grad_clip: num("clip_grad"),
    },
    precision:
      a.bf16 === true ? "bf16" : a.fp16 === true ? "fp16" : Object.keys(a).length ? "fp32" : undefined,
    seed: num("seed"),
  } as RunFacts);
}

// ---------------------------------------------------------------------------------------------------------
// modded-nanogpt: "step:500/1750 val_loss:3.9123 train_time:61234ms step_avg:122.47ms" and
// "step:501/1750 train_loss:3.8811 train_time:…". The log starts with the training script's source, whose
// f-strings ("step:{step}/…") do not match: a step needs digits.

const NANOGPT_STEP = /^step:(\d+)\/(\d+)\s+(.*)$/;

const moddedNanogpt: TextDialect = {
  format: "modded-nanogpt",
  sniff: (l) => NANOGPT_STEP.test(l),
  start(b) {
    let total: number | undefined;
    return {
      line(s, n) {
        const m = NANOGPT_STEP.exec(s);
        if (!m) return;
        const step = Number(m[1]);
        total = Number(m[2]);
        for (const kv of m[3].trim().split(/\s+/)) {
          const i = kv.indexOf(":");
          if (i <= 0) continue;
          const key = kv.slice(0, i);
          const raw = kv.slice(i + 1);
          const v = parseNum(raw);
          if (v === undefined) {
            b.problem(`\`${key}\` has a non-numeric value \`${raw}\``, { line: n });
            continue;
          }
          const name = seriesName(key);
          b.point(name !== key ? name : `train/${key}${/ms$/.test(raw) ? "_ms" : ""}`, step, v);
        }
      },
      end() {
        if (total !== undefined) b.facts({ max_steps: total });
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------------------
// llm.c: its main.log ("s:100 trl:3.2811 lr:0.000600 norm:0.41", "s:250 tel:3.3012", "s:250 eval:0.2950" for
// HellaSwag accuracy; llmc/logger.h) and its stdout ("step  100/18865 | loss 3.281145 (+0.01z)| norm 0.4102
// (-0.21z)| lr 6.00e-04 | 412.51 ms | 48.8% bf16 MFU | 1270947 tok/s", then "val loss 3.301221"). A val
// loss line has no step: llm.c prints it at the top of the step after the last printed one, i.e. at that step.

const LLMC_LOG = /^s:(\d+)\s+(\w+:\S+.*)$/;
const LLMC_OUT = /^step\s+(\d+)\s*\/\s*(\d+)\s*\|(.*)$/;
const LLMC_VAL = /^val loss\s+(\S+)/;
const LLMC_KEYS: Record<string, string> = {
  trl: "train/loss",
  tel: "eval/loss",
  lr: "train/lr",
  norm: "train/grad_norm",
  eval: "eval/hellaswag_acc",
};
const KEY_FIRST = new RegExp(String.raw`^([A-Za-z][\w ]*?)\s+(${NUM})`);
const VALUE_FIRST = new RegExp(String.raw`^(${NUM})\s*(\S.*)$`);
const LLMC_UNITS: Record<string, string> = { ms: "train/step_ms", "tok/s": "train/tokens_per_s" };

const llmc: TextDialect = {
  format: "llmc",
  sniff: (l) => LLMC_LOG.test(l) || LLMC_OUT.test(l) || LLMC_VAL.test(l),
  start(b) {
    let last = 0;
    let total: number | undefined;
    return {
      line(s, n) {
        let m = LLMC_LOG.exec(s);
        if (m) {
          const step = Number(m[1]);
          last = step;
          for (const kv of m[2].trim().split(/\s+/)) {
            const i = kv.indexOf(":");
            if (i <= 0) continue;
            const key = kv.slice(0, i);
            const v = parseNum(kv.slice(i + 1));
            if (v === undefined) b.problem(`\`${key}\` has a non-numeric value`, { line: n });
            else b.point(LLMC_KEYS[key] ?? `train/${key}`, step, v);
          }
          return;
        }
        m = LLMC_OUT.exec(s);
        if (m) {
          const step = Number(m[1]);
          last = step;
          total = Number(m[2]);
          for (const part of m[3].split("|")) {
            const p = part.trim();
            let k = KEY_FIRST.exec(p);
            if (k) {
              const v = parseNum(k[2]);
              const key = k[1].trim();
              if (v !== undefined)
                b.point(key === "loss" ? "train/loss" : (LLMC_KEYS[key] ?? seriesName(key)), step, v);
              continue;
            }
            k = VALUE_FIRST.exec(p);
            if (k) {
              const v = parseNum(k[1]);
              const unit = k[2].trim();
              const name = LLMC_UNITS[unit] ?? (/mfu/i.test(unit) ? "train/mfu" : undefined);
              if (v !== undefined && name) b.point(name, step, v);
            }
          }
          return;
        }
        m = LLMC_VAL.exec(s);
        if (m) {
          const v = parseNum(m[1]);
          if (v === undefined) b.problem("`val loss` has a non-numeric value", { line: n });
          else b.point("eval/loss", last, v);
        }
      },
      end() {
        if (total !== undefined) b.facts({ max_steps: total, framework: "llm.c" });
        else b.facts({ framework: "llm.c" });
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------------------
// HF Trainer stdout: the dicts ProgressCallback prints with tqdm.write(str(logs)):
//   {'loss': 2.8123, 'grad_norm': 1.53, 'learning_rate': 4.9e-05, 'epoch': 0.01}
//   {'eval_loss': 2.91, 'eval_runtime': 12.3, …, 'epoch': 0.5}
//   {'train_runtime': 1234.5, 'train_samples_per_second': 12.3, …, 'train_loss': 2.95, 'epoch': 3.0}
// The dicts carry no step. The step is the training bar's count ("| 50/500 [00:30<…"), read from the bar
// drawn just before the train dict; eval bars (other totals) are told apart by their total. Without any bar,
// train dicts are numbered 1, 2, 3, … (log order) and a problem says so.

const HF_DICT = /\{'(?:loss|eval_[a-z_]+|train_runtime|train_loss|learning_rate|grad_norm|epoch)':[^{}]*\}/;
const TQDM = /(\d+)\/(\d+)\s*\[/g;

const hfStdout: TextDialect = {
  format: "hf-stdout",
  sniff: (l) => HF_DICT.test(l),
  start(b) {
    const lastByTotal = new Map<number, number>();
    let lastBar: [number, number] | undefined;
    let trainTotal: number | undefined;
    let ordinal = 0;
    let lastStep = 0;
    let warnedOrdinal = false;
    return {
      line(s, n) {
        for (const m of s.matchAll(TQDM)) {
          lastBar = [Number(m[1]), Number(m[2])];
          lastByTotal.set(lastBar[1], lastBar[0]);
        }
        const d = HF_DICT.exec(s);
        if (!d) return;
        const dict = parsePythonDict(d[0]);
        if (!dict) {
          b.problem("unreadable Trainer log dict", { line: n });
          return;
        }
        const epoch = dict.epoch;
        if ("train_runtime" in dict || ("train_loss" in dict && !("loss" in dict))) {
          b.run.manifest.summary = { ...(b.run.manifest.summary ?? {}), hf_final: dict };
          return;
        }
        const isTrain = "loss" in dict || "learning_rate" in dict;
        let step: number;
        if (isTrain) {
          if (lastBar) {
            trainTotal ??= lastBar[1];
            step = lastByTotal.get(trainTotal) ?? lastBar[0];
          } else {
            step = ++ordinal;
            if (!warnedOrdinal) {
              warnedOrdinal = true;
              b.problem(
                "no progress bar counts in this log: train steps are numbered by log order (1, 2, 3, …), not by optimizer step",
                { line: n },
              );
            }
          }
          lastStep = step;
        } else {
          step = trainTotal !== undefined ? (lastByTotal.get(trainTotal) ?? lastStep) : lastStep;
        }
        const evalValues: Record<string, number> = {};
        for (const [k, v] of Object.entries(dict)) {
          if (isPointKey(k) || typeof v !== "number") continue;
          b.point(seriesName(k), step, v, { epoch });
          if (k.startsWith("eval_")) evalValues[k.slice(5)] = v;
        }
        if (Object.keys(evalValues).length) b.event({ kind: "eval", step, set: "eval", values: evalValues });
      },
      end() {
        if (trainTotal !== undefined) b.facts({ max_steps: trainTotal, framework: "transformers" });
        else b.facts({ framework: "transformers" });
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------------------
// Generic lines: nanoGPT's "iter 100: loss 2.1234, time 12.34ms, mfu 30.12%" and "step 250: train loss 1.23,
// val loss 1.34", and `key=value` (or `key: value`) lines with a step key: "step=100 loss=2.31 lr=3e-4".

const NANOGPT = /^(?:iter|step)\s+(\d+):\s*(.+)$/;
const KV = new RegExp(String.raw`([A-Za-z_][\w./-]*)\s*(?:=|:\s*)(${NUM}(?:ms|s|%)?)(?![\w.])`, "g");
const BAD_KV = /([A-Za-z_][\w./-]*)=([^\s,;|]+)/g;
const STEP_KEYS = new Set([
  "step",
  "iter",
  "iteration",
  "global_step",
  "it",
  "_step",
  "steps",
  "train/global_step",
]);

function kvPairs(s: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of s.matchAll(KV)) out.push([m[1], m[2]]);
  return out;
}

const keyvalue: TextDialect = {
  format: "keyvalue",
  sniff(l) {
    if (NANOGPT.test(l)) return true;
    const pairs = kvPairs(l);
    return pairs.length >= 2 && pairs.some(([k, v]) => STEP_KEYS.has(k.toLowerCase()) && /^\d+$/.test(v));
  },
  start(b) {
    return {
      line(s, n) {
        const g = NANOGPT.exec(s);
        if (g) {
          const step = Number(g[1]);
          for (const part of g[2].split(",")) {
            const k = KEY_FIRST.exec(part.trim());
            if (!k) continue;
            const v = parseNum(k[2]);
            const key = k[1].trim();
            if (v === undefined) b.problem(`\`${key}\` has a non-numeric value`, { line: n });
            else {
              const name = seriesName(key);
              b.point(name !== key ? name : `train/${snake(key)}${/ms\b/.test(part) ? "_ms" : ""}`, step, v);
            }
          }
          return;
        }
        const pairs = kvPairs(s);
        // A standard metric with a value that is not a number is a bad line, not noise.
        for (const m of s.matchAll(BAD_KV)) {
          if (seriesName(m[1]) !== m[1] && parseNum(m[2]) === undefined)
            b.problem(`\`${m[1]}\` has a non-numeric value \`${m[2]}\``, { line: n });
        }
        const stepPair = pairs.find(([k, v]) => STEP_KEYS.has(k.toLowerCase()) && /^\d+$/.test(v));
        if (!stepPair || pairs.length < 2) return;
        const step = Number(stepPair[1]);
        const epochPair = pairs.find(([k]) => /^(train\/)?epoch$/i.test(k));
        const epoch = epochPair ? parseNum(epochPair[1]) : undefined;
        for (const [k, raw] of pairs) {
          if (isPointKey(k) || STEP_KEYS.has(k.toLowerCase())) continue;
          const v = parseNum(raw);
          if (v === undefined) b.problem(`\`${k}\` has a non-numeric value \`${raw}\``, { line: n });
          else b.point(seriesName(k), step, v, { epoch });
        }
      },
    };
  },
};

/** Most specific first: a line is credited to the first dialect that recognises it. */
export const DIALECTS: TextDialect[] = [megatron, moddedNanogpt, llmc, hfStdout, keyvalue];
