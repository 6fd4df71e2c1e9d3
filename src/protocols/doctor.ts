import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { auditCorpus } from "../data/audit/audit.js";
import type { AuditSummary } from "../data/audit/summary.js";
import { diagnoseRuns, diagnosisJson, type RunDiagnosis } from "../diagnose/diagnose.js";
import type { DiagnosisJson, Hypothesis } from "../diagnose/types.js";
import { createOps } from "../engine/backend.js";
import { parseQwen2Config, type Qwen2Config } from "../engine/config.js";
import { ingestPaths } from "../logs/ingest.js";
import { newRunId } from "../runs/root.js";
import { RunWriter } from "../runs/rundir.js";
import { latestCheckpoint } from "../train/checkpoint.js";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import { type CapacityResult, runCapacity } from "./capacity.js";
import { type CooldownResult, runCooldown } from "./cooldown.js";
import { doctorHtml, doctorMarkdown } from "./doctor-report.js";
import { type LadderResult, ladderSizes, runLadder } from "./ladder.js";
import { type LrSweepResult, logGrid, runLrSweep } from "./lr-sweep.js";
import { OPTIMIZER_GRIDS, type OptimizerResult, runOptimizerProbe } from "./optimizer.js";
import { DEFAULT_OVERFIT, type OverfitResult, resumeOverfit, runOverfit } from "./overfit.js";
import type { Session } from "./session.js";
import {
  createParent,
  pointConfig,
  runPoints,
  type SweepCommon,
  sweepModel,
  sweepSamples,
  tokenizeSweep,
} from "./sweep.js";

/**
 * `plateau doctor`: the whole method in one command, answering "why is my loss stuck, and what do I do next".
 *
 *  1. diagnose the run's logs (rules → findings → ranked causes, each with the experiment that settles it);
 *  2. audit the corpus (noise by kind, duplicates, languages);
 *  3. the overfit test on the best samples (a pipeline that cannot memorise is broken: nothing else matters
 *     until that is fixed);
 *  4. the experiments the ranked causes call for (at most `experiments`, most likely cause first): LR sweep,
 *     data ladder, capacity, optimizer or cooldown, on small budgets on the embedded engine;
 *  5. one report (report.html, report.md, doctor.json) with the evidence of every step and the answer.
 *
 * Every step is a run directory under the doctor's own, so each can be opened, compared or resumed on its own.
 */
export interface DoctorSettings {
  run: string[];
  data: string[];
  field?: string;
  model: { name: string; config: Qwen2Config } | null;
  /** Overfit test size (samples, epochs, block size) on the embedded engine. */
  overfit: { n: number; epochs: number; seqLen: number };
  /** Experiments to run after the overfit test, and their budget. */
  experiments: number;
  experimentTokens: number;
  seqLen: number;
  threads?: number;
  backend?: "wasm" | "ref";
  /** Which plateau commands exist (for the hypotheses' next steps). */
  available: (command: string) => boolean;
}

export type ExperimentResult =
  | { protocol: "lr-sweep"; why: string; result: LrSweepResult }
  | { protocol: "ladder"; why: string; result: LadderResult }
  | { protocol: "capacity"; why: string; result: CapacityResult }
  | { protocol: "optimizer"; why: string; result: OptimizerResult }
  | { protocol: "cooldown"; why: string; result: CooldownResult };

export interface DoctorResult {
  question: string;
  run_dir: string;
  answer: { summary: string; causes: string[]; next: string[] };
  diagnosis?: DiagnosisJson;
  audit?: Pick<AuditSummary, "totals" | "noise" | "duplicates" | "languages"> & { report: string };
  overfit?: OverfitResult;
  experiments: ExperimentResult[];
  skipped: { what: string; why: string }[];
  seconds: number;
  interrupted: boolean;
}

const EXPERIMENTS = new Set(["lr-sweep", "ladder", "capacity", "optimizer", "cooldown"]);

/** Causes that are bugs in the pipeline (as opposed to settings of the overfit test itself, like its LR). */
const BUGS = new Set([
  "labels-unshifted",
  "labels-double-shift",
  "causal-mask",
  "pad-in-loss",
  "frozen",
  "tokenizer",
]);

function confirmedBugs(of: OverfitResult | undefined) {
  return of?.verdict === "fail" ? of.causes.filter((c) => c.status === "confirmed" && BUGS.has(c.cause)) : [];
}

