import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import {
  type DiagnoseOptions,
  diagnoseRuns,
  diagnosisJson,
  type RunDiagnosis,
} from "../../diagnose/diagnose.js";
import { setFact } from "../../diagnose/facts.js";
import { type Finding, SEVERITY_ORDER, type Severity } from "../../diagnose/types.js";
import { ingestPaths } from "../../logs/index.js";
import { diagnosisReportHtml } from "../../report/diagnosis-report.js";
import { diagnosisMarkdown, stepsText } from "../../report/markdown.js";
import type { RunFacts } from "../../runs/types.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { EXIT, UserError } from "../../util/errors.js";
import { Progress } from "../../util/progress.js";
import { paint, type Style, say, warn } from "../../util/term.js";
import { action, examples, stringifyJson } from "../context.js";
import { VERSION } from "../program.js";
import { positiveInt } from "./model.js";

interface DiagnoseFlags {
  out?: string;
  fact?: string[];
  width: number;
  plateauTolerance: number;
  project?: number;
  failOn?: Severity;
}

const SEVERITY_STYLE: Record<Severity, Style> = { critical: "red", warning: "yellow", info: "blue" };

export function register(program: Command): void {
  const cmd = program
    .command("diagnose")
    .description(
      "read a run's logs and say what is wrong, what is not, and what to try next: noise-aware curve statistics, rules with evidence, ranked causes, and a self-contained HTML report",
    )
    .argument(
      "<paths...>",
      "log files or folders: HF trainer_state.json / output dirs, TensorBoard event files, llm.c, modded-nanogpt, Megatron, HF stdout logs, CSV and W&B exports, JSONL, MLflow runs, plateau run directories",
    )
    .option("--out <dir>", "write report.html (self-contained), report.md and diagnosis.json there")
    .option(
      "--fact <key=value...>",
      "add or override a fact the logs do not carry, e.g. grad_accum_steps=8, model.params=1.1e9, data.eval_is_train=true, data.unigram_entropy=7.6",
    )
    .addOption(
      new Option("--width <px>", "chart width in pixels (the min/max downsampling target)")
        .argParser(positiveInt)
        .default(1000),
    )
    .addOption(
      new Option(
        "--plateau-tolerance <fraction>",
        "a plateau falls by less than this fraction of its level per doubling of steps",
      )
        .argParser(fraction)
        .default(0.01),
    )
    .addOption(
      new Option(
        "--project <tokens>",
        "project the loss this many more tokens ahead (steps when the logs have no tokens); default: as many as seen",
      ).argParser(positiveNumber),
    )
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is at least this severe (for CI)").choices([
        "info",
        "warning",
        "critical",
      ]),
    )
    .action(
      action(async (ctx, paths: string[], flags: DiagnoseFlags) => {
        const facts: RunFacts = {};
        for (const f of flags.fact ?? []) setFact(facts, f);
        const { runs, problems } = await ingestPaths(paths);
        for (const p of problems.filter((x) => x.severity !== "info").slice(0, 20))
          warn(`${p.file}${p.line !== undefined ? `:${p.line}` : ""}: ${p.message}`);
        if (runs.length === 0)
          throw new UserError("no training logs found (see --help for the formats plateau reads)", {
            file: paths.join(" "),
          });
        const commandNames = new Set(program.commands.map((c) => c.name()));
        const opts: DiagnoseOptions = {
          facts,
          plateauTolerance: flags.plateauTolerance,
          projectMore: flags.project,
          available: (name) => commandNames.has(name),
        };
        const progress = new Progress({
          label: "diagnosing",
          total: runs.length,
          enabled: ctx.json ? false : undefined,
        });
        const ds: RunDiagnosis[] = [];
        for (const run of runs) {
          ds.push(...diagnoseRuns([run], opts));
          progress.tick(1, run.name);
        }
        progress.finish();
        const doc = diagnosisJson(ds);
        let reportPath: string | undefined;
        if (flags.out) {
          const dir = resolve(flags.out);
          mkdirSync(dir, { recursive: true });
          reportPath = join(dir, "report.html");
          writeFileAtomic(reportPath, diagnosisReportHtml(ds, { width: flags.width, version: VERSION }));
          writeFileAtomic(join(dir, "report.md"), diagnosisMarkdown(ds));
          writeFileAtomic(join(dir, "diagnosis.json"), `${stringifyJson(doc)}\n`);
        }
        if (ctx.json) ctx.emit(doc);
        else printSummary(ds, ctx.color, reportPath);
        if (flags.failOn) {
          const worst = ds.flatMap((d) => d.findings).filter((f) => atLeast(f, flags.failOn as Severity));
          if (worst.length) {
            say(paint("red", `${worst.length} finding(s) at or above ${flags.failOn}`, ctx.color));
            return EXIT.checkFailed;
          }
        }
      }),
    );
  examples(cmd, [
    "plateau diagnose outputs-pt-qwen/                      # an HF output folder (trainer_state.json, checkpoint-*/)",
    "plateau diagnose runs/events.out.tfevents.* --out report/",
    "plateau diagnose train.log --fact grad_accum_steps=8 --fact model.params=1.1e9",
    "plateau diagnose logA.csv logB.jsonl --json > diagnosis.json",
    "plateau diagnose outputs/ --fail-on critical           # exit 1 in CI when something is broken",
  ]);
}

function atLeast(f: Finding, s: Severity): boolean {
  return SEVERITY_ORDER[f.severity] <= SEVERITY_ORDER[s];
}

/** The terminal summary: per run, its findings and its three leading causes with the next command. */
function printSummary(ds: RunDiagnosis[], color: boolean, reportPath?: string): void {
  for (const d of ds) {
    const m = d.analysis.run.manifest;
    say(
      `${paint("bold", m.name, color)}  ${paint("gray", `${m.source.path ?? ""} (${m.source.format ?? m.source.kind})`, color)}`,
    );
    if (d.findings.length === 0) say("  no findings");
    for (const f of d.findings) {
      const badge = paint(SEVERITY_STYLE[f.severity], f.severity.padEnd(8), color);
      const steps = f.steps.length ? paint("gray", ` [steps ${stepsText(f.steps)}]`, color) : "";
      say(
        `  ${badge} ${paint("bold", f.rule, color)} ${f.confidence.toFixed(2)}  ${f.evidence.summary}${steps}`,
      );
    }
    say("");
    say(`  ${paint("bold", "likely causes", color)}`);
    d.hypotheses.slice(0, 3).forEach((h, i) => {
      say(`  ${i + 1}. ${h.cause} (${h.confidence.toFixed(2)})`);
      say(
        `     next: ${paint("cyan", h.next.command, color)}${h.next.available ? "" : paint("yellow", "  (not yet available)", color)}`,
      );
      say(`     ${paint("gray", h.next.why, color)}`);
    });
    say("");
  }
  if (reportPath) say(`report: ${reportPath}`);
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n))
    throw new UserError(`expected a positive number, got "${v}"`, { field: "--project" });
  return n;
}

function fraction(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1))
    throw new UserError(`expected a number between 0 and 1, got "${v}"`, { field: "--plateau-tolerance" });
  return n;
}
