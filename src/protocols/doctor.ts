import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { AuditSummary } from "../data/audit/summary.js";
import { diagnoseRuns, diagnosisJson, type RunDiagnosis, withObservations } from "../diagnose/diagnose.js";
import type { DiagnosisJson, Hypothesis, Observation } from "../diagnose/types.js";
import { parseQwen2Config, type Qwen2Config } from "../engine/config.js";
import { ingestPaths } from "../logs/ingest.js";
import { newRunId } from "../runs/root.js";
import { RunWriter } from "../runs/rundir.js";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import { loadStoredSamples, type SampleFiles, selectAndStore } from "./dataset.js";
import {
  auditObservation,
  CAUSE_TEXT,
  type DoctorProtocol,
  noiseLine,
  type PlanSkip,
  planDoctorExperiments,
} from "./doctor-evidence.js";
import { doctorHtml, doctorMarkdown } from "./doctor-report.js";
import { shellQuote } from "./external-process.js";
import { type LadderResult, ladderSizes, runLadder } from "./ladder.js";
import { OPTIMIZER_GRIDS, type OptimizerResult, runOptimizerProbe } from "./optimizer.js";
import {
  DEFAULT_OVERFIT,
  type OverfitResult,
  type OverfitSettings,
  overfitSamples,
  resumeOverfit,
  runOverfit,
} from "./overfit.js";
import type { Session } from "./session.js";
import type { SweepCommon } from "./sweep.js";

/**
 * `plateau doctor`: the whole method in one command, answering "why is my loss stuck, and what do I do next".
 *
 *  1. diagnose the run's logs (rules → findings → ranked causes, each with the experiment that settles it);
 *  2. audit the corpus (noise by kind, duplicates, languages) in the same pass that selects the overfit test's
 *     samples; the audit joins the logs' evidence and the causes are ranked again;
 *  3. the overfit test on the best samples (a pipeline that cannot memorise is broken: nothing else matters
 *     until that is fixed);
 *  4. the experiments the ranked causes call for that a proxy can settle (data ladder, optimizer probe; at most
 *     `experiments`, most likely cause first, within the time budget) on the embedded engine; the others
 *     (cooldown, capacity, LR sweep) are handed back as commands with the reason;
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
  /** Held-out validation documents of the experiments (default 60). */
  heldOut?: number;
  /** Seconds the experiments may take together (estimated from the overfit test's speed); 0: no limit. */
  experimentSeconds?: number;
  seqLen: number;
  threads?: number;
  backend?: "wasm" | "ref";
  /** Which plateau commands exist (for the hypotheses' next steps). */
  available: (command: string) => boolean;
}

export type ExperimentResult =
  | { protocol: "ladder"; why: string; result: LadderResult }
  | { protocol: "optimizer"; why: string; result: OptimizerResult };

export interface DoctorResult {
  question: string;
  run_dir: string;
  /** The corpus examined (--data). */
  data: string[];
  answer: { summary: string; causes: string[]; next: string[] };
  diagnosis?: DiagnosisJson;
  audit?: Pick<AuditSummary, "totals" | "noise" | "duplicates" | "languages"> & { report: string };
  overfit?: OverfitResult;
  experiments: ExperimentResult[];
  skipped: { what: string; why: string }[];
  /** Experiments the ranking calls for that a proxy cannot settle: why, and the command to run them. */
  handed_back: PlanSkip[];
  seconds: number;
  interrupted: boolean;
}

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

/** The settings a doctor directory keeps, so `--resume DIR` repeats the same steps. */
const SETTINGS_FILE = "doctor-settings.json";
type StoredSettings = Omit<DoctorSettings, "available">;

function storedSettings(s: DoctorSettings): StoredSettings {
  const { available: _, ...rest } = s;
  return rest;
}

