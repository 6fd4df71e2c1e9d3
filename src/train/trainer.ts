import { generate } from "../engine/generate.js";
import { loadHfCheckpoint } from "../engine/hf-checkpoint.js";
import { Qwen2Model } from "../engine/model.js";
import type { Ops } from "../engine/ops.js";
import type { RunWriter } from "../runs/rundir.js";
import { UserError } from "../util/errors.js";
import { hashString, Rng } from "../util/rng.js";
import {
  latestCheckpoint,
  loadCheckpointInto,
  pruneCheckpoints,
  readTrainerState,
  saveCheckpoint,
  type TrainerState,
} from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import type { TokenBlocks } from "./data/blocks.js";
import { BatchLoader, evalBatches } from "./data/loader.js";
import type { TextTokenizer } from "./data/tokenizer.js";
import { createOptimizer, type Optimizer } from "./optim/index.js";
import { lrMultiplier } from "./schedule.js";
import { type StepStats, trainStep } from "./step.js";
import { attachTensorBoard } from "./tensorboard.js";

export interface TrainData {
  train: TokenBlocks;
  /** Named evaluation sets (loss reported as eval/loss for the first, eval/<name>/loss for all). */
  eval?: { name: string; blocks: TokenBlocks }[];
  /** For decoding generations into text; without it samples show token ids. */
  tokenizer?: TextTokenizer;
}

export interface StepReport extends StepStats {
  step: number;
  lr: number;
  /** Tokens processed in this step (B·T·accum) and in the run so far. */
  tokens: number;
  tokensSeen: number;
  epoch: number;
  seconds: number;
  tokensPerSecond: number;
}

export interface EvalReport {
  step: number;
  set: string;
  loss: number;
  targets: number;
}

export interface SampleReport {
  step: number;
  prompt: number[];
  completion: number[];
  promptText: string;
  completionText: string;
  reference?: string;
  /** Fraction of the reference tokens reproduced in place (greedy memorisation), when a reference is given. */
  score?: number;
}

/** Callbacks the protocols use to watch and steer a run; returning "stop" ends it after a checkpoint. */
export interface TrainHooks {
  // biome-ignore lint/suspicious/noConfusingVoidType: hooks that never stop the run simply return nothing
  onStep?(r: StepReport, t: Trainer): void | "stop";
  // biome-ignore lint/suspicious/noConfusingVoidType: as above
  onEpoch?(epoch: number, t: Trainer): void | "stop";
  onEval?(r: EvalReport, t: Trainer): void;
  onSample?(r: SampleReport, t: Trainer): void;
  onCheckpoint?(dir: string, t: Trainer): void;
  /** Polled after every step (e.g. set by a SIGINT handler): true ends the run with a checkpoint. */
  shouldStop?(): boolean;
}

export interface TrainerOptions {
  ops: Ops;
  data: TrainData;
  /** Where checkpoints go (usually the run directory's checkpoints/); none = no checkpoints. */
  checkpointDir?: string;
  /** Log metrics, evals, samples and checkpoints to this run directory. */
  run?: RunWriter;
  hooks?: TrainHooks;
}

export interface TrainResult {
  status: "completed" | "interrupted" | "failed";
  step: number;
  lastLoss: number;
  evals: EvalReport[];
  checkpoint?: string;
  reason?: string;
}

/**
 * A training run on the embedded engine: model, optimizer, data stream and RNG, with step(), evaluate(),
 * sample(), checkpoint() and run(). Same seed, data, config and thread count give bitwise-identical losses,
 * and a run resumed from a checkpoint continues exactly as if it had never stopped.
 */
export class Trainer {
  step = 0;
  tokensSeen = 0;
  trainSeconds = 0;
  readonly loader: BatchLoader;
  /** Draws for generation sampling (checkpointed). */
  readonly rng: Rng;
  private readonly fingerprint: string;

  private constructor(
    readonly config: TrainConfig,
    readonly model: Qwen2Model,
    readonly optimizer: Optimizer,
    readonly opts: TrainerOptions,
  ) {
    const d = opts.data.train;
    checkData(d, config);
    this.loader = new BatchLoader(d, config.micro_batch_size, config.seed, config.shuffle);
    this.rng = new Rng(`${config.seed}/trainer`);
    this.fingerprint = dataFingerprint(d);
  }

  /** A new run: weights from the seed (HF init) or from config.init_from. */
  static create(config: TrainConfig, opts: TrainerOptions): Trainer {
    const model = config.init_from
      ? loadHfCheckpoint(config.init_from, opts.ops)
      : new Qwen2Model(opts.ops, config.model);
    if (!config.init_from) model.initWeights(new Rng(`${config.seed}/init`));
    const optimizer = createOptimizer(
      { ops: opts.ops, layout: model.layout, params: model.params, grads: model.grads },
      config.optimizer,
    );
    return new Trainer(config, model, optimizer, opts);
  }

