import type { RunDiagnosis } from "../diagnose/diagnose.js";
import type { Finding, Hypothesis } from "../diagnose/types.js";

/**
 * Markdown for findings and hypotheses (the doctor's report, issue comments, terminals that render it). Text
 * from logs is escaped so a run name cannot break a table or inject markup.
 */
export function escapeMarkdown(s: string): string {
  return s.replace(/([\\`*_{}[\]<>|#])/g, "\\$1").replace(/\r?\n/g, " ");
}

export function stepsText(steps: [number, number][]): string {
  if (steps.length === 0) return "—";
  const t = steps.slice(0, 4).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`));
  return steps.length > 4 ? `${t.join(", ")}, …` : t.join(", ");
}

export function findingsMarkdown(findings: Finding[]): string {
  if (findings.length === 0) return "No findings.\n";
  const rows = findings.map(
    (f) =>
      `| ${f.severity} | \`${f.rule}\` | ${f.confidence.toFixed(2)} | ${stepsText(f.steps)} | ${escapeMarkdown(f.evidence.summary)} |`,
  );
  return ["| severity | rule | confidence | steps | evidence |", "|---|---|---|---|---|", ...rows, ""].join(
    "\n",
  );
}

export function hypothesesMarkdown(hs: Hypothesis[]): string {
  const out: string[] = [];
  hs.forEach((h, i) => {
    out.push(`${i + 1}. **${h.cause}** — confidence ${h.confidence.toFixed(2)}`);
    for (const e of h.evidence_for.slice(0, 6)) out.push(`   - for: ${escapeMarkdown(e)}`);
    for (const e of h.evidence_against.slice(0, 4)) out.push(`   - against: ${escapeMarkdown(e)}`);
    out.push(
      `   - next: \`${h.next.command}\`${h.next.available ? "" : " *(not yet available)*"} — ${escapeMarkdown(h.next.why)}`,
    );
  });
  return `${out.join("\n")}\n`;
}

/** A whole diagnosis as Markdown: per run, its findings table and its ranked hypotheses. */
export function diagnosisMarkdown(ds: RunDiagnosis[]): string {
  const parts: string[] = ["# plateau diagnose\n"];
  for (const d of ds) {
    const m = d.analysis.run.manifest;
    parts.push(`## ${escapeMarkdown(m.name)}\n`);
    parts.push(
      `${escapeMarkdown(m.source.path ?? m.source.kind)} (${escapeMarkdown(m.source.format ?? m.source.kind)})\n`,
    );
    parts.push("### Findings\n");
    parts.push(findingsMarkdown(d.findings));
    parts.push("### Ranked causes\n");
    parts.push(hypothesesMarkdown(d.hypotheses));
  }
  return parts.join("\n");
}
