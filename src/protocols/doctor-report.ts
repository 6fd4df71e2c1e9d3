import type { RunDiagnosis } from "../diagnose/diagnose.js";
import type { ChartSpec } from "../report/chart-spec.js";
import { PALETTE } from "../report/chart-spec.js";
import { runSection } from "../report/diagnosis-report.js";
import { type Html, html } from "../report/html.js";
import { escapeMarkdown, findingsMarkdown, hypothesesMarkdown } from "../report/markdown.js";
import { chartSlot, logXSwitch, renderPage } from "../report/page.js";
import type { DoctorResult } from "./doctor.js";
import { overfitMarkdown } from "./overfit-report.js";
import type { PointResult } from "./sweep.js";

/** The doctor's report.md: the answer first, then the evidence of every step. */
export function doctorMarkdown(r: DoctorResult, ds: RunDiagnosis[]): string {
  const L: string[] = [];
  L.push(`# ${r.question}`, "", `**${r.answer.summary}**`, "");
  if (r.answer.causes.length) {
    L.push("## What the evidence says", "");
    for (const c of r.answer.causes) L.push(`- ${escapeMarkdown(c)}`);
    L.push("");
  }
  if (r.answer.next.length) {
    L.push("## What to do next", "");
    for (const n of r.answer.next) L.push(`1. ${n}`);
    L.push("");
  }
  L.push("## What was run", "");
  L.push(
    `- diagnosis of the logs: ${r.diagnosis ? `${r.diagnosis.runs.length} run(s), ${r.diagnosis.findings.length} findings` : "skipped"}`,
  );
  L.push(
    `- data audit: ${r.audit ? `${r.audit.totals.docs} documents, ${r.audit.totals.flagged} flagged (${r.audit.report})` : "skipped"}`,
  );
  L.push(`- overfit test: ${r.overfit ? `${r.overfit.verdict} (${r.overfit.run_dir})` : "skipped"}`);
  for (const e of r.experiments) L.push(`- ${e.protocol}: ${e.result.run_dir} — because ${e.why}`);
  for (const s of r.skipped) L.push(`- skipped ${s.what}: ${s.why}`);
  for (const s of r.handed_back ?? []) L.push(`- not run here: ${s.what} (\`${s.command}\`): ${s.why}`);
  L.push(`- total time ${Math.round(r.seconds)} s`, "");
  for (const d of ds) {
    L.push(
      `## Diagnosis: ${escapeMarkdown(d.analysis.name)}`,
      "",
      findingsMarkdown(d.findings),
      "### Ranked causes",
      "",
      hypothesesMarkdown(d.hypotheses),
    );
  }
  if (r.overfit) L.push(overfitMarkdown(r.overfit).replace(/^# /, "## "), "");
  for (const e of r.experiments) {
    L.push(`## ${e.protocol}`, "", `Why: ${e.why}`, "", `**${e.result.conclusion}**`, "");
    if (e.result.points.length) L.push(pointsMarkdown(e.result.points), "");
  }
  return L.join("\n");
}

function pointsMarkdown(ps: PointResult[]): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));
  return [
    "| run | val loss | best val (step) | train loss | steps | tokens | |",
    "|---|---|---|---|---|---|---|",
    ...ps.map(
      (p) =>
        `| ${p.label} | ${f(p.val_loss)} | ${f(p.best_val_loss)} (${p.best_step}) | ${f(p.train_loss)} | ${p.steps} | ${p.tokens} | ${p.diverged ? "diverged" : p.stopped_early ? "stopped early" : ""} |`,
    ),
  ].join("\n");
}