/** The settings of an interrupted doctor run, for `--resume DIR`. */
export function storedDoctorSettings(dir: string): StoredSettings {
  const f = join(dir, SETTINGS_FILE);
  if (!existsSync(f))
    throw new UserError("not a plateau doctor directory (no doctor-settings.json)", { file: dir });
  return JSON.parse(readFileSync(f, "utf8")) as StoredSettings;
}

/**
 * `where.resume`: continue the doctor run in that directory — the audit's summary is reused, the overfit test
 * and each experiment resume from their own checkpoints, finished experiments are read back.
 */
export async function runDoctor(
  settings: DoctorSettings,
  where: { runsDir: string; out?: string; resume?: string },
  session: Session,
): Promise<DoctorResult> {
  const t0 = performance.now();
  if (!settings.run.length && !settings.data.length)
    throw new UserError("give the run's logs with --run, the corpus with --data, or both", {
      field: "--run",
    });
  for (const [field, paths] of [
    ["--run", settings.run],
    ["--data", settings.data],
  ] as const)
    for (const p of paths)
      if (!existsSync(p)) throw new UserError("no such file or directory", { file: p, field });
  const dir = where.resume ?? where.out ?? join(where.runsDir, newRunId("doctor"));
  mkdirSync(dir, { recursive: true });
  const parent = where.resume
    ? RunWriter.resume(dir, 0)
    : RunWriter.create(dir, { id: basename(dir), name: "doctor", protocol: "doctor" });
  if (!where.resume) writeJsonAtomic(join(dir, SETTINGS_FILE), storedSettings(settings));
  const out: DoctorResult = {
    question: "Why is my loss stuck, and what do I do next?",
    run_dir: dir,
    data: settings.data,
    answer: { summary: "", causes: [], next: [] },
    experiments: [],
    skipped: [],
    handed_back: [],
    seconds: 0,
    interrupted: false,
  };
  session.log(`plateau doctor → ${dir}`);
  try {
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

    // 2. audit (its result joins the logs' evidence, and the causes are ranked again)
    let auditObs: Observation | undefined;
    let ofSelection: SampleFiles | undefined;
    const ofDir = join(dir, "overfit");
    if (settings.data.length) {
      session.log(`2/4 auditing ${settings.data.join(", ")}`);
      const auditDir = join(dir, "audit");
      const stored = join(auditDir, "summary.json");
      let summary: AuditSummary;
      if (where.resume && existsSync(stored)) summary = JSON.parse(readFileSync(stored, "utf8"));
      else {
        // one pass over the corpus does both: the audit, and the overfit test's selection (which audits anyway)
        ofSelection = await selectAndStore(settings.data, settings.overfit.n, ofDir, session, {
          field: settings.field,
          auditOut: auditDir,
        });
        summary = JSON.parse(readFileSync(stored, "utf8"));
      }
      out.audit = {
        totals: summary.totals,
        noise: summary.noise,
        duplicates: summary.duplicates,
        languages: summary.languages,
        report: join(auditDir, "report.md"),
      };
      auditObs = auditObservation(summary);
      if (diagnoses.length) {
        diagnoses = diagnoses.map((d) => withObservations(d, [auditObs as Observation], settings.available));
        out.diagnosis = diagnosisJson(diagnoses);
      }
      const t = summary.totals;
      session.log(
        `    ${t.docs} documents, ${t.flagged} flagged (${((100 * t.flagged) / Math.max(1, t.docs)).toFixed(1)}%): ${noiseLine(summary)}`,
      );
      if (diagnoses.length)
        session.log(
          `    with the audit as evidence: ${rankedCauses(diagnoses, auditObs)
            .slice(0, 3)
            .map((h) => `${h.cause} (${h.confidence.toFixed(2)})`)
            .join(", ")}`,
        );
    } else out.skipped.push({ what: "audit, overfit test and experiments", why: "no --data corpus given" });

    // 3. overfit test
    if (settings.data.length && !session.stopRequested()) {
      session.log(`3/4 overfit test: ${settings.overfit.n} best samples × ${settings.overfit.epochs} epochs`);
      const finished = join(ofDir, "result.json");
      const ofSettings: OverfitSettings = {
        ...DEFAULT_OVERFIT,
        data: settings.data,
        field: settings.field,
        model,
        n: settings.overfit.n,
        epochs: settings.overfit.epochs,
        seqLen: settings.overfit.seqLen,
        threads: settings.threads,
        backend: settings.backend,
      };
      if (existsSync(finished)) out.overfit = JSON.parse(readFileSync(finished, "utf8")) as OverfitResult;
      else if (existsSync(join(ofDir, "run.json"))) out.overfit = await resumeOverfit(ofDir, session);
      else if (ofSelection) {
        const s = ofSelection.selection;
        session.log(
          `  selected the ${ofSelection.texts.length} best of ${s.read} documents in the audit's pass (lowest score kept ${s.min_score.toFixed(3)})`,
        );
        out.overfit = await overfitSamples(ofSettings, ofSelection.texts, ofDir, session, s);
      } else if (existsSync(join(ofDir, "data", "train.jsonl")))
        out.overfit = await overfitSamples(ofSettings, loadStoredSamples(ofDir), ofDir, session);
      else out.overfit = await runOverfit(ofSettings, { runsDir: dir, out: ofDir }, session);
      session.log(
        `    verdict: ${out.overfit.verdict.toUpperCase()} (loss ${out.overfit.initial_loss.toFixed(3)} → ${out.overfit.final_loss.toFixed(3)}, memorisation ${(100 * out.overfit.memorization).toFixed(0)}%)`,
      );
    }

    // 4. the experiments the ranked causes call for (only those a proxy can settle; the others become commands)
    const pipelineBroken = confirmedBugs(out.overfit).length > 0;
    const ranked = rankedCauses(diagnoses, out.audit ? auditObs : undefined, settings.data);
    const plan = planDoctorExperiments(ranked, settings.experiments, experimentBudget(settings, out.overfit));
    out.handed_back = plan.skipped.map((x) => ({ ...x, command: withData(x.command, settings.data) }));
    if (settings.data.length && !pipelineBroken && !session.stopRequested()) {
      session.log(
        `4/4 experiments: ${plan.run.length ? plan.run.map((p) => p.protocol).join(", ") : "none a proxy can settle"}`,
      );
      for (const s of out.handed_back) session.log(`    not run here: ${s.what} — ${s.command}`);
      const common: SweepCommon = {
        data: settings.data,
        field: settings.field,
        n: 400,
        heldOut: settings.heldOut ?? 60,
        model,
        seqLen: settings.seqLen,
        batch: 4,
        tokens: settings.experimentTokens,
        seed: 0,
        evalEvery: 10,
        threads: settings.threads,
        backend: settings.backend,
      };
      for (const p of plan.run) {
        if (session.stopRequested()) break;
        const at = { runsDir: dir, out: join(dir, p.protocol) };
        const done = join(at.out, "result.json");
        if (existsSync(done)) {
          const result = JSON.parse(readFileSync(done, "utf8"));
          if (result.status === "completed") {
            out.experiments.push({ protocol: p.protocol, why: p.why, result } as ExperimentResult);
            continue;
          }
        }
        const w = existsSync(join(at.out, "run.json")) ? { ...at, resume: at.out } : at;
        if (p.protocol === "ladder")
          out.experiments.push({
            protocol: "ladder",
            why: p.why,
            result: await runLadder({ ...common, sizes: LADDER_SIZES, lr: 2e-3, patience: 3 }, w, session),
          });
        else
          out.experiments.push({
            protocol: "optimizer",
            why: p.why,
            result: await runOptimizerProbe(
              {
                ...common,
                grids: DOCTOR_OPTIMIZER_GRIDS,
              },
              w,
              session,
            ),
          });
        const last = out.experiments[out.experiments.length - 1];
        if (last) session.log(`    ${last.protocol}: ${last.result.conclusion}`);
      }
    } else if (pipelineBroken)
      out.skipped.push({
        what: "experiments",
        why: "the overfit test found a pipeline bug: fix it first, every other experiment would measure the bug",
      });

    out.answer = answer(out, diagnoses, ranked, auditObs);
    out.seconds = (performance.now() - t0) / 1000;
    out.interrupted = session.stopRequested();
    writeJsonAtomic(join(dir, "doctor.json"), out);
    writeFileAtomic(join(dir, "report.md"), doctorMarkdown(out, diagnoses));
    writeFileAtomic(join(dir, "report.html"), doctorHtml(out, diagnoses));
    parent.setSummary({ answer: out.answer.summary });
    parent.finish(session.stopRequested() ? "interrupted" : "completed");
  } catch (e) {
    // a failed step (bad input, a trainer error) must not leave the doctor's run looking alive
    parent.finish("failed");
    throw e;
  }
  return out;
}