export async function runDoctor(
  settings: DoctorSettings,
  where: { runsDir: string; out?: string },
  session: Session,
): Promise<DoctorResult> {
  const t0 = performance.now();
  if (!settings.run.length && !settings.data.length)
    throw new UserError("give the run's logs with --run, the corpus with --data, or both", {
      field: "--run",
    });
  const dir = where.out ?? join(where.runsDir, newRunId("doctor"));
  mkdirSync(dir, { recursive: true });
  const parent = RunWriter.create(dir, {
    id: dir.split("/").pop() ?? "doctor",
    name: "doctor",
    protocol: "doctor",
  });
  const out: DoctorResult = {
    question: "Why is my loss stuck, and what do I do next?",
    run_dir: dir,
    answer: { summary: "", causes: [], next: [] },
    experiments: [],
    skipped: [],
    seconds: 0,
    interrupted: false,
  };
  session.log(`plateau doctor → ${dir}`);

  // 1. diagnosis
  let diagnoses: RunDiagnosis[] = [];
  let model = settings.model;
  if (settings.run.length) {
    session.log(`1/4 diagnosing the logs in ${settings.run.join(", ")}`);
    const ing = await ingestPaths(settings.run);
    diagnoses = diagnoseRuns(ing.runs, { available: settings.available });
    out.diagnosis = diagnosisJson(diagnoses);
    const top = out.diagnosis.hypotheses.slice(0, 3);
    for (const f of out.diagnosis.findings.filter((x) => x.severity !== "info").slice(0, 5))
      session.log(`    ${f.severity} ${f.rule}: ${f.evidence.summary}`);
    session.log(`    most likely: ${top.map((h) => `${h.cause} (${h.confidence.toFixed(2)})`).join(", ")}`);
    model ??= modelFromFacts(ing.runs[0]?.manifest.facts.model?.config);
  } else out.skipped.push({ what: "diagnosis", why: "no --run logs given" });

  // 2. audit
  if (settings.data.length) {
    session.log(`2/4 auditing ${settings.data.join(", ")}`);
    const auditDir = join(dir, "audit");
    const bar = session.progress({ label: "audit", unit: "bytes" });
    const { summary } = await auditCorpus(settings.data, {
      field: settings.field,
      out: auditDir,
      onProgress: (b, t) => bar.update(b, `of ${t} bytes`),
    });
    bar.finish();
    out.audit = {
      totals: summary.totals,
      noise: summary.noise,
      duplicates: summary.duplicates,
      languages: summary.languages,
      report: join(auditDir, "report.md"),
    };
    const t = summary.totals;
    session.log(
      `    ${t.docs} documents, ${t.flagged} flagged (${((100 * t.flagged) / Math.max(1, t.docs)).toFixed(1)}%): ${noiseLine(summary)}`,
    );
  } else out.skipped.push({ what: "audit, overfit test and experiments", why: "no --data corpus given" });

  // 3. overfit test
  if (settings.data.length && !session.stopRequested()) {
    session.log(`3/4 overfit test: ${settings.overfit.n} best samples × ${settings.overfit.epochs} epochs`);
    const ofDir = join(dir, "overfit");
    out.overfit = existsSync(join(ofDir, "run.json"))
      ? await resumeOverfit(ofDir, session)
      : await runOverfit(
          {
            ...DEFAULT_OVERFIT,
            data: settings.data,
            field: settings.field,
            model,
            n: settings.overfit.n,
            epochs: settings.overfit.epochs,
            seqLen: settings.overfit.seqLen,
            threads: settings.threads,
            backend: settings.backend,
          },
          { runsDir: dir, out: ofDir },
          session,
        );
    session.log(
      `    verdict: ${out.overfit.verdict.toUpperCase()} (loss ${out.overfit.initial_loss.toFixed(3)} → ${out.overfit.final_loss.toFixed(3)}, memorisation ${(100 * out.overfit.memorization).toFixed(0)}%)`,
    );
  }

  // 4. the experiments the ranked causes call for
  const pipelineBroken = confirmedBugs(out.overfit).length > 0;
  if (settings.data.length && !pipelineBroken && !session.stopRequested()) {
    const plan = planExperiments(out.diagnosis?.hypotheses ?? [], settings.experiments);
    session.log(
      `4/4 experiments: ${plan.length ? plan.map((p) => p.protocol).join(", ") : "none called for"}`,
    );
    const common: SweepCommon = {
      data: settings.data,
      field: settings.field,
      n: 400,
      heldOut: 60,
      model,
      seqLen: settings.seqLen,
      batch: 4,
      tokens: settings.experimentTokens,
      seed: 0,
      evalEvery: 10,
      threads: settings.threads,
      backend: settings.backend,
    };
    const lrFacts = out.diagnosis?.runs[0]?.facts as { lr?: { peak?: number } } | undefined;
    for (const p of plan) {
      if (session.stopRequested()) break;
      const w = { runsDir: dir, out: join(dir, p.protocol) };
      if (existsSync(join(w.out, "result.json"))) {
        out.experiments.push({
          protocol: p.protocol,
          why: p.why,
          result: JSON.parse(readFileSync(join(w.out, "result.json"), "utf8")),
        } as ExperimentResult);
        continue;
      }
      switch (p.protocol) {
        case "lr-sweep":
          out.experiments.push({
            protocol: "lr-sweep",
            why: p.why,
            result: await runLrSweep(
              { ...common, lrs: logGrid(3e-4, 1e-2, 4), currentLr: lrFacts?.lr?.peak },
              w,
              session,
            ),
          });
          break;
        case "ladder":
          out.experiments.push({
            protocol: "ladder",
            why: p.why,
            result: await runLadder(
              { ...common, sizes: ladderSizes(50, 200), lr: 2e-3, patience: 3 },
              w,
              session,
            ),
          });
          break;
        case "capacity":
          out.experiments.push({
            protocol: "capacity",
            why: p.why,
            result: await runCapacity({ ...common, lr: 2e-3, widths: [0.5, 1] }, w, session),
          });
          break;
        case "optimizer":
          out.experiments.push({
            protocol: "optimizer",
            why: p.why,
            result: await runOptimizerProbe(
              {
                ...common,
                grids: {
                  adamw: OPTIMIZER_GRIDS.adamw.slice(1),
                  sgd: OPTIMIZER_GRIDS.sgd.slice(1),
                  lion: OPTIMIZER_GRIDS.lion.slice(1),
                },
              },
              w,
              session,
            ),
          });
          break;
        case "cooldown": {
          const r = await proxyCooldown(common, dir, session);
          if (r)
            out.experiments.push({
              protocol: "cooldown",
              why: `${p.why} (no checkpoint with weights was given, so the probe runs on a proxy trained at constant LR on the same data)`,
              result: r,
            });
          break;
        }
      }
      const last = out.experiments[out.experiments.length - 1];
      if (last) session.log(`    ${last.protocol}: ${last.result.conclusion}`);
    }
  } else if (pipelineBroken)
    out.skipped.push({
      what: "experiments",
      why: "the overfit test found a pipeline bug: fix it first, every other experiment would measure the bug",
    });

  out.answer = answer(out, diagnoses);
  out.seconds = (performance.now() - t0) / 1000;
  out.interrupted = session.stopRequested();
  writeJsonAtomic(join(dir, "doctor.json"), out);
  writeFileAtomic(join(dir, "report.md"), doctorMarkdown(out, diagnoses));
  writeFileAtomic(join(dir, "report.html"), doctorHtml(out, diagnoses));
  parent.setSummary({ answer: out.answer.summary });
  parent.finish(session.stopRequested() ? "interrupted" : "completed");
  return out;
}

