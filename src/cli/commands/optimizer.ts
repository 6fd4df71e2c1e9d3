import type { Command } from "commander";
import { OPTIMIZER_GRIDS, runOptimizerProbe } from "../../protocols/optimizer.js";
import { findRun } from "../../runs/root.js";
import { UserError } from "../../util/errors.js";
import { action, examples } from "../context.js";
import { addSweepOptions, runProtocolCommand, type SweepCliOpts, sweepCommonFrom } from "./lr-sweep.js";

function grid(v: string | undefined, name: keyof typeof OPTIMIZER_GRIDS): number[] {
  if (!v) return OPTIMIZER_GRIDS[name];
  const xs = v.split(",").map((x) => Number(x.trim()));
  if (!xs.length || xs.some((x) => !(x > 0)))
    throw new UserError("expected positive LRs separated by commas", { field: `--${name}-lrs` });
  return xs;
}

export function register(program: Command): void {
  const cmd = program
    .command("optimizer")
    .description(
      "is the optimizer the limit? AdamW against SGD with momentum and Lion, each at its own LR grid, same data, tokens and seed",
    )
    .option("--adamw-lrs <list>", `AdamW LRs (default ${OPTIMIZER_GRIDS.adamw.join(",")})`)
    .option("--sgd-lrs <list>", `SGD LRs (default ${OPTIMIZER_GRIDS.sgd.join(",")})`)
    .option("--lion-lrs <list>", `Lion LRs (default ${OPTIMIZER_GRIDS.lion.join(",")})`);
  examples(addSweepOptions(cmd, 100_000), [
    "plateau optimizer --data data/pretrain",
    "plateau optimizer --data corpus.jsonl --tokens 200000 --adamw-lrs 1e-3,3e-3 --json",
  ]).action(
    action(async (ctx, o: SweepCliOpts & { adamwLrs?: string; sgdLrs?: string; lionLrs?: string }) =>
      runProtocolCommand(ctx, "optimizer", (session) =>
        runOptimizerProbe(
          {
            ...sweepCommonFrom(o),
            grids: {
              adamw: grid(o.adamwLrs, "adamw"),
              sgd: grid(o.sgdLrs, "sgd"),
              lion: grid(o.lionLrs, "lion"),
            },
          },
          { runsDir: ctx.runsDir, out: o.out, resume: o.resume ? findRun(ctx.runsDir, o.resume) : undefined },
          session,
        ),
      ),
    ),
  );
}