/** Training runs each doctor experiment makes (ladder: raw and selected per rung; optimizer: two LRs each). */
const LADDER_SIZES = ladderSizes(50, 200);
const DOCTOR_OPTIMIZER_GRIDS = {
  adamw: OPTIMIZER_GRIDS.adamw.slice(1),
  sgd: OPTIMIZER_GRIDS.sgd.slice(1),
  lion: OPTIMIZER_GRIDS.lion.slice(1),
};
const RUNS: Record<DoctorProtocol, number> = {
  ladder: 2 * LADDER_SIZES.length,
  optimizer: Object.values(DOCTOR_OPTIMIZER_GRIDS).reduce((n, g) => n + g.length, 0),
};
/** Evaluation and selection on top of the training tokens (measured on the demo: ~20%). */
const EXPERIMENT_OVERHEAD = 1.2;

/** The experiment budget, each experiment priced at the overfit test's training speed (the same proxy). */
function experimentBudget(
  s: DoctorSettings,
  of: OverfitResult | undefined,
): { seconds: number; cost: (p: DoctorProtocol) => number } | undefined {
  const tps = of?.training.tokens_per_s;
  if (!s.experimentSeconds || !tps) return undefined;
  return {
    seconds: s.experimentSeconds,
    cost: (p) => (RUNS[p] * s.experimentTokens * EXPERIMENT_OVERHEAD) / tps,
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

/**
 * The causes ranked over every run's logs and the audit; without logs, the audit alone speaks for or against
 * data quality (same noisy-OR as the diagnosis: prior 0.05, one observation).
 */
export function rankedCauses(
  ds: RunDiagnosis[],
  audit: Observation | undefined,
  data: string[] = [],
): Hypothesis[] {
  const hs = ds.flatMap((d) => d.hypotheses).sort((a, b) => b.confidence - a.confidence);
  if (hs.length || !audit?.supports) return hs;
  return [
    {
      cause: "data-quality",
      confidence: Math.round((1 - 0.95 * (1 - audit.weight)) * 100) / 100,
      evidence_for: [audit.text],
      evidence_against: [],
      next: {
        command: withData("plateau ladder --data <DATA>", data),
        why: "train on growing slices of raw and of selected data against one held-out set: the gap is what the noise costs",
        available: true,
      },
      run: "corpus",
    },
  ];
}

/** A hypothesis's command with the corpus filled in where the logs did not name it. */
function withData(cmd: string, data: string[]): string {
  if (!data.length || !cmd.includes("<DATA>")) return cmd;
  return cmd.replace("<DATA>", data.map(shellQuote).join(" "));
}

/** The commands the doctor itself has just run: not worth recommending again. */
const DONE_BY_DOCTOR = new Set(["audit", "doctor", "overfit"]);

/** The answer: what the evidence of every step says, in order of weight, and what to run next. */
function answer(
  r: DoctorResult,
  ds: RunDiagnosis[],
  ranked: Hypothesis[],
  audit: Observation | undefined,
): DoctorResult["answer"] {
  const causes: string[] = [];
  const next: string[] = [];
  const of = r.overfit;
  const bugs = confirmedBugs(of);
  if (of?.verdict === "fail") {
    if (bugs.length) {
      for (const c of bugs) causes.push(`pipeline bug — ${c.description} (${c.evidence[0]})`);
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
  } else if (of)
    causes.push(
      `overfit test passed: loss ${of.initial_loss.toFixed(2)} → ${of.final_loss.toFixed(3)} on the ${of.data.samples} best samples${of.model.proxy ? " (proxy model)" : ""}, ${(100 * of.memorization).toFixed(0)}% of their continuations reproduced — the pipeline (labels, mask, optimizer, tokenizer) can learn`,
    );
  for (const d of ds)
    for (const f of d.findings
      .filter((x) => x.severity === "critical" || x.severity === "warning")
      .slice(0, 4))
      causes.push(`${f.rule}: ${f.evidence.summary}`);
  if (audit) causes.push(audit.text);
  for (const e of r.experiments) causes.push(`${e.protocol}: ${e.result.conclusion}`);

  if (!bugs.length) {
    const flagged = r.audit ? r.audit.totals.flagged / Math.max(1, r.audit.totals.docs) : 0;
    const ladder = r.experiments.find((e) => e.protocol === "ladder")?.result as LadderResult | undefined;
    const penalties = (ladder?.rungs ?? []).flatMap((g) =>
      g.noise_penalty === undefined ? [] : [g.noise_penalty],
    );
    const penalty = penalties.length ? penalties.reduce((x, y) => x + y, 0) / penalties.length : undefined;
    const clean = r.audit
      ? `clean the corpus: ${r.audit.totals.flagged} of ${r.audit.totals.docs} documents are flagged (see ${r.audit.report})${penalty !== undefined && penalty > 0 ? ` and raw data cost ${penalty.toFixed(3)} nats of validation loss against selected data in the ladder` : ""}; \`plateau select\` keeps the best`
      : undefined;
    const push = (line: string) => {
      if (!next.includes(line)) next.push(line);
    };
    for (const h of ranked.slice(0, 3)) {
      if (h.confidence < 0.2) break;
      const name = h.next.command.split(/\s+/)[1];
      if (h.cause === "data-quality" && clean && (flagged > 0.2 || (penalty ?? 0) > 0)) {
        push(clean);
        if (ladder) continue;
      }
      if (DONE_BY_DOCTOR.has(name) || (name === "ladder" && ladder)) continue;
      push(`${withData(h.next.command, r.data)} — ${h.next.why}`);
    }
    if (clean && flagged > 0.2) push(clean);
  }

  let summary: string;
  if (bugs.length) summary = `Your pipeline has a bug: ${bugs[0].description}. Fix it before anything else.`;
  else {
    const parts: string[] = [];
    parts.push(
      of
        ? of.verdict === "pass"
          ? "The pipeline passes the overfit test, so it can learn."
          : "The pipeline did not pass the overfit test, and its checks found no bug."
        : "The pipeline was not tested (no --data).",
    );
    const top = ranked.filter((h) => h.confidence >= 0.2).slice(0, 2);
    if (top.length)
      parts.push(
        `The evidence points first to ${CAUSE_TEXT[top[0].cause]} (confidence ${top[0].confidence.toFixed(2)})${top[1] ? `, then ${CAUSE_TEXT[top[1].cause]} (${top[1].confidence.toFixed(2)})` : ""}.`,
      );
    for (const e of r.experiments) parts.push(`The ${e.protocol} probe: ${e.result.conclusion}`);
    if (next.length) parts.push(`Next: ${next[0].split(" — ")[0]}.`);
    summary = parts.join(" ");
  }
  return { summary, causes, next };
}
