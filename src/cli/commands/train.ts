import { join } from "node:path";
import { type Command, Option } from "commander";
import { createOps } from "../../engine/backend.js";
import { hfConfigJson, type Qwen2Config } from "../../engine/config.js";
import { estimateModel } from "../../engine/estimate.js";
import { findRun, newRunId } from "../../runs/root.js";
import { RUN_FILES, RunWriter } from "../../runs/rundir.js";
import { loadTokenizer } from "../../tokenizer/hf-json.js";
import { qwenTokenizer } from "../../tokenizer/qwen.js";
import type { Tokenizer } from "../../tokenizer/tokenizer.js";
import { latestCheckpoint, readTrainerState } from "../../train/checkpoint.js";
import {
  DEFAULT_TRAIN,
  type GenerationConfig,
  stepsForEpochs,
  type TrainConfig,
} from "../../train/config.js";
import { splitBlocks, type TokenBlocks } from "../../train/data/blocks.js";
import { tokenizeCorpus } from "../../train/data/text.js";
import { readTokenFile } from "../../train/data/token-file.js";
import { ByteTokenizer, type TextTokenizer } from "../../train/data/tokenizer.js";
import { OPTIMIZER_NAMES } from "../../train/optim/index.js";
import type { ScheduleKind } from "../../train/schedule.js";
import { type TrainData, Trainer, type TrainResult } from "../../train/trainer.js";
import { UserError } from "../../util/errors.js";
import { Progress } from "../../util/progress.js";
import { fmtCount, fmtDuration, fmtInt, paint, say, warn } from "../../util/term.js";
import { action, type Ctx, examples } from "../context.js";
import {
  addEngineOptions,
  checkBackendMemory,
  type EngineCliOpts,
  finiteNumber,
  modelConfigFrom,
  nonNegativeInt,
  positiveInt,
} from "./model.js";

/** How the CLI found its data: saved in the run so --resume can rebuild exactly the same blocks. */
interface DataSpec {
  tokens?: string;
  corpus?: string[];
  field?: string;
  /** "qwen", "bytes" or a tokenizer.json path (corpus only). */
  tokenizer?: string;
  /** Sub-vocabulary size K of a BPE tokenizer, resolved when the run started. */
  vocab?: number;
  seq?: number;
  eval_tokens?: string;
  eval_fraction: number;
  prompts?: string[];
}

