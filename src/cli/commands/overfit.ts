import { type Command, Option } from "commander";
import { PRESETS } from "../../engine/config.js";
import { runExternalOverfit } from "../../protocols/external.js";
import { FAULTS, type Fault } from "../../protocols/faults.js";
import {
  DEFAULT_OVERFIT,
  EXTERNAL_DEFAULTS,
  type OverfitResult,
  type OverfitSettings,
  resumeOverfit,
  runOverfit,
} from "../../protocols/overfit.js";
import { interactiveSession } from "../../protocols/session.js";
import { DEFAULT_CRITERIA } from "../../protocols/verdict.js";
import { findRun } from "../../runs/root.js";
import { OPTIMIZER_NAMES } from "../../train/optim/index.js";
import { UserError } from "../../util/errors.js";
import { paint, say, table } from "../../util/term.js";
import { action, type Ctx, examples } from "../context.js";
import {
  addEngineOptions,
  type EngineCliOpts,
  finiteNumber,
  modelConfigFrom,
  modelTargetFrom,
  positiveInt,
} from "./model.js";

interface OverfitOpts extends EngineCliOpts {
  data?: string[];
  field: string;
  config?: string;
  preset?: string;
  samples?: number;
  epochs?: number;
  proxy: "auto" | "on" | "off";
  budget: string;
  tokenizer?: string;
  subvocab?: number;
  seq: number;
  batch: number;
  lr?: number;
  optimizer: "adamw" | "sgd" | "lion";
  warmup: number;
  seed: number;
  maxLoss: number;
  maxLossRatio: number;
  minMemorization: number;
  evalBlocks: number;
  probes: number;
  lrProbe: boolean;
  out?: string;
  resume?: string;
  injectFault?: Fault;
  engine: "embedded" | "external";
  cmd?: string;
  format: "jsonl" | "txt";
}

/** "5m", "90s", "1h", or seconds. */
export function parseDuration(v: string, field: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|min|h)?$/.exec(v.trim());
  if (!m)
    throw new UserError(`expected a duration like 300, 90s, 5m or 1h, got ${JSON.stringify(v)}`, { field });
  const x = Number(m[1]);
  return m[2] === "h" ? x * 3600 : m[2] === "m" || m[2] === "min" ? x * 60 : x;
}

