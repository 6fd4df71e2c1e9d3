import { type Command, Option } from "commander";
import { PRESETS } from "../../engine/config.js";
import { isExternalSweep, runExternalLrSweep } from "../../protocols/external-lr-sweep.js";
import { logGrid, runLrSweep, runRangeTest } from "../../protocols/lr-sweep.js";
import { interactiveSession, type Session } from "../../protocols/session.js";
import { type PointResult, SWEEP_DEFAULTS, type SweepCommon } from "../../protocols/sweep.js";
import { findRun } from "../../runs/root.js";
import { UserError } from "../../util/errors.js";
import { paint, say, table } from "../../util/term.js";
import { action, type Ctx, examples } from "../context.js";
import {
  addEngineOptions,
  type EngineCliOpts,
  finiteNumber,
  modelTargetFrom,
  nonNegativeInt,
  positiveInt,
} from "./model.js";

/** The options every comparative protocol shares (data, model, budget, engine, resume). */
export interface SweepCliOpts extends EngineCliOpts {
  data?: string[];
  field: string;
  config?: string;
  preset?: string;
  samples: number;
  heldOut: number;
  tokenizer?: string;
  seq: number;
  batch: number;
  tokens: number;
  seed: number;
  evalEvery: number;
  out?: string;
  resume?: string;
}

export function addSweepOptions(cmd: Command, tokens: number = SWEEP_DEFAULTS.tokens): Command {
  const d = SWEEP_DEFAULTS;
  return addEngineOptions(
    cmd
      .option("--data <paths...>", "corpus files or folders")
      .option("--field <name>", "text field of .jsonl/.json/.parquet records", "text")
      .option("--config <file>", "model: a HF config.json (Qwen2); its proxy is trained")
      .addOption(
        new Option("--preset <name>", "model: a named configuration; its proxy is trained").choices(
          Object.keys(PRESETS),
        ),
      )
      .addOption(
        new Option("-n, --samples <n>", "training documents (the best ones)")
          .argParser(positiveInt)
          .default(d.n),
      )
      .addOption(
        new Option("--held-out <n>", "validation documents (held out from the selection)")
          .argParser(positiveInt)
          .default(d.heldOut),
      )
      .option("--tokenizer <path>", "tokenizer.json (or its folder); default: Qwen2's")
      .addOption(new Option("--seq <n>", "block size in tokens").argParser(positiveInt).default(d.seqLen))
      .addOption(new Option("--batch <n>", "sequences per step").argParser(positiveInt).default(d.batch))
      .addOption(new Option("--tokens <n>", "training tokens per run").argParser(positiveInt).default(tokens))
      .addOption(
        new Option("--seed <n>", "seed (the same for every run)").argParser(nonNegativeInt).default(d.seed),
      )
      .addOption(
        new Option("--eval-every <n>", "validation every N steps")
          .argParser(positiveInt)
          .default(d.evalEvery),
      )
      .option("--out <dir>", "run directory (default: a new one in the runs root)")
      .option("--resume <run>", "continue an interrupted run of this protocol"),
  );
}

export function sweepCommonFrom(o: SweepCliOpts): SweepCommon {
  if (!o.resume && !o.data?.length)
    throw new UserError("give the corpus with --data PATH", { field: "--data" });
  return {
    data: o.data ?? [],
    field: o.field,
    n: o.samples,
    heldOut: o.heldOut,
    model: modelTargetFrom(o),
    tokenizer: o.tokenizer,
    seqLen: o.seq,
    batch: o.batch,
    tokens: o.tokens,
    seed: o.seed,
    evalEvery: o.evalEvery,
    threads: o.threads,
    backend: o.backend === ("auto" as string) ? undefined : o.backend,
  };
}

/** Run a protocol with an interactive session and print / emit its result; exit 130 when interrupted. */
export async function runProtocolCommand<
  R extends { status: string; conclusion: string; run_dir: string; points?: PointResult[] },