interface TrainOpts extends EngineCliOpts {
  tokens?: string;
  corpus?: string[];
  field?: string;
  config?: string;
  preset?: string;
  tokenizer: string;
  vocab?: number;
  vocabSize?: number;
  seq?: number;
  batch: number;
  accum: number;
  steps?: number;
  epochs?: number;
  lr: number;
  schedule: ScheduleKind;
  warmup: number;
  minLrRatio: number;
  decaySteps?: number;
  optimizer: "adamw" | "sgd" | "lion";
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  eps: number;
  momentum: number;
  clip: number;
  seed: number;
  shuffle: boolean;
  evalTokens?: string;
  evalFraction?: number;
  evalEvery: number;
  prompt?: string[];
  generateEvery?: number;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  checkpointEvery: number;
  keep: number;
  initFrom?: string;
  name?: string;
  resume?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("train")
    .description(
      "train a Qwen2 model on the embedded engine, writing a run directory (metrics every step, evals, generations, checkpoints); Ctrl-C checkpoints, --resume continues exactly",
    )
    .option(
      "--tokens <file.json>",
      "training data: JSON array of equal-length arrays of token ids (the blocks)",
    )
    .option(
      "--corpus <paths...>",
      "training data: text files or folders (.txt lines, .jsonl/.json text field, .parquet, .gz)",
    )
    .option("--field <name>", "text field of .jsonl/.json/.parquet records", "text")
    .option("--config <file>", "model: a HF config.json (Qwen2)")
    .option(
      "--preset <name>",
      "model: a named configuration (default bench-5m; see `plateau model estimate --help`)",
    )
    .option(
      "--tokenizer <name>",
      'corpus tokenizer: "qwen" (the bundled Qwen2 BPE), "bytes", or a tokenizer.json',
      "qwen",
    )
    .addOption(
      new Option(
        "--vocab <k>",
        "use the K-token sub-vocabulary of the BPE tokenizer (default: the model's vocab_size when smaller than the tokenizer's)",
      ).argParser(positiveInt),
    )
    .addOption(
      new Option("--vocab-size <n>", "override the model's vocab_size (token data)").argParser(positiveInt),
    )
    .addOption(
      new Option("--seq <n>", "tokens per sequence (corpus packing; default 256)").argParser(positiveInt),
    )
    .addOption(new Option("--batch <n>", "sequences per micro-batch").argParser(positiveInt).default(8))
    .addOption(
      new Option("--accum <n>", "micro-batches per optimizer step").argParser(positiveInt).default(1),
    )
    .addOption(new Option("--steps <n>", "optimizer steps").argParser(positiveInt))
    .addOption(
      new Option("--epochs <x>", "passes over the training data (instead of --steps)").argParser(
        finiteNumber,
      ),
    )
    .addOption(new Option("--lr <x>", "peak learning rate").argParser(finiteNumber).default(1e-3))
    .addOption(
      new Option("--schedule <kind>", "LR schedule (HF formulas)")
        .choices(["constant", "linear", "cosine", "wsd"])
        .default("cosine"),
    )
    .addOption(new Option("--warmup <n>", "warmup steps").argParser(nonNegativeInt).default(0))
    .addOption(
      new Option("--min-lr-ratio <x>", "cosine/wsd floor as a fraction of the peak")
        .argParser(finiteNumber)
        .default(0.1),
    )
    .addOption(
      new Option("--decay-steps <n>", "wsd: length of the final decay (default 10% of the steps)").argParser(
        positiveInt,
      ),
    )
    .addOption(new Option("--optimizer <name>", "optimizer").choices(OPTIMIZER_NAMES).default("adamw"))
    .addOption(
      new Option("--weight-decay <x>", "decoupled weight decay (≥2-D tensors)")
        .argParser(finiteNumber)
        .default(0.1),
    )
    .addOption(new Option("--beta1 <x>", "β1 (adamw default 0.9, lion 0.9)").argParser(finiteNumber))
    .addOption(new Option("--beta2 <x>", "β2 (adamw default 0.95, lion 0.99)").argParser(finiteNumber))
    .addOption(new Option("--eps <x>", "AdamW ε").argParser(finiteNumber).default(1e-8))
    .addOption(new Option("--momentum <x>", "SGD momentum").argParser(finiteNumber).default(0.9))
    .addOption(
      new Option("--clip <x>", "global gradient-norm clip (0 = off)").argParser(finiteNumber).default(1),
    )
    .addOption(
      new Option("--seed <n>", "seed for init, data order and sampling").argParser(nonNegativeInt).default(0),
    )
    .option("--no-shuffle", "keep the data order (no per-epoch shuffle)")
    .option("--eval-tokens <file.json>", "evaluation set: token blocks")
    .addOption(
      new Option(
        "--eval-fraction <x>",
        "hold out this fraction of the blocks for evaluation (default 0.05 with --eval-every)",
      ).argParser(finiteNumber),
    )
    .addOption(
      new Option("--eval-every <n>", "evaluate every N steps (and at step 0 and the end; 0 = never)")
        .argParser(nonNegativeInt)
        .default(0),
    )
    .option(
      "--prompt <text...>",
      "prompts to generate from (default: the start of the first evaluation block)",
    )
    .addOption(
      new Option("--generate-every <n>", "generate every N steps (default: with each evaluation)").argParser(
        nonNegativeInt,
      ),
    )
    .addOption(new Option("--max-new-tokens <n>", "tokens per generation").argParser(positiveInt).default(32))
    .addOption(
      new Option("--temperature <x>", "sampling temperature (0 = greedy)").argParser(finiteNumber).default(0),
    )
    .addOption(new Option("--top-k <n>", "top-k sampling (0 = off)").argParser(nonNegativeInt).default(0))
    .addOption(new Option("--top-p <x>", "nucleus sampling (1 = off)").argParser(finiteNumber).default(1))
    .addOption(
      new Option("--checkpoint-every <n>", "checkpoint every N steps (always at the end and on Ctrl-C)")
        .argParser(nonNegativeInt)
        .default(0),
    )
    .addOption(
      new Option("--keep <n>", "newest checkpoints kept (0 = all)").argParser(nonNegativeInt).default(2),
    )
    .option("--init-from <dir>", "start from a HF Qwen2 checkpoint instead of random weights")
    .option("--name <name>", "run name (default: derived from the data)")
    .option(
      "--resume <run>",
      "continue a run (id, name or directory) from its newest checkpoint with its saved settings; only --steps, --threads and --backend apply",
    );
  examples(addEngineOptions(cmd), [
    "plateau train --corpus notes.txt --preset bench-5m --seq 128 --steps 500 --eval-every 100",
    "plateau train --tokens blocks.json --epochs 10 --lr 3e-4 --schedule wsd --warmup 20 --checkpoint-every 100",
    "plateau train --resume 20261129-101500-train-3fa2",
  ]).action(action((ctx, opts: TrainOpts) => trainCommand(ctx, opts)));
}

