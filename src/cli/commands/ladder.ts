import { type Command, Option } from "commander";
import { runExternalLadder } from "../../protocols/external-ladder.js";
import { isExternalSweep } from "../../protocols/external-lr-sweep.js";
import { ladderSizes, runLadder } from "../../protocols/ladder.js";
import { findRun } from "../../runs/root.js";
import { UserError } from "../../util/errors.js";
import { action, examples } from "../context.js";
import {
  addSweepOptions,
  checkExternalCli,
  type ExternalCliOpts,
  externalCommonFrom,
  runProtocolCommand,
  sweepCommonFrom,
} from "./lr-sweep.js";
import { finiteNumber, positiveInt } from "./model.js";

export function register(program: Command): void {
  const cmd = program
    .command("ladder")
    .description(
      "does more (or cleaner) data help? train on growing slices (×4 per rung) of raw and of selected data against one held-out set; report the scaling exponent, the noise penalty and where overfitting begins",
    )
    .addOption(new Option("--start <n>", "documents in the first rung").argParser(positiveInt).default(250))
    .option(
      "--sizes <list>",
      "explicit rung sizes in documents, comma-separated (default: --start ×4 up to -n)",
    )
    .addOption(new Option("--lr <x>", "learning rate").argParser(finiteNumber).default(1e-3))
    .addOption(
      new Option("--patience <n>", "stop a rung after N evaluations without a new best")
        .argParser(positiveInt)
        .default(3),
    )
    .addOption(
      new Option(
        "--engine <name>",
        "embedded: plateau's engine on a proxy; external: your trainer (--cmd), one run per rung and kind",
      )
        .choices(["embedded", "external"])
        .default("embedded"),
    )
    .option(
      "--cmd <template>",
      "external trainer command; placeholders {data} (the rung's train folder) {eval_data} (validation folder) {epochs} {lr} {out} {n} {seed} are filled in; it must log eval_loss",
    )
    .addOption(
      new Option("--epochs <n>", "external: passes over each rung's documents")
        .argParser(positiveInt)
        .default(1),
    )
    .addOption(
      new Option("--format <fmt>", "external: how the documents are written for the trainer")
        .choices(["jsonl", "txt"])
        .default("jsonl"),
    );
  examples(addSweepOptions(cmd), [
    "plateau ladder --data data/pretrain -n 4000",
    "plateau ladder --data corpus.jsonl --sizes 500,2000,8000 --tokens 400000 --json",
    "plateau ladder --data data/pretrain -n 16000 --engine external --lr 2e-4 --cmd 'torchrun --nproc_per_node 8 training/pretraining.py --model_name_or_path ./init --train_file_dir {data} --validation_file_dir {eval_data} --num_train_epochs {epochs} --learning_rate {lr} --output_dir {out} --seed {seed} --logging_steps 1 --eval_strategy epoch'",
  ]).action(
    action(
      async (
        ctx,
        o: ExternalCliOpts & {
          start: number;
          sizes?: string;
          lr: number;
          patience: number;
        },
      ) => {
        let sizes = ladderSizes(Math.min(o.start, o.samples), o.samples);
        if (o.sizes) {
          sizes = o.sizes.split(",").map((x) => Number(x.trim()));
          if (sizes.some((x) => !(Number.isInteger(x) && x > 0)))
            throw new UserError("expected positive integers separated by commas", { field: "--sizes" });
          sizes.sort((a, b) => a - b);
        }
        const resume = o.resume ? findRun(ctx.runsDir, o.resume) : undefined;
        const where = { runsDir: ctx.runsDir, out: o.out, resume };
        if (o.engine === "external" || (resume && isExternalSweep(resume))) {
          checkExternalCli(o, resume);
          return runProtocolCommand(ctx, "ladder", (session) =>
            runExternalLadder(
              { ...externalCommonFrom(o), n: Math.max(...sizes), sizes, lr: o.lr },
              where,
              session,
            ),
          );
        }
        return runProtocolCommand(ctx, "ladder", (session) =>
          runLadder(
            { ...sweepCommonFrom(o), n: Math.max(...sizes), sizes, lr: o.lr, patience: o.patience },
            where,
            session,
          ),
        );
      },
    ),
  );
}