export function register(program: Command): void {
  const d = DEFAULT_OVERFIT;
  const cmd = program
    .command("overfit")
    .description(
      "the sanity test (MedicalGPT#426): train the N best samples for E epochs and check the loss falls far and the model reproduces them; on failure, run the pipeline checks and name the likely cause. Exit 0 pass, 1 fail",
    )
    .option(
      "--data <paths...>",
      "corpus files or folders (.txt lines, .jsonl/.json text field, .parquet, .gz)",
    )
    .option("--field <name>", "text field of .jsonl/.json/.parquet records", "text")
    .option("--config <file>", "the model: a HF config.json (Qwen2); a proxy is trained when it is too large")
    .addOption(
      new Option("--preset <name>", "the model: a named configuration").choices(Object.keys(PRESETS)),
    )
    .addOption(
      new Option("-n, --samples <n>", "samples (documents) to select").argParser(positiveInt).default(d.n),
    )
    .addOption(new Option("--epochs <n>", "passes over the samples").argParser(positiveInt).default(d.epochs))
    .addOption(
      new Option("--proxy <mode>", "auto: a proxy when the model exceeds --budget; on; off")
        .choices(["auto", "on", "off"])
        .default(d.proxy),
    )
    .option("--budget <time>", "time budget that decides whether a proxy is needed (300, 90s, 5m, 1h)", "5m")
    .option("--tokenizer <path>", "tokenizer.json (or its folder); default: Qwen2's")
    .addOption(
      new Option(
        "--subvocab <k>",
        "a proxy's sub-vocabulary: the first K tokens of the tokenizer (default 8192)",
      ).argParser(positiveInt),
    )
    .addOption(
      new Option("--seq <n>", "block size in tokens (MedicalGPT --block_size)")
        .argParser(positiveInt)
        .default(d.seqLen),
    )
    .addOption(new Option("--batch <n>", "sequences per step").argParser(positiveInt).default(d.batch))
    .addOption(
      new Option(
        "--lr <x>",
        `learning rate, constant after warmup (default ${d.lr} on the embedded engine; ${EXTERNAL_DEFAULTS.lr}, MedicalGPT's run_pt.sh, with --engine external)`,
      ).argParser(finiteNumber),
    )
    .addOption(new Option("--optimizer <name>", "optimizer").choices(OPTIMIZER_NAMES).default(d.optimizer))
    .addOption(new Option("--warmup <n>", "warmup steps").argParser(positiveInt).default(d.warmup))
    .addOption(
      new Option("--seed <n>", "seed for init and data order").argParser(finiteNumber).default(d.seed),
    )
    .addOption(
      new Option("--max-loss <nats>", "criterion: final loss at most this… (or see --max-loss-ratio)")
        .argParser(finiteNumber)
        .default(DEFAULT_CRITERIA.max_loss),
    )
    .addOption(
      new Option("--max-loss-ratio <x>", "…or at most this fraction of the initial loss")
        .argParser(finiteNumber)
        .default(DEFAULT_CRITERIA.max_loss_ratio),
    )
    .addOption(
      new Option(
        "--min-memorization <x>",
        "criterion: share of reference tokens greedy generation reproduces",
      )
        .argParser(finiteNumber)
        .default(DEFAULT_CRITERIA.min_memorization),
    )
    .addOption(
      new Option("--eval-blocks <n>", "blocks evaluated after each epoch")
        .argParser(positiveInt)
        .default(d.evalBlocks),
    )
    .addOption(
      new Option("--probes <n>", "memorisation prompts per epoch").argParser(positiveInt).default(d.probes),
    )
    .option("--no-lr-probe", "on failure, skip the ×10 / ÷10 learning-rate probe")
    .option("--out <dir>", "run directory (default: a new one in the runs root)")
    .option("--resume <run>", "continue an interrupted overfit test (id, name or directory)")
    .addOption(
      new Option("--inject-fault <name>", "test only: a deliberate pipeline bug")
        .choices([...FAULTS])
        .hideHelp(),
    )
    .addOption(
      new Option("--engine <name>", "embedded: plateau's engine; external: your trainer (--cmd)")
        .choices(["embedded", "external"])
        .default("embedded"),
    )
    .option(
      "--cmd <template>",
      "external trainer command; placeholders {data} {eval_data} {epochs} {lr} {out} {n} {seed} are filled in",
    )
    .addOption(
      new Option("--format <fmt>", "external: how the samples are written for the trainer")
        .choices(["jsonl", "txt"])
        .default("jsonl"),
    );
  examples(addEngineOptions(cmd), [
    "plateau overfit --data data/pretrain",
    "plateau overfit --data corpus.jsonl --preset case-1.1b -n 1000 --epochs 10 --json",
    "plateau overfit --data data/pretrain --engine external --cmd 'torchrun --nproc_per_node 8 training/pretraining.py --model_name_or_path ./init --train_file_dir {data} --validation_file_dir {eval_data} --num_train_epochs {epochs} --learning_rate {lr} --output_dir {out} --block_size 512 --logging_steps 1 --eval_strategy epoch'",
    "plateau overfit --resume 20261129-101500-overfit-corpus-3fa2",
  ]).action(action((ctx, opts: OverfitOpts) => overfitCommand(ctx, opts)));
}