async function trainCommand(ctx: Ctx, opts: TrainOpts): Promise<number> {
  let runDir: string;
  let spec: DataSpec;
  let config: TrainConfig | undefined;
  if (opts.resume) {
    runDir = findRun(ctx.runsDir, opts.resume);
    const ckpt = latestCheckpoint(join(runDir, RUN_FILES.checkpoints));
    if (!ckpt) throw new UserError("this run has no checkpoint to resume from", { file: runDir });
    const st = readTrainerState<TrainConfig>(ckpt);
    spec = st.config.data_spec as DataSpec;
    if (opts.steps !== undefined) st.config.max_steps = opts.steps;
    config = st.config;
  } else {
    if (!opts.tokens === !opts.corpus?.length)
      throw new UserError("give the training data with exactly one of --tokens or --corpus", {
        field: "--tokens",
      });
    let vocab = opts.vocab;
    if (opts.corpus?.length && opts.tokenizer !== "bytes" && vocab === undefined) {
      // a small model gets the sub-vocabulary its embedding was sized for (bench-5m: Qwen's first 8192)
      const base = resolveTokenizer(opts.tokenizer, undefined) as Tokenizer;
      const want = modelConfigFrom(opts, opts.config ? undefined : "bench-5m").vocab_size;
      // (at least the 256 byte tokens every byte-level BPE keeps)
      if (want < base.vocabSize) vocab = Math.max(256, Math.min(want, base.bpeVocabSize));
    }
    if (opts.tokens && (opts.vocab !== undefined || opts.tokenizer !== "qwen"))
      throw new UserError("--tokenizer and --vocab apply to --corpus (token data is already tokenized)", {
        field: "--tokenizer",
      });
    spec = {
      tokens: opts.tokens,
      corpus: opts.corpus,
      field: opts.field,
      ...(opts.corpus?.length ? { tokenizer: opts.tokenizer, vocab } : {}),
      seq: opts.seq,
      eval_tokens: opts.evalTokens,
      eval_fraction: opts.evalFraction ?? (opts.evalEvery > 0 && !opts.evalTokens ? 0.05 : 0),
      prompts: opts.prompt,
    };
    runDir = "";
  }
  const data = await loadData(spec, ctx);
  if (!config) config = newConfig(opts, spec, data);
  const est = estimateModel(config.model, config.micro_batch_size, data.train.seqLen);
  checkBackendMemory(opts.backend, est.memory_bytes.total);
  const ops = await createOps(opts);
  let run: RunWriter;
  let trainer: Trainer;
  try {
    if (opts.resume) {
      trainer = Trainer.resume(
        join(runDir, RUN_FILES.checkpoints),
        { ops, data },
        { max_steps: config.max_steps },
      );
      run = RunWriter.resume(runDir, trainer.step);
    } else {
      const name = opts.name ?? `train-${(opts.tokens ?? opts.corpus?.[0] ?? "data").split(/[\\/]/).pop()}`;
      const id = newRunId(name);
      runDir = join(ctx.runsDir, id);
      trainer = Trainer.create(config, { ops, data });
      run = RunWriter.create(runDir, {
        id,
        name,
        protocol: "train",
        facts: runFacts(config, data, spec, est, ops.threads),
      });
    }
  } catch (err) {
    ops.dispose();
    throw err;
  }
  Object.assign(trainer.opts, { run, checkpointDir: join(runDir, RUN_FILES.checkpoints) });

  const c = trainer.config;
  if (!ctx.json) {
    say(
      `${paint("bold", opts.resume ? "resuming" : "training", ctx.color)} ${runDir}\n` +
        `  model ${fmtCount(est.params.total)} params (${c.model.num_hidden_layers}×${c.model.hidden_size}, vocab ${fmtInt(c.model.vocab_size)}) · ${ops.name}\n` +
        `  data ${fmtInt(data.train.count)} blocks × ${data.train.seqLen} tokens${data.tokenizer ? ` (tokenizer ${data.tokenizer.name})` : ""} · ${fmtInt(trainer.tokensPerStep)} tokens/step · steps ${trainer.step}→${c.max_steps}`,
    );
  }
  const progress = new Progress({
    label: "train",
    total: c.max_steps * trainer.tokensPerStep,
    unit: "tokens",
  });
  progress.update(trainer.step * trainer.tokensPerStep);
  const every = Math.max(1, Math.round(c.max_steps / 20));
  const tty = Boolean(process.stderr.isTTY); // the progress bar's own test: without it, print a line now and then
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      progress.finish();
      say("second Ctrl-C: exiting without a new checkpoint (the last one is intact)");
      process.exit(130);
    }
    progress.finish();
    say("Ctrl-C: finishing this step and writing a checkpoint (Ctrl-C again to exit at once)");
  };
  process.on("SIGINT", onSigint);
  trainer.opts.hooks = {
    shouldStop: () => interrupts > 0,
    onStep: (r) => {
      progress.update(r.tokensSeen, `step ${r.step} loss ${r.loss.toFixed(4)}`);
      if (!tty && !ctx.json && (r.step % every === 0 || r.step === c.max_steps))
        say(
          `step ${r.step}/${c.max_steps} loss ${r.loss.toFixed(4)} lr ${r.lr.toExponential(2)} grad_norm ${r.gradNorm.toFixed(3)} ${Math.round(r.tokensPerSecond)} tok/s`,
        );
    },
    onEval: (r) => {
      if (ctx.json) return;
      progress.finish();
      say(`step ${r.step} eval ${r.set} loss ${r.loss.toFixed(4)} (${fmtInt(r.targets)} tokens)`);
    },
    onSample: (s) => {
      if (ctx.json) return;
      progress.finish();
      say(`step ${s.step} sample ${JSON.stringify(s.promptText)} → ${JSON.stringify(s.completionText)}`);
    },
  };
  let result: TrainResult;
  try {
    result = await trainer.run();
  } catch (err) {
    run.event({ kind: "error", step: trainer.step, message: (err as Error).message });
    run.finish("failed");
    throw err;
  } finally {
    process.off("SIGINT", onSigint);
    progress.finish();
    ops.dispose();
  }
  const lastEval = result.evals.at(-1);
  const summary = {
    steps: result.step,
    final_loss: result.lastLoss,
    ...(lastEval ? { final_eval_loss: lastEval.loss } : {}),
    tokens: trainer.tokensSeen,
    train_seconds: trainer.trainSeconds,
    tokens_per_s: trainer.tokensSeen / Math.max(1e-9, trainer.trainSeconds),
  };
  run.setSummary(summary);
  run.finish(result.status);
  if (ctx.json) {
    ctx.emit({
      run: runDir,
      status: result.status,
      ...summary,
      checkpoint: result.checkpoint,
      reason: result.reason,
    });
  } else {
    say(
      `${result.status} at step ${result.step}: loss ${result.lastLoss.toFixed(4)}${lastEval ? `, eval ${lastEval.loss.toFixed(4)}` : ""} · ${fmtInt(summary.tokens_per_s)} tok/s over ${fmtDuration(trainer.trainSeconds)}`,
    );
    if (result.checkpoint) say(`checkpoint ${result.checkpoint}`);
    if (result.status === "interrupted") say(`continue with: plateau train --resume ${runDir}`);
    if (result.reason && result.status === "failed") warn(result.reason);
  }
  return result.status === "failed" ? 1 : 0;
}