>(ctx: Ctx, name: string, run: (session: Session) => Promise<R>): Promise<number> {
  const session = interactiveSession(ctx.json);
  let r: R;
  try {
    r = await run(session);
  } finally {
    session.dispose();
  }
  if (ctx.json) ctx.emit(r);
  else {
    if (r.points?.length) {
      const rows = [
        ["run", "val loss", "best val", "train loss", "steps", ""].map((h) => paint("bold", h, ctx.color)),
      ];
      for (const p of r.points)
        rows.push([
          p.label,
          p.val_loss.toFixed(4),
          p.best_val_loss.toFixed(4),
          p.train_loss.toFixed(4),
          String(p.steps),
          p.status === "failed" ? "failed" : p.diverged ? "diverged" : p.stopped_early ? "stopped early" : "",
        ]);
      say(table(rows, { indent: "  " }));
    }
    say(`${paint("bold", name, ctx.color)}: ${r.conclusion}`);
    if (r.status === "interrupted") say(`interrupted; continue with: plateau ${name} --resume ${r.run_dir}`);
    else say(`  results ${r.run_dir}/result.json`);
  }
  return r.status === "interrupted" ? 130 : 0;
}

export function register(program: Command): void {
  const cmd = program
    .command("lr-sweep")
    .description(
      "is the learning rate the limit? short runs at a fixed token budget across a log-spaced LR grid (same seed and data order), judged on held-out loss; --range runs fastai's LR range test instead",
    )
    .addOption(new Option("--min-lr <x>", "smallest LR of the grid").argParser(finiteNumber).default(1e-4))
    .addOption(new Option("--max-lr <x>", "largest LR of the grid").argParser(finiteNumber).default(1e-2))
    .addOption(new Option("--points <n>", "grid points (log-spaced)").argParser(positiveInt).default(5))
    .addOption(new Option("--lrs <list>", "explicit comma-separated LRs instead of the grid"))
    .addOption(
      new Option("--current-lr <x>", "the LR of the run being diagnosed (compared with the best)").argParser(
        finiteNumber,
      ),
    )
    .option("--range", "fastai-style range test: one run, LR raised exponentially, suggestions")
    .addOption(new Option("--start-lr <x>", "range test: first LR").argParser(finiteNumber).default(1e-7))
    .addOption(new Option("--end-lr <x>", "range test: last LR").argParser(finiteNumber).default(10))
    .addOption(new Option("--iterations <n>", "range test: steps").argParser(positiveInt).default(100))
    .addOption(
      new Option(
        "--engine <name>",
        "embedded: plateau's engine on a proxy; external: your trainer (--cmd), one run per LR",
      )
        .choices(["embedded", "external"])
        .default("embedded"),
    )
    .option(
      "--cmd <template>",
      "external trainer command; placeholders {data} (train folder) {eval_data} (validation folder) {epochs} {lr} {out} {n} {seed} are filled in",
    )
    .addOption(
      new Option("--epochs <n>", "external: passes over the samples per LR")
        .argParser(positiveInt)
        .default(1),
    )
    .addOption(
      new Option("--format <fmt>", "external: how the samples are written for the trainer")
        .choices(["jsonl", "txt"])
        .default("jsonl"),
    );
  examples(addSweepOptions(cmd, 100_000), [
    "plateau lr-sweep --data data/pretrain",
    "plateau lr-sweep --data corpus.jsonl --min-lr 3e-5 --max-lr 3e-3 --points 5 --tokens 300000 --json",
    "plateau lr-sweep --data corpus.jsonl --range",
    "plateau lr-sweep --data data/pretrain --engine external --lrs 5e-5,1e-4,2e-4,4e-4,8e-4 --epochs 2 --cmd 'torchrun --nproc_per_node 8 training/pretraining.py --model_name_or_path ./init --train_file_dir {data} --validation_file_dir {eval_data} --num_train_epochs {epochs} --learning_rate {lr} --output_dir {out} --seed {seed} --logging_steps 1 --eval_strategy epoch'",
  ]).action(
    action(
      async (
        ctx,
        o: ExternalCliOpts & {
          minLr: number;
          maxLr: number;
          points: number;
          lrs?: string;
          currentLr?: number;
          range?: boolean;
          startLr: number;
          endLr: number;
          iterations: number;
        },
      ) => {
        const resume = o.resume ? findRun(ctx.runsDir, o.resume) : undefined;
        if (o.engine === "external" || (resume && isExternalSweep(resume))) {
          if (o.range)
            throw new UserError("the range test runs on the embedded engine only", { field: "--range" });
          checkExternalCli(o, resume);
          const lrs = lrsFrom(o);
          return runProtocolCommand(ctx, "lr-sweep", (session) =>
            runExternalLrSweep(
              {
                ...externalCommonFrom(o),
                n: o.samples,
                lrs,
                ...(o.currentLr ? { currentLr: o.currentLr } : {}),
              },
              { runsDir: ctx.runsDir, out: o.out, resume },
              session,
            ),
          );
        }
        const common = sweepCommonFrom(o);
        if (o.range) {
          const session = interactiveSession(ctx.json);
          try {
            const r = await runRangeTest(
              { ...common, startLr: o.startLr, endLr: o.endLr, iterations: o.iterations },
              { runsDir: ctx.runsDir, out: o.out },
              session,
            );
            if (ctx.json) ctx.emit(r);
            else
              say(
                `${paint("bold", "lr range test", ctx.color)}: ${r.conclusion}\n  results ${r.run_dir}/result.json`,
              );
            return r.stopped === "interrupted" ? 130 : 0;
          } finally {
            session.dispose();
          }
        }
        const lrs = lrsFrom(o);
        return runProtocolCommand(ctx, "lr-sweep", (session) =>
          runLrSweep(
            { ...common, lrs, ...(o.currentLr ? { currentLr: o.currentLr } : {}) },
            {
              runsDir: ctx.runsDir,
              out: o.out,
              resume,
            },
            session,
          ),
        );
      },
    ),
  );
}