/** The experiments the ranked causes call for, most likely first, each once. */
export function planExperiments(
  hs: Hypothesis[],
  max: number,
): { protocol: ExperimentResult["protocol"]; why: string }[] {
  const out: { protocol: ExperimentResult["protocol"]; why: string }[] = [];
  for (const h of hs) {
    if (out.length >= max || h.confidence < 0.2) break;
    const name = h.next.command.split(/\s+/)[1];
    if (EXPERIMENTS.has(name) && !out.some((p) => p.protocol === name))
      out.push({
        protocol: name as ExperimentResult["protocol"],
        why: `${h.cause} (${h.confidence.toFixed(2)}): ${h.next.why}`,
      });
  }
  return out;
}

/** A proxy trained at constant LR on the data, then the cooldown probe from its checkpoint. */
async function proxyCooldown(
  common: SweepCommon,
  dir: string,
  session: Session,
): Promise<CooldownResult | undefined> {
  const baseDir = join(dir, "cooldown-base");
  const parent = createParent(dir, "cooldown-base", common.data[0], common, baseDir);
  const texts = await sweepSamples(common, parent.dir, session);
  const data = tokenizeSweep(common, texts);
  const ops = await createOps({ backend: common.backend, threads: common.threads });
  let ck: string | undefined;
  const lr = 2e-3;
  const steps = Math.max(1, Math.round((2 * common.tokens) / (common.batch * common.seqLen)));
  try {
    const model = sweepModel(common, data.tok);
    await runPoints(
      parent,
      [{ key: "constant", label: "constant-LR base", config: pointConfig(common, model, lr, steps) }],
      data,
      ops,
      session,
    );
    ck = latestCheckpoint(join(parent.dir, "constant", "checkpoints"));
  } finally {
    ops.dispose();
    parent.run.finish("completed");
  }
  if (!ck) return undefined;
  const r = await runCooldown(
    {
      ...common,
      checkpoint: ck,
      lr,
      steps: Math.max(10, Math.round(common.tokens / (common.batch * common.seqLen))),
      decay: "linear",
    },
    { runsDir: dir, out: join(dir, "cooldown") },
    session,
  );
  // the base is a short proxy run, not the user's plateau: say so wherever the conclusion is quoted
  return {
    ...r,
    conclusion: `on a proxy trained ${steps} steps at constant LR on the same data (not your checkpoint): ${r.conclusion}`,
  };
}