async function loadData(
  spec: DataSpec,
  ctx: Ctx,
): Promise<TrainData & { description: string; documents?: number }> {
  let train: TokenBlocks;
  let tokenizer: TextTokenizer | undefined;
  let documents: number | undefined;
  let description: string;
  if (spec.tokens) {
    train = readTokenFile(spec.tokens);
    if (spec.seq !== undefined && spec.seq !== train.seqLen)
      throw new UserError(
        `--seq ${spec.seq} differs from the sequence length in the file (${train.seqLen})`,
        {
          file: spec.tokens,
        },
      );
    description = spec.tokens;
  } else {
    tokenizer = resolveTokenizer(spec.tokenizer ?? "qwen", spec.vocab);
    const progress = new Progress({
      label: "tokenize",
      unit: "bytes",
      enabled: ctx.json ? false : undefined,
    });
    const t = await tokenizeCorpus(spec.corpus ?? [], tokenizer, spec.seq ?? 256, {
      field: spec.field,
      onProgress: (done, total) => progress.update(done, `of ${total} bytes`),
    });
    progress.finish();
    if (t.blocks.count === 0)
      throw new UserError(
        `the corpus has ${fmtInt(t.tokens)} tokens, not one block of ${spec.seq ?? 256}: use a smaller --seq`,
        { field: "--corpus" },
      );
    train = t.blocks;
    documents = t.documents;
    description = (spec.corpus ?? []).join(", ");
  }
  const evalSets: TrainData["eval"] = [];
  if (spec.eval_tokens) {
    const e = readTokenFile(spec.eval_tokens);
    evalSets.push({ name: "eval", blocks: e });
  } else if (spec.eval_fraction > 0) {
    if (!(spec.eval_fraction < 1)) throw new UserError("must be in (0, 1)", { field: "--eval-fraction" });
    const n = Math.max(1, Math.round(train.count * spec.eval_fraction));
    if (n >= train.count)
      throw new UserError("too few blocks to hold out an evaluation set", { field: "--eval-fraction" });
    const s = splitBlocks(train, n);
    train = s.train;
    evalSets.push({ name: "heldout", blocks: s.held });
  }
  return { train, eval: evalSets, tokenizer, description, documents };
}