/** The sweep options plus --engine and the external trainer's (--cmd, --epochs, --format). */
export interface ExternalCliOpts extends SweepCliOpts {
  engine: "embedded" | "external";
  cmd?: string;
  epochs: number;
  format: "jsonl" | "txt";
}

export function checkExternalCli(o: { data?: string[]; cmd?: string }, resume: string | undefined): void {
  if (resume) return;
  if (!o.data?.length) throw new UserError("give the corpus with --data PATH", { field: "--data" });
  if (!o.cmd) throw new UserError("--engine external needs the trainer command in --cmd", { field: "--cmd" });
}

/** The settings every protocol run through an external trainer shares, from its command line. */
export function externalCommonFrom(o: ExternalCliOpts) {
  return {
    engine: "external" as const,
    cmd: o.cmd ?? "",
    data: o.data ?? [],
    field: o.field,
    heldOut: o.heldOut,
    epochs: o.epochs,
    seed: o.seed,
    format: o.format,
  };
}

/** The LRs to sweep: --lrs, else the log-spaced grid. */
function lrsFrom(o: { minLr: number; maxLr: number; points: number; lrs?: string }): number[] {
  let lrs = logGrid(o.minLr, o.maxLr, o.points);
  if (o.lrs) {
    lrs = o.lrs.split(",").map((x) => Number(x.trim()));
    if (lrs.some((x) => !(x > 0)))
      throw new UserError("expected positive numbers separated by commas", { field: "--lrs" });
  }
  if (!(o.minLr > 0 && o.maxLr > o.minLr))
    throw new UserError("need 0 < --min-lr < --max-lr", { field: "--min-lr" });
  return lrs;
}