/** The doctor's report.html: self-contained, with the diagnosis charts and the overfit curve. */
export function doctorHtml(r: DoctorResult, ds: RunDiagnosis[]): string {
  const sections = ds.map((d, i) => runSection(d, i));
  const charts: ChartSpec[] = sections.flatMap((s) => s.charts);
  let overfitBody: Html | string = "";
  if (r.overfit) {
    const of = r.overfit;
    const x = of.epochs.map((e) => e.epoch);
    charts.push({
      id: "doctor-overfit-loss",
      title: "Overfit test: loss on the samples after each epoch",
      xLabel: "epoch",
      yLabel: "loss (nats)",
      series: [{ label: "loss", x, y: of.epochs.map((e) => e.loss), color: PALETTE.train, points: true }],
      lines: [{ y: of.criteria.max_loss, label: "criterion", color: PALETTE.eval }],
    });
    charts.push({
      id: "doctor-overfit-mem",
      title: "Overfit test: memorisation (greedy reproduction of the samples)",
      xLabel: "epoch",
      yLabel: "share of tokens",
      series: [
        {
          label: "memorisation",
          x,
          y: of.epochs.map((e) => e.memorization),
          color: PALETTE.lr,
          points: true,
        },
        { label: "exact prefix", x, y: of.epochs.map((e) => e.prefix), color: PALETTE.grad, points: true },
      ],
      lines: [{ y: of.criteria.min_memorization, label: "criterion", color: PALETTE.eval }],
    });
    overfitBody = html`<section><h2>Overfit test: ${of.verdict.toUpperCase()}</h2>
<p>${of.model.reason}. ${of.data.samples} samples → ${of.data.blocks} blocks × ${of.data.seq_len} tokens; ${of.training.epochs} epochs, ${of.training.steps} steps in ${Math.round(of.training.seconds)} s.</p>
<table><thead><tr><th>criterion</th><th>value</th><th>threshold</th><th></th></tr></thead><tbody>${of.criteria.outcomes.map((o) => html`<tr><td>${o.name}</td><td>${o.value.toFixed(4)}</td><td>${o.threshold}</td><td>${o.passed ? "pass" : "FAIL"}</td></tr>`)}</tbody></table>
${chartSlot("doctor-overfit-loss")}${chartSlot("doctor-overfit-mem")}
${of.causes.length ? html`<h3>Likely causes</h3><ul>${of.causes.map((c) => html`<li><b>${c.status}</b> — ${c.description}<ul>${c.evidence.map((e) => html`<li>${e}</li>`)}</ul></li>`)}</ul>` : ""}
<h3>Pipeline checks</h3><table><thead><tr><th>check</th><th>status</th><th>detail</th></tr></thead><tbody>${of.checks.map((c) => html`<tr><td>${c.title}</td><td>${c.status}</td><td>${c.detail}</td></tr>`)}</tbody></table>
</section>`;
  }
  const experiments = r.experiments.map(
    (
      e,
    ) => html`<section><h2>${e.protocol}</h2><p class="muted">Why: ${e.why}</p><p><b>${e.result.conclusion}</b></p>
<table><thead><tr><th>run</th><th>val loss</th><th>best val</th><th>train loss</th><th>steps</th><th></th></tr></thead><tbody>${e.result.points.map(
      (p) =>
        html`<tr><td>${p.label}</td><td>${p.val_loss.toFixed(4)}</td><td>${p.best_val_loss.toFixed(4)}</td><td>${p.train_loss.toFixed(4)}</td><td>${p.steps}</td><td>${p.diverged ? "diverged" : p.stopped_early ? "stopped early" : ""}</td></tr>`,
    )}</tbody></table><p class="muted">${e.result.run_dir}</p></section>`,
  );
  const audit = r.audit
    ? html`<section><h2>Data audit</h2><p>${r.audit.totals.docs} documents, ${r.audit.totals.flagged} flagged; ${r.audit.duplicates.exact} exact and ${r.audit.duplicates.near} near duplicates. Details: ${r.audit.report}</p>
<table><thead><tr><th>noise kind</th><th>documents</th><th>share</th></tr></thead><tbody>${Object.entries(r.audit.noise).map(([k, v]) => html`<tr><td>${k}</td><td>${v?.docs ?? 0}</td><td>${(100 * (v?.fraction ?? 0)).toFixed(1)}%</td></tr>`)}</tbody></table></section>`
    : "";
  const body = html`<header><h1>${r.question}</h1><p class="sub">plateau doctor · ${Math.round(r.seconds)} s · ${r.run_dir}</p></header>
<div class="card"><h3>${r.answer.summary}</h3>
${r.answer.next.length ? html`<p><b>Next:</b></p><ol>${r.answer.next.map((n) => html`<li>${n}</li>`)}</ol>` : ""}</div>
<h2>What the evidence says</h2><ul>${r.answer.causes.map((c) => html`<li>${c}</li>`)}</ul>
${r.skipped.length ? html`<p class="muted">Skipped: ${r.skipped.map((s) => `${s.what} (${s.why})`).join("; ")}</p>` : ""}
${r.handed_back?.length ? html`<h2>Experiments to run at your scale</h2><ul>${r.handed_back.map((s) => html`<li><code>${s.command}</code> — ${s.what}: ${s.why}</li>`)}</ul>` : ""}
<div class="controls">${logXSwitch()}</div>
${sections.map((s) => s.body)}
${audit}
${overfitBody}
${experiments}
<footer>Generated by plateau doctor. Every number comes from the logs, the corpus or the runs in ${r.run_dir}.</footer>`;
  return renderPage({ title: "plateau doctor", body, charts });
}
