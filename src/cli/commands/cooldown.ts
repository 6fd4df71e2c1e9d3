import { type Command, Option } from "commander";
import { checkpointLr, resolveCheckpoint, runCooldown } from "../../protocols/cooldown.js";
import { findRun } from "../../runs/root.js";
import { UserError } from "../../util/errors.js";
import { action, examples } from "../context.js";
import { addSweepOptions, runProtocolCommand, type SweepCliOpts, sweepCommonFrom } from "./lr-sweep.js";
import { finiteNumber, positiveInt } from "./model.js";

export function register(program: Command): void {
  const cmd = program
    .command("cooldown")
    .description(
      "was the plateau the schedule? from a checkpoint, continue at the constant LR and with the LR decayed to 0 over the same steps: the gain is what the constant LR was hiding",
    )
    .option("--checkpoint <dir>", "a model checkpoint (HF config.json + model.safetensors, or a plateau run)")
    .addOption(
      new Option("--lr <x>", "the constant LR (default: the checkpoint's, when it records one)").argParser(
        finiteNumber,
      ),
    )
    .addOption(new Option("--steps <n>", "steps of each arm").argParser(positiveInt).default(200))
    .addOption(
      new Option("--decay <shape>", "decay shape").choices(["linear", "1-sqrt", "cosine"]).default("linear"),
    );
  examples(addSweepOptions(cmd), [
    "plateau cooldown --checkpoint runs/20261129-101500-train-3fa2 --data data/pretrain",
    "plateau cooldown --checkpoint out/checkpoint-5000 --data corpus.jsonl --lr 3e-4 --steps 300 --decay 1-sqrt --json",
  ]).action(
    action(
      async (
        ctx,
        o: SweepCliOpts & {
          checkpoint?: string;
          lr?: number;
          steps: number;
          decay: "linear" | "1-sqrt" | "cosine";
        },
      ) => {
        const resume = o.resume ? findRun(ctx.runsDir, o.resume) : undefined;
        if (!resume && !o.checkpoint)
          throw new UserError("give the checkpoint with --checkpoint DIR", { field: "--checkpoint" });
        const checkpoint = o.checkpoint ? resolveCheckpoint(o.checkpoint) : "";
        const lr = o.lr ?? (checkpoint ? checkpointLr(checkpoint) : undefined);
        if (!resume && lr === undefined)
          throw new UserError("the checkpoint does not record its LR: give the run's constant LR with --lr", {
            field: "--lr",
          });
        return runProtocolCommand(ctx, "cooldown", (session) =>
          runCooldown(
            { ...sweepCommonFrom(o), checkpoint, lr: lr ?? 0, steps: o.steps, decay: o.decay },
            { runsDir: ctx.runsDir, out: o.out, resume },
            session,
          ),
        );
      },
    ),
  );
}