  /** Continue from a checkpoint directory (a `step-*` directory, or a folder of them: the newest is used). */
  static resume(dir: string, opts: TrainerOptions, override?: Partial<TrainConfig>): Trainer {
    const ckpt = latestCheckpoint(dir) ?? dir;
    const st = readTrainerState<TrainConfig>(ckpt);
    const config = { ...st.config, ...override };
    const model = new Qwen2Model(opts.ops, config.model);
    const optimizer = createOptimizer(
      { ops: opts.ops, layout: model.layout, params: model.params, grads: model.grads },
      config.optimizer,
    );
    loadCheckpointInto(ckpt, model, optimizer);
    const t = new Trainer(config, model, optimizer, opts);
    if (t.fingerprint !== st.data_fingerprint)
      throw new UserError("the training data differs from the data this checkpoint was trained on", {
        file: ckpt,
      });
    optimizer.steps = st.optimizer.steps;
    t.step = st.step;
    t.loader.position = st.data_position;
    t.rng.setState(st.rng);
    t.tokensSeen = st.tokens_seen;
    t.trainSeconds = st.train_seconds;
    return t;
  }

  /** Tokens per optimizer step. */
  get tokensPerStep(): number {
    return this.config.micro_batch_size * this.config.grad_accum_steps * this.opts.data.train.seqLen;
  }

  /** LR of the next update. */
  lrAt(step: number): number {
    const c = this.config;
    return c.optimizer.lr * lrMultiplier({ ...c.schedule, total_steps: c.max_steps }, step);
  }

  /** One optimizer update over grad_accum_steps micro-batches. */
  trainStep(): StepReport {
    const c = this.config;
    const micro = [];
    for (let i = 0; i < c.grad_accum_steps; i++) {
      // copy: the loader reuses its buffers
      const b = this.loader.next();
      micro.push({ ids: b.ids.slice(), targets: b.targets!.slice(), B: b.B, T: b.T });
    }
    const lr = this.lrAt(this.step);
    const t0 = performance.now();
    const s = trainStep(this.model, this.optimizer, micro, lr, c.grad_clip);
    const seconds = (performance.now() - t0) / 1000;
    this.step++;
    const tokens = this.tokensPerStep;
    this.tokensSeen += tokens;
    this.trainSeconds += seconds;
    return {
      ...s,
      step: this.step,
      lr,
      tokens,
      tokensSeen: this.tokensSeen,
      epoch: this.loader.epoch,
      seconds,
      tokensPerSecond: tokens / seconds,
    };
  }

  /** Mean token loss over an evaluation set (every target token counted once). */
  evaluate(blocks: TokenBlocks, name = "eval"): EvalReport {
    const B = Math.min(this.config.micro_batch_size, blocks.count);
    let sum = 0;
    let count = 0;
    for (const batch of evalBatches(blocks, B)) {
      const r = this.model.forward(batch);
      sum += r.lossSum;
      count += r.count;
    }
    return { step: this.step, set: name, loss: count ? sum / count : Number.NaN, targets: count };
  }

  /** Generate from each configured prompt; greedy when temperature is 0. */
  sample(): SampleReport[] {
    const g = this.config.generation;
    if (!g) return [];
    const tok = this.opts.data.tokenizer;
    const text = (ids: number[]) => (tok ? tok.decode(ids) : ids.join(" "));
    return g.prompts.map((prompt, i) => {
      const completion = generate(this.model, prompt, {
        maxNewTokens: g.max_new_tokens,
        temperature: g.temperature,
        topK: g.top_k,
        topP: g.top_p,
        rng: this.rng,
      });
      const ref = g.references?.[i];
      const r: SampleReport = {
        step: this.step,
        prompt,
        completion,
        promptText: text(prompt),
        completionText: text(completion),
      };
      if (ref) {
        r.reference = text(ref);
        let same = 0;
        for (let k = 0; k < ref.length; k++) if (completion[k] === ref[k]) same++;
        r.score = ref.length ? same / ref.length : 0;
      }
      return r;
    });
  }

  state(): TrainerState<TrainConfig> {
    return {
      format: "plateau-trainer-state",
      version: 1,
      step: this.step,
      optimizer: { name: this.optimizer.name, steps: this.optimizer.steps },
      data_position: this.loader.position,
      data_fingerprint: this.fingerprint,
      rng: this.rng.getState(),
      tokens_seen: this.tokensSeen,
      train_seconds: this.trainSeconds,
      config: this.config,
    };
  }

  /** Write a checkpoint now (atomic); returns its directory, or undefined without a checkpointDir. */
  checkpoint(): string | undefined {
    const root = this.opts.checkpointDir;
    if (!root) return undefined;
    const dir = saveCheckpoint(root, this.model, this.optimizer, this.state());
    pruneCheckpoints(root, this.config.keep_checkpoints);
    const run = this.opts.run;
    if (run) {
      run.event({ kind: "checkpoint", step: this.step, path: dir });
      run.sync();
    }
    this.opts.hooks?.onCheckpoint?.(dir, this);
    return dir;
  }