function modelFromFacts(
  cfg: Record<string, unknown> | undefined,
): { name: string; config: Qwen2Config } | null {
  if (!cfg) return null;
  try {
    return { name: "the run's config.json", config: parseQwen2Config(JSON.stringify(cfg), "config.json") };
  } catch {
    return null;
  }
}

function noiseLine(s: AuditSummary): string {
  return Object.entries(s.noise)
    .filter(([, v]) => v && v.docs > 0)
    .sort((a, b) => (b[1]?.docs ?? 0) - (a[1]?.docs ?? 0))
    .slice(0, 4)
    .map(([k, v]) => `${k} ${(100 * (v?.fraction ?? 0)).toFixed(1)}%`)
    .join(", ");
}

/** The answer: what the evidence of every step says, in order of weight. */
function answer(r: DoctorResult, ds: RunDiagnosis[]): DoctorResult["answer"] {
  const causes: string[] = [];
  const next: string[] = [];
  const of = r.overfit;
  if (of?.verdict === "fail") {
    const confirmed = confirmedBugs(of);
    if (confirmed.length) {
      for (const c of confirmed) causes.push(`pipeline bug — ${c.description} (${c.evidence[0]})`);
      next.push("fix the pipeline bug, then rerun `plateau overfit` until it passes");
    } else {
      const other = of.causes
        .filter((c) => c.status === "confirmed" || c.status === "likely")
        .map((c) => c.description);
      causes.push(
        `the overfit test failed without a pipeline bug found by its checks (loss ${of.initial_loss.toFixed(2)} → ${of.final_loss.toFixed(2)}, memorisation ${(100 * of.memorization).toFixed(0)}%)${other.length ? `; it points to: ${other.join("; ")}` : ""}`,
      );
      next.push(
        `rerun \`plateau overfit --resume ${of.run_dir}\` with more epochs, or inspect ${of.run_dir}/report.md`,
      );
    }
  }
  for (const d of ds) {
    for (const f of d.findings
      .filter((x) => x.severity === "critical" || x.severity === "warning")
      .slice(0, 4))
      causes.push(`${f.rule}: ${f.evidence.summary}`);
  }
  for (const e of r.experiments) causes.push(`${e.protocol}: ${e.result.conclusion}`);
  const top = ds.flatMap((d) => d.hypotheses).sort((a, b) => b.confidence - a.confidence);
  for (const h of top.slice(0, 2)) next.push(`${h.next.command} — ${h.next.why}`);
  if (r.audit && r.audit.totals.flagged / Math.max(1, r.audit.totals.docs) > 0.2)
    next.push(
      `clean the corpus: ${r.audit.totals.flagged} of ${r.audit.totals.docs} documents are flagged (see ${r.audit.report}); \`plateau select\` keeps the best`,
    );
  let summary: string;
  const bugs = confirmedBugs(of);
  if (bugs.length) summary = `Your pipeline has a bug: ${bugs[0].description}. Fix it before anything else.`;
  else if (top.length)
    summary = `The pipeline ${of ? (of.verdict === "pass" ? "passes the overfit test" : "did not pass the overfit test") : "was not tested"}; the logs point first to ${top[0].cause.replaceAll("-", " ")} (confidence ${top[0].confidence.toFixed(2)})${r.experiments.length ? `, and the experiments say: ${r.experiments.map((e) => `${e.protocol} — ${e.result.conclusion}`).join("; ")}` : "."}`;
  else
    summary = of
      ? `The overfit test ${of.verdict === "pass" ? "passes: the pipeline can learn" : "fails"}.`
      : "Nothing to conclude.";
  return { summary, causes, next };
}
