import type { RunDiagnosis } from "../diagnose/diagnose.js";
import { paramCount, tokensPerStep, vocabSize } from "../diagnose/facts.js";
import { RULES } from "../diagnose/rules/index.js";
import type { Finding, Hypothesis } from "../diagnose/types.js";
import type { ChartSpec } from "./chart-spec.js";
import { type Html, html } from "./html.js";
import { stepsText } from "./markdown.js";
import { chartSlot, logXSwitch, renderPage } from "./page.js";
import { runChartSpecs } from "./run-charts.js";

export interface DiagnosisReportOptions {
  /** Chart width in pixels for downsampling (default 1000). */
  width?: number;
  /** plateau's version, for the footer. */
  version?: string;
  /** ISO time of the report (default now). */
  generatedAt?: string;
  title?: string;
}

export interface ReportSection {
  body: Html;
  charts: ChartSpec[];
}

function fmtNum(x: number | undefined, digits = 3): string {
  if (x === undefined || !Number.isFinite(x)) return "—";
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return Math.round(x).toLocaleString("en-US");
  if (a !== 0 && a < 1e-2) return x.toExponential(1);
  return Number(x.toPrecision(digits)).toString();
}

export function findingsTable(findings: Finding[]): Html {
  if (findings.length === 0) return html`<p class="muted">No findings.</p>`;
  return html`<table>
<thead><tr><th>severity</th><th>rule</th><th>what plateau found</th><th>steps</th><th>confidence</th></tr></thead>
<tbody>${findings.map(
    (f) =>
      html`<tr><td><span class="badge ${f.severity}">${f.severity}</span></td><td class="rule">${f.rule}</td><td>${f.evidence.summary}</td><td class="num">${stepsText(f.steps)}</td><td class="num">${f.confidence.toFixed(2)}</td></tr>`,
  )}</tbody>
</table>`;
}

function bar(conf: number): Html {
  return html`<span class="bar"><span style="width:${Math.round(conf * 100)}%"></span></span>`;
}

export function nextCommand(h: Hypothesis): Html {
  return html`<pre class="cmd">${h.next.command}</pre>${h.next.available ? "" : html`<span class="planned">not yet available in this version of plateau</span> `}<span class="muted">${h.next.why}</span>`;
}

export function hypothesesList(hs: Hypothesis[]): Html {
  return html`${hs.map(
    (h, i) => html`<div class="card">
<h3>${i + 1}. ${h.cause} ${bar(h.confidence)} <span class="muted">${h.confidence.toFixed(2)}</span></h3>
${
  h.evidence_for.length || h.evidence_against.length
    ? html`<ul class="evidence">${h.evidence_for.map((e) => html`<li><span class="for">for</span> ${e}</li>`)}${h.evidence_against.map((e) => html`<li><span class="against">against</span> ${e}</li>`)}</ul>`
    : html`<p class="muted">No evidence either way.</p>`
}
${nextCommand(h)}
</div>`,
  )}`;
}

function factsLine(d: RunDiagnosis): Html {
  const a = d.analysis;
  const f = a.facts;
  const parts: [string, string][] = [];
  const N = paramCount(f);
  if (N !== undefined) parts.push(["parameters", fmtNum(N)]);
  const V = vocabSize(f);
  if (V !== undefined) parts.push(["vocabulary", V.toLocaleString("en-US")]);
  const tps = tokensPerStep(f);
  if (tps !== undefined) parts.push(["tokens/step", fmtNum(tps)]);
  if (f.grad_accum_steps !== undefined) parts.push(["grad accumulation", String(f.grad_accum_steps)]);
  if (f.precision) parts.push(["precision", f.precision]);
  parts.push(["LR schedule", a.schedule.description]);
  if (a.train) parts.push(["train points", a.train.step.length.toLocaleString("en-US")]);
  if (a.eval) parts.push(["eval points", a.eval.step.length.toLocaleString("en-US")]);
  return html`<p class="muted">${parts.map(([k, v], i) => html`${i ? " · " : ""}${k} <b>${v}</b>`)}</p>`;
}

/**
 * One run's section of a report: name and source, facts, the leading cause with its next command, the findings
 * table, the charts and all ranked causes. The doctor's report embeds these sections as they are.
 */
export function runSection(d: RunDiagnosis, index: number, opts: DiagnosisReportOptions = {}): ReportSection {
  const m = d.analysis.run.manifest;
  const charts = runChartSpecs(d, { width: opts.width ?? 1000, idPrefix: `run${index}` });
  const top = d.hypotheses[0];
  const gaNote =
    d.analysis.gaFactor !== 1
      ? html`<p class="legend-note">The training loss is drawn divided by ${d.analysis.gaFactor} (gradient-accumulation logging bug, see the findings).</p>`
      : "";
  const body = html`<section>
<h2>${m.name}</h2>
<p class="sub">${m.source.path ?? m.source.kind} · ${m.source.format ?? m.source.kind}</p>
${factsLine(d)}
${
  top
    ? html`<div class="card"><h3>Most likely: ${top.cause} ${bar(top.confidence)} <span class="muted">${top.confidence.toFixed(2)}</span></h3>${nextCommand(top)}</div>`
    : ""
}
<h3>Findings</h3>
${findingsTable(d.findings)}
<h3>Curves</h3>
<p class="legend-note">Smoothed from every logged point, then reduced to the chart's pixels by min/max (M4) — no point is sampled away, so spikes stay visible. Shaded: plateaus and problem stretches; ▲ spikes; dashed verticals: change points (PELT); dashed purple: the power-law fit L(t) = L∞ + a·t^−b and its projection.</p>
${gaNote}
${charts.map((c) => chartSlot(c.id))}
<h3>Ranked causes</h3>
${hypothesesList(d.hypotheses)}
</section>`;
  return { body, charts };
}

/** What each rule checks, for the method section. */
export function methodSection(): Html {
  return html`<h2>Method</h2>
<p class="muted">Trends are slopes of loss against log₂(step) with Newey–West (HAC, Andrews lag) intervals, checked by Mann–Kendall with the Hamed–Rao correction and Sen's slope; change points by PELT; spikes by robust z-scores of residuals from a running median, coupled with gradient-norm spikes; the learning curve L(t) = L∞ + a·t^−b is fitted on constant-LR stretches only.</p>
<table><thead><tr><th>rule</th><th>checks</th></tr></thead><tbody>${RULES.map((r) => html`<tr><td class="rule">${r.id}</td><td>${r.title}</td></tr>`)}</tbody></table>`;
}

/** The self-contained report.html of `plateau diagnose --out DIR`. */
export function diagnosisReportHtml(ds: RunDiagnosis[], opts: DiagnosisReportOptions = {}): string {
  const sections = ds.map((d, i) => runSection(d, i, opts));
  const when = opts.generatedAt ?? new Date().toISOString();
  const body = html`<header>
<h1>${opts.title ?? "Why is the loss stuck? — plateau diagnose"}</h1>
<p class="sub">${ds.length} run${ds.length === 1 ? "" : "s"} · ${when.replace("T", " ").slice(0, 19)} UTC</p>
</header>
<div class="controls">${logXSwitch()}</div>
${sections.map((s) => s.body)}
${methodSection()}
<footer>Generated by plateau${opts.version ? ` ${opts.version}` : ""}. Every number above comes from the logs and the facts beside them; nothing is sampled away.</footer>`;
  return renderPage({
    title: `plateau diagnose — ${ds.map((d) => d.analysis.name).join(", ")}`,
    body,
    charts: sections.flatMap((s) => s.charts),
  });
}