  private runEvals(): EvalReport[] {
    const sets = this.opts.data.eval ?? [];
    const out: EvalReport[] = [];
    for (const [i, s] of sets.entries()) {
      const r = this.evaluate(s.blocks, s.name);
      out.push(r);
      const run = this.opts.run;
      if (run) {
        const values: Record<string, number> = { [`eval/${s.name}/loss`]: r.loss };
        if (i === 0) values["eval/loss"] = r.loss;
        run.log(this.step, values, { tokens: this.tokensSeen, epoch: this.loader.epoch });
        run.event({
          kind: "eval",
          step: this.step,
          set: s.name,
          values: { loss: r.loss, targets: r.targets },
        });
      }
      this.opts.hooks?.onEval?.(r, this);
    }
    return out;
  }

  private runSamples(): void {
    for (const s of this.sample()) {
      this.opts.run?.sample({
        step: s.step,
        prompt: s.promptText,
        completion: s.completionText,
        ...(s.reference !== undefined ? { reference: s.reference, score: s.score } : {}),
      });
      this.opts.hooks?.onSample?.(s, this);
    }
  }

  /**
   * Train until max_steps (or a hook or shouldStop() asks to stop), with evaluation, generations and
   * checkpoints at their cadences. Yields to the event loop after every step so signals are delivered.
   */
  async run(): Promise<TrainResult> {
    const c = this.config;
    const hooks = this.opts.hooks ?? {};
    const run = this.opts.run;
    if (run) attachTensorBoard(run);
    const evals: EvalReport[] = [];
    let lastLoss = Number.NaN;
    if (this.step === 0 && c.eval_every > 0) evals.push(...this.runEvals());
    let epochSeen = Math.floor(this.loader.epoch);
    let status: TrainResult["status"] = "completed";
    let reason: string | undefined;
    while (this.step < c.max_steps) {
      const r = this.trainStep();
      lastLoss = r.loss;
      run?.log(
        r.step,
        {
          "train/loss": r.loss,
          "train/lr": r.lr,
          "train/grad_norm": r.gradNorm,
          "train/tokens_per_s": r.tokensPerSecond,
        },
        { tokens: r.tokensSeen, epoch: r.epoch },
      );
      if (!Number.isFinite(r.loss)) {
        status = "failed";
        reason = `loss became ${r.loss} at step ${r.step}`;
        run?.event({ kind: "error", step: r.step, message: reason });
        break;
      }
      let stop = hooks.onStep?.(r, this) === "stop";
      const epochNow = Math.floor(this.loader.epoch);
      if (epochNow > epochSeen) {
        epochSeen = epochNow;
        if (hooks.onEpoch?.(epochNow, this) === "stop") stop = true;
      }
      const last = this.step === c.max_steps;
      if (c.eval_every > 0 && (this.step % c.eval_every === 0 || last)) evals.push(...this.runEvals());
      if (c.generate_every > 0 && (this.step % c.generate_every === 0 || last)) this.runSamples();
      if (c.checkpoint_every > 0 && this.step % c.checkpoint_every === 0 && !last) this.checkpoint();
      await new Promise((resolve) => setImmediate(resolve));
      if (stop || hooks.shouldStop?.()) {
        if (!last) {
          status = "interrupted";
          reason = stop ? "stopped by a hook" : "interrupted";
        }
        break;
      }
    }
    const checkpoint = status !== "failed" ? this.checkpoint() : undefined;
    return { status, step: this.step, lastLoss, evals, checkpoint, reason };
  }
}

/** Validate that the data fits the model and the config. */
function checkData(d: TokenBlocks, c: TrainConfig): void {
  if (d.count === 0) throw new UserError("the training data has no complete sequence", { field: "data" });
  if (d.seqLen > c.model.max_position_embeddings)
    throw new UserError(
      `sequence length ${d.seqLen} exceeds the model's max_position_embeddings ${c.model.max_position_embeddings}`,
      { field: "seq_len" },
    );
  let max = -1;
  for (let i = 0; i < d.ids.length; i++) if (d.ids[i] > max) max = d.ids[i];
  if (max >= c.model.vocab_size)
    throw new UserError(
      `token id ${max} in the data is outside the model's vocabulary (${c.model.vocab_size})`,
      {
        field: "vocab_size",
      },
    );
}

/** A cheap content hash of the training blocks (FNV-1a over the ids, plus the shape). */
export function dataFingerprint(d: TokenBlocks): string {
  let h = 0x811c9dc5;
  const mix = (x: number) => {
    h ^= x & 0xffff;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= x >>> 16;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (let i = 0; i < d.ids.length; i++) mix(d.ids[i]);
  if (d.labels) for (let i = 0; i < d.labels.length; i++) mix(d.labels[i]);
  return `${d.count}x${d.seqLen}-${h.toString(16)}-${hashString(String(d.labels !== null))}`;
}

/**
 * The programmatic entry point the protocols use: a new run (or a resumed one when `resumeFrom` is given)
 * trained to completion with hooks. Returns the trainer too, for evaluation and generation afterwards.
 */
export async function train(
  config: TrainConfig,
  opts: TrainerOptions & { resumeFrom?: string },
): Promise<{ trainer: Trainer; result: TrainResult }> {
  const trainer = opts.resumeFrom ? Trainer.resume(opts.resumeFrom, opts) : Trainer.create(config, opts);
  const result = await trainer.run();
  return { trainer, result };
}
