import { type Command, Option } from "commander";
import { runCapacity } from "../../protocols/capacity.js";
import { findRun } from "../../runs/root.js";
import { UserError } from "../../util/errors.js";
import { action, examples } from "../context.js";
import { addSweepOptions, runProtocolCommand, type SweepCliOpts, sweepCommonFrom } from "./lr-sweep.js";
import { finiteNumber } from "./model.js";

export function register(program: Command): void {
  const cmd = program
    .command("capacity")
    .description(
      "is the model the limit? the same data, tokens and seed on two or three model widths: if the held-out loss improves with N, capacity is a limit",
    )
    .addOption(
      new Option("--lr <x>", "learning rate (the same for every size)").argParser(finiteNumber).default(1e-3),
    )
    .option("--widths <list>", "width factors of the proxy, comma-separated", "0.5,1,2");
  examples(addSweepOptions(cmd), [
    "plateau capacity --data data/pretrain",
    "plateau capacity --data corpus.jsonl --preset case-1.1b --widths 0.5,1 --tokens 300000 --json",
  ]).action(
    action(async (ctx, o: SweepCliOpts & { lr: number; widths: string }) => {
      const widths = o.widths.split(",").map((x) => Number(x.trim()));
      if (widths.length < 2 || widths.some((x) => !(x > 0)))
        throw new UserError("expected two or more positive factors separated by commas", {
          field: "--widths",
        });
      return runProtocolCommand(ctx, "capacity", (session) =>
        runCapacity(
          { ...sweepCommonFrom(o), lr: o.lr, widths: widths.sort((a, b) => a - b) },
          { runsDir: ctx.runsDir, out: o.out, resume: o.resume ? findRun(ctx.runsDir, o.resume) : undefined },
          session,
        ),
      );
    }),
  );
}