/** "bytes", "qwen" (the bundled Qwen2 BPE) or a tokenizer.json; k = sub-vocabulary size of a BPE tokenizer. */
function resolveTokenizer(name: string, k: number | undefined): TextTokenizer {
  if (name === "bytes") {
    if (k !== undefined)
      throw new UserError("--vocab selects a sub-vocabulary of a BPE tokenizer, not of bytes", {
        field: "--vocab",
      });
    return new ByteTokenizer();
  }
  const base = name === "qwen" ? qwenTokenizer() : loadTokenizer(name);
  if (k === undefined) return base;
  if (k < 256 || k > base.bpeVocabSize)
    throw new UserError(`must be between 256 and the tokenizer's ${base.bpeVocabSize} BPE tokens`, {
      field: "--vocab",
    });
  return base.subVocab(k);
}

function newConfig(opts: TrainOpts, spec: DataSpec, data: TrainData & { description: string }): TrainConfig {
  let model: Qwen2Config = modelConfigFrom(opts, opts.config ? undefined : "bench-5m");
  const tok = data.tokenizer;
  // a text model's embedding fits its tokenizer: exactly, for a sub-vocabulary or bytes; a full BPE keeps a
  // config's padded vocab_size (Qwen2's 151,936 for 151,669 tokens) when it is large enough
  if (tok && (spec.vocab !== undefined || spec.tokenizer === "bytes" || tok.vocabSize > model.vocab_size))
    model = { ...model, vocab_size: tok.vocabSize };
  if (opts.vocabSize !== undefined) model = { ...model, vocab_size: opts.vocabSize };
  if (data.tokenizer?.eosId != null) model = { ...model, eos_token_id: data.tokenizer.eosId };
  if (data.train.seqLen > model.max_position_embeddings)
    model = { ...model, max_position_embeddings: data.train.seqLen };
  if (opts.steps !== undefined && opts.epochs !== undefined)
    throw new UserError("give either --steps or --epochs, not both", { field: "--steps" });
  const max_steps = opts.steps ?? stepsForEpochs(opts.epochs ?? 1, data.train.count, opts.batch, opts.accum);
  const adam = opts.optimizer === "adamw";
  const betas: [number, number] = [opts.beta1 ?? 0.9, opts.beta2 ?? (adam ? 0.95 : 0.99)];
  const evalSet = data.eval?.[0]?.blocks ?? data.train;
  const wantSamples = opts.prompt !== undefined || opts.generateEvery !== undefined || opts.evalEvery > 0;
  let generation: GenerationConfig | undefined;
  if (wantSamples) {
    if (opts.prompt?.length) {
      if (!data.tokenizer)
        throw new UserError("--prompt needs a text corpus (token data has no tokenizer)", {
          field: "--prompt",
        });
      generation = {
        prompts: opts.prompt.map((p) => Array.from(data.tokenizer!.encode(p))),
        max_new_tokens: opts.maxNewTokens,
        temperature: opts.temperature,
        top_k: opts.topK,
        top_p: opts.topP,
      };
    } else {
      // memorisation probe: the start of the first evaluation block, and what follows it there
      const T = evalSet.seqLen;
      const plen = Math.max(1, Math.min(16, Math.floor(T / 2)));
      const block = Array.from(evalSet.ids.subarray(0, T));
      generation = {
        prompts: [block.slice(0, plen)],
        references: [block.slice(plen, plen + opts.maxNewTokens)],
        max_new_tokens: opts.maxNewTokens,
        temperature: opts.temperature,
        top_k: opts.topK,
        top_p: opts.topP,
      };
    }
  }
  return {
    ...DEFAULT_TRAIN,
    model,
    seed: opts.seed,
    micro_batch_size: opts.batch,
    grad_accum_steps: opts.accum,
    max_steps,
    optimizer: {
      name: opts.optimizer,
      lr: opts.lr,
      weight_decay: opts.weightDecay,
      betas,
      eps: opts.eps,
      momentum: opts.momentum,
    },
    schedule: {
      kind: opts.schedule,
      warmup_steps: opts.warmup,
      min_lr_ratio: opts.minLrRatio,
      ...(opts.decaySteps !== undefined ? { decay_steps: opts.decaySteps } : {}),
    },
    grad_clip: opts.clip,
    shuffle: opts.shuffle,
    eval_every: data.eval?.length ? opts.evalEvery : 0,
    generate_every: generation ? (opts.generateEvery ?? (opts.evalEvery || max_steps)) : 0,
    generation,
    checkpoint_every: opts.checkpointEvery,
    keep_checkpoints: opts.keep,
    ...(opts.initFrom ? { init_from: opts.initFrom } : {}),
    data_spec: spec,
  };
}

