import { type Command, Option } from "commander";
import { ladderSizes, runLadder } from "../../protocols/ladder.js";
import { findRun } from "../../runs/root.js";
import { UserError } from "../../util/errors.js";
import { action, examples } from "../context.js";
import { addSweepOptions, runProtocolCommand, type SweepCliOpts, sweepCommonFrom } from "./lr-sweep.js";
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
    );
  examples(addSweepOptions(cmd), [
    "plateau ladder --data data/pretrain -n 4000",
    "plateau ladder --data corpus.jsonl --sizes 500,2000,8000 --tokens 400000 --json",
  ]).action(
    action(async (ctx, o: SweepCliOpts & { start: number; sizes?: string; lr: number; patience: number }) => {
      let sizes = ladderSizes(Math.min(o.start, o.samples), o.samples);
      if (o.sizes) {
        sizes = o.sizes.split(",").map((x) => Number(x.trim()));
        if (sizes.some((x) => !(Number.isInteger(x) && x > 0)))
          throw new UserError("expected positive integers separated by commas", { field: "--sizes" });
        sizes.sort((a, b) => a - b);
      }
      return runProtocolCommand(ctx, "ladder", (session) =>
        runLadder(
          { ...sweepCommonFrom(o), n: Math.max(...sizes), sizes, lr: o.lr, patience: o.patience },
          { runsDir: ctx.runsDir, out: o.out, resume: o.resume ? findRun(ctx.runsDir, o.resume) : undefined },
          session,
        ),
      );
    }),
  );
}