async function overfitCommand(ctx: Ctx, opts: OverfitOpts): Promise<number> {
  const session = interactiveSession(ctx.json);
  let result: OverfitResult;
  try {
    if (opts.engine === "external") {
      if (!opts.data?.length) throw new UserError("give the corpus with --data PATH", { field: "--data" });
      if (!opts.cmd)
        throw new UserError("--engine external needs the trainer command in --cmd", { field: "--cmd" });
      result = await runExternalOverfit(
        {
          cmd: opts.cmd,
          data: opts.data,
          field: opts.field,
          n: opts.samples ?? EXTERNAL_DEFAULTS.n,
          epochs: opts.epochs ?? EXTERNAL_DEFAULTS.epochs,
          lr: opts.lr ?? EXTERNAL_DEFAULTS.lr,
          seed: opts.seed,
          criteria: {
            max_loss: opts.maxLoss,
            max_loss_ratio: opts.maxLossRatio,
            min_memorization: opts.minMemorization,
          },
          format: opts.format,
          ...(opts.config || opts.preset ? { vocabSize: modelConfigFrom(opts).vocab_size } : {}),
        },
        { runsDir: ctx.runsDir, out: opts.out },
        session,
      );
    } else if (opts.resume) result = await resumeOverfit(findRun(ctx.runsDir, opts.resume), session);
    else {
      if (!opts.data?.length) throw new UserError("give the corpus with --data PATH", { field: "--data" });
      const settings: OverfitSettings = {
        ...DEFAULT_OVERFIT,
        data: opts.data,
        field: opts.field,
        n: opts.samples ?? DEFAULT_OVERFIT.n,
        epochs: opts.epochs ?? DEFAULT_OVERFIT.epochs,
        model: modelTargetFrom(opts),
        proxy: opts.proxy,
        budgetSeconds: parseDuration(opts.budget, "--budget"),
        tokenizer: opts.tokenizer,
        ...(opts.subvocab ? { subVocab: opts.subvocab } : {}),
        seqLen: opts.seq,
        batch: opts.batch,
        lr: opts.lr ?? DEFAULT_OVERFIT.lr,
        optimizer: opts.optimizer,
        warmup: opts.warmup,
        seed: opts.seed,
        criteria: {
          max_loss: opts.maxLoss,
          max_loss_ratio: opts.maxLossRatio,
          min_memorization: opts.minMemorization,
        },
        evalBlocks: opts.evalBlocks,
        probes: opts.probes,
        lrProbe: opts.lrProbe,
        threads: opts.threads,
        backend: opts.backend === ("auto" as string) ? undefined : opts.backend,
        ...(opts.injectFault ? { fault: opts.injectFault } : {}),
      };
      result = await runOverfit(settings, { runsDir: ctx.runsDir, out: opts.out }, session);
    }
  } finally {
    session.dispose();
  }
  if (ctx.json) ctx.emit(result);
  else printOverfit(ctx, result);
  return result.verdict === "pass" ? 0 : result.verdict === "fail" ? 1 : 130;
}

export function printOverfit(ctx: Ctx, r: OverfitResult): void {
  if (r.verdict === "interrupted") {
    say(
      `interrupted after ${r.epochs.length ? r.epochs[r.epochs.length - 1].epoch : 0} epochs; continue with: plateau overfit --resume ${r.run_dir}`,
    );
    return;
  }
  const color = ctx.color;
  const head = r.verdict === "pass" ? paint("green", "PASS", color) : paint("red", "FAIL", color);
  say(`\n${paint("bold", "overfit test", color)} ${head}`);
  say(
    table(
      r.criteria.outcomes.map((o) => [
        o.name,
        o.name === "memorization"
          ? Number.isFinite(o.value)
            ? `${(100 * o.value).toFixed(1)}%`
            : "—"
          : `${o.value.toFixed(4)} nats`,
        o.threshold,
        o.passed ? "ok" : paint("red", "failed", color),
      ]),
      { indent: "  " },
    ),
  );
  say(
    `  initial loss ${r.initial_loss.toFixed(4)} → final ${r.final_loss.toFixed(4)} over ${r.training.steps} steps (${Math.round(r.training.seconds)} s of training steps)`,
  );
  if (r.causes.length) {
    say(paint("bold", "likely causes", color));
    for (const c of r.causes.filter((x) => x.status !== "ruled-out")) {
      say(`  ${c.status === "confirmed" ? paint("red", "confirmed", color) : c.status}: ${c.description}`);
      for (const e of c.evidence.slice(0, 2)) say(`      ${e}`);
    }
    const ruled = r.causes.filter((x) => x.status === "ruled-out").map((x) => x.cause);
    if (ruled.length) say(`  ruled out by the checks: ${ruled.join(", ")}`);
  }
  const problems = r.checks.filter((c) => c.status === "problem" || c.status === "warning");
  if (problems.length && !r.causes.length) for (const c of problems) say(`  check ${c.id}: ${c.detail}`);
  say(`  report ${r.run_dir}/report.md`);
}