function runFacts(
  c: TrainConfig,
  data: TrainData & { description: string; documents?: number },
  spec: DataSpec,
  est: ReturnType<typeof estimateModel>,
  threads: number,
) {
  const tokens = data.train.count * data.train.seqLen;
  return {
    model: {
      architecture: "qwen2",
      config: hfConfigJson(c.model),
      params: est.params.total,
      non_embedding_params: est.params.non_embedding,
    },
    vocab_size: c.model.vocab_size,
    ...(data.tokenizer
      ? {
          tokenizer: {
            name: data.tokenizer.name,
            vocab_size: data.tokenizer.vocabSize,
            eos_id: data.tokenizer.eosId ?? undefined,
          },
        }
      : {}),
    tokens_per_step: c.micro_batch_size * c.grad_accum_steps * data.train.seqLen,
    seq_len: data.train.seqLen,
    micro_batch_size: c.micro_batch_size,
    grad_accum_steps: c.grad_accum_steps,
    world_size: 1,
    max_steps: c.max_steps,
    epochs: (c.max_steps * c.micro_batch_size * c.grad_accum_steps) / data.train.count,
    lr: {
      peak: c.optimizer.lr,
      schedule: c.schedule.kind,
      warmup_steps: c.schedule.warmup_steps,
      decay_steps: c.schedule.decay_steps,
      min_lr: c.optimizer.lr * (c.schedule.min_lr_ratio ?? 0),
      total_steps: c.max_steps,
    },
    optimizer: {
      name: c.optimizer.name,
      betas: c.optimizer.betas,
      eps: c.optimizer.eps,
      weight_decay: c.optimizer.weight_decay,
      grad_clip: c.grad_clip,
    },
    precision: "fp32",
    seed: c.seed,
    threads,
    data: {
      description: data.description,
      path: spec.tokens ?? spec.corpus?.join(","),
      documents: data.documents,
      tokens,
      eval_path: spec.eval_tokens,
      eval_is_train: false,
    },
    framework: "plateau",
  };
}
