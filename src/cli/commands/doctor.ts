import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { writeDemoCorpus } from "../../data/demo/index.js";
import { writeDemoRunLog } from "../../diagnose/demo.js";
import { PRESETS } from "../../engine/config.js";
import { type DoctorResult, runDoctor, storedDoctorSettings } from "../../protocols/doctor.js";
import { interactiveSession } from "../../protocols/session.js";
import { UserError } from "../../util/errors.js";
import { paint, say } from "../../util/term.js";
import { action, type Ctx, examples } from "../context.js";
import { addEngineOptions, type EngineCliOpts, finiteNumber, modelTargetFrom, positiveInt } from "./model.js";

interface DoctorOpts extends EngineCliOpts {
  run?: string[];
  data?: string[];
  field: string;
  config?: string;
  preset?: string;
  samples: number;
  epochs: number;
  seq: number;
  experiments: number;
  tokens: number;
  experimentMinutes: number;
  out?: string;
  demo?: boolean;
  resume?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("doctor")
    .description(
      "the whole method in one command: diagnose the logs, audit the data, run the overfit test, then the experiments the ranked causes call for; one report (HTML, Markdown, JSON) answering why the loss is stuck and what to do next",
    )
    .option(
      "--run <paths...>",
      "the stalled run's logs (trainer_state.json, TensorBoard, text logs, an output folder)",
    )
    .option("--data <paths...>", "the training corpus (files or folders)")
    .option("--field <name>", "text field of .jsonl/.json/.parquet records", "text")
    .option("--config <file>", "the model's config.json (default: the one beside the logs, if any)")
    .addOption(
      new Option("--preset <name>", "the model as a named configuration").choices(Object.keys(PRESETS)),
    )
    .addOption(new Option("-n, --samples <n>", "overfit test: samples").argParser(positiveInt).default(64))
    .addOption(new Option("--epochs <n>", "overfit test: epochs").argParser(positiveInt).default(40))
    .addOption(new Option("--seq <n>", "block size of the embedded runs").argParser(positiveInt).default(128))
    .addOption(
      new Option("--experiments <n>", "experiments to run after the overfit test")
        .argParser(positiveInt)
        .default(2),
    )
    .addOption(
      new Option("--tokens <n>", "training tokens per experiment run").argParser(positiveInt).default(25_000),
    )
    .addOption(
      new Option(
        "--experiment-minutes <m>",
        "time the experiments may take together, estimated from the overfit test's speed (0: no limit); one that does not fit is listed as a command to run",
      )
        .argParser(finiteNumber)
        .default(2),
    )
    .option("--out <dir>", "doctor directory (default: a new one in the runs root)")
    .option("--resume <dir>", "continue an interrupted doctor run in DIR with the settings it started with")
    .option("--demo", "write the demo corpus and the demo run log (a stalled 1.1B run) and examine them");
  examples(addEngineOptions(cmd), [
    "plateau doctor --demo",
    "plateau doctor --run outputs-pt-qwen-v1 --data data/pretrain",
    "plateau doctor --run logs/ --data corpus.jsonl --experiments 3 --json",
    "plateau doctor --resume runs/20261129-075528-doctor-1c74",
  ]).action(
    action((ctx, o: DoctorOpts) =>
      doctorCommand(ctx, o, (name) => program.commands.some((c) => c.name() === name)),
    ),
  );
}

async function doctorCommand(
  ctx: Ctx,
  o: DoctorOpts,
  available: (command: string) => boolean,
): Promise<number> {
  if (o.resume) return resumeDoctor(ctx, o.resume, available);
  let run = o.run ?? [];
  let data = o.data ?? [];
  if (o.demo) {
    const base = resolve(ctx.runsDir, "..", "demo");
    const corpus = writeDemoCorpus(join(base, "corpus"), {});
    const log = writeDemoRunLog(join(base, "run"));
    data = corpus.files.corpus;
    run = [log.dir];
    if (!ctx.json)
      say(
        `demo: ${corpus.docs} documents of mixed quality in ${corpus.files.corpusDir} (labels beside them) and the logs of a stalled 1.1B run in ${log.dir}`,
      );
  }
  if (!run.length && !data.length)
    throw new UserError("give --run LOGS, --data CORPUS, or both (or try --demo)", { field: "--run" });
  const session = interactiveSession(ctx.json);
  let r: DoctorResult;
  try {
    r = await runDoctor(
      {
        run,
        data,
        field: o.field,
        model: modelTargetFrom(o),
        overfit: { n: o.samples, epochs: o.epochs, seqLen: o.seq },
        experiments: o.experiments,
        experimentTokens: o.tokens,
        experimentSeconds: Math.max(0, o.experimentMinutes) * 60,
        seqLen: o.seq,
        threads: o.threads,
        backend: o.backend === ("auto" as string) ? undefined : o.backend,
        available,
      },
      { runsDir: ctx.runsDir, out: o.out },
      session,
    );
  } finally {
    session.dispose();
  }
  return finish(ctx, r);
}

async function resumeDoctor(ctx: Ctx, dir: string, available: (command: string) => boolean): Promise<number> {
  const stored = storedDoctorSettings(dir);
  const session = interactiveSession(ctx.json);
  let r: DoctorResult;
  try {
    r = await runDoctor({ ...stored, available }, { runsDir: ctx.runsDir, resume: dir }, session);
  } finally {
    session.dispose();
  }
  return finish(ctx, r);
}

function finish(ctx: Ctx, r: DoctorResult): number {
  if (ctx.json) ctx.emit(r);
  else {
    say(`\n${paint("bold", r.question, ctx.color)}`);
    say(r.answer.summary);
    if (r.answer.next.length) {
      say(paint("bold", "next:", ctx.color));
      for (const n of r.answer.next) say(`  - ${n}`);
    }
    say(`report ${join(r.run_dir, "report.html")} (and report.md, doctor.json) · ${Math.round(r.seconds)} s`);
    if (r.interrupted) say(`interrupted: continue with plateau doctor --resume ${r.run_dir}`);
  }
  return r.interrupted ? 130 : 0;
}
