import { describeBadInput } from "../read/bad-input.js";
import type { AuditSummary } from "./summary.js";

/** report.md: the audit for a person — what is wrong with the corpus, how much, where to look. */
export function renderReport(s: AuditSummary): string {
  const L: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;
  const int = (n: number) => n.toLocaleString("en-US");
  const esc = (t: string) => t.replace(/\|/g, "\\|").replace(/`/g, "'");
  const t = s.totals;

  L.push("# Corpus audit", "");
  L.push(
    `${int(t.docs)} documents (${fmtMB(t.bytes)}, ${int(t.chars)} characters) in ${int(s.inputs.files)} file${s.inputs.files === 1 ? "" : "s"}; ` +
      `**${int(t.kept)} kept (${pct(t.docs ? t.kept / t.docs : 0)})**, ${int(t.flagged)} flagged; ${int(t.bad_input)} bad input lines skipped.`,
  );
  L.push(
    "",
    `Presets: ${(s.config.presets as string[]).join(", ")}. Read at ${s.timing.mb_per_s.toFixed(1)} MB/s with ${s.timing.workers} worker${s.timing.workers === 1 ? "" : "s"} in ${s.timing.seconds.toFixed(1)} s.`,
    "",
  );

  if (s.hints.length) {
    L.push("## What stands out", "");
    for (const h of s.hints) L.push(`- ${esc(h)}`);
    L.push("");
  }

  L.push("## Estimated noise by kind", "");
  const kinds = Object.entries(s.noise);
  if (kinds.length === 0) L.push("Nothing flagged.", "");
  else {
    L.push("| kind | documents | share | flags |", "|---|---:|---:|---|");
    for (const [k, v] of kinds.sort((a, b) => b[1].docs - a[1].docs))
      L.push(
        `| ${k} | ${int(v.docs)} | ${pct(v.fraction)} | ${Object.entries(v.flags)
          .map(([f, n]) => `${f} ${int(n)}`)
          .join(", ")} |`,
      );
    L.push(
      "",
      "A document can carry several kinds, so shares can add up to more than the flagged total.",
      "",
    );
    L.push("### Examples", "");
    for (const [k, v] of kinds) {
      L.push(`**${k}**`, "");
      for (const e of v.examples) L.push(`- \`${esc(e.id)}\` (${e.flags.join(", ")}): ${esc(e.text)}`);
      L.push("");
    }
  }

  L.push("## Duplicates", "");
  const d = s.duplicates;
  L.push(
    `${int(d.exact)} exact and ${int(d.near)} near duplicates (MinHash LSH) in ${int(d.clusters)} clusters; each cluster keeps its first document.`,
    "",
  );
  if (d.largest.length) {
    L.push("| kept | copies | text | some copies |", "|---|---:|---|---|");
    for (const c of d.largest)
      L.push(
        `| \`${esc(c.kept)}\` | ${int(c.size - 1)} | ${esc(c.text.slice(0, 60))} | ${c.copies
          .slice(0, 3)
          .map((x) => `\`${esc(x)}\``)
          .join(" ")} |`,
      );
    L.push("");
  }
  L.push(
    `Dedup index: ${int(d.index.keys)} keys, ${fmtMB(d.index.bytes)}${d.index.full_at ? `; full from \`${d.index.full_at}\` on (later documents compared, not indexed)` : ""}.`,
    "",
  );

  L.push("## Length (characters)", "");
  L.push("| length | all | kept |", "|---|---:|---:|");
  const edges = s.length.edges;
  for (let i = 0; i < edges.length; i++) {
    if (s.length.all[i] === 0) continue;
    const hi = i + 1 < edges.length ? `–${edges[i + 1] - 1}` : "+";
    L.push(`| ${edges[i]}${hi} | ${int(s.length.all[i])} | ${int(s.length.kept[i])} |`);
  }
  L.push(
    "",
    `Median ≈ ${s.length.p50}, 10th percentile ≈ ${s.length.p10}, 90th ≈ ${s.length.p90} characters (bin lower edges).`,
    "",
  );

  if (s.files.length > 1) {
    L.push("## Files", "");
    L.push("| file | documents | kept | most frequent flags |", "|---|---:|---:|---|");
    for (const f of s.files)
      L.push(
        `| \`${esc(f.file)}\` | ${int(f.docs)} | ${int(f.kept)} | ${Object.entries(f.flags)
          .map(([k, n]) => `${k} ${int(n)}`)
          .join(", ")} |`,
      );
    L.push("");
  }

  L.push("## Languages", "");
  L.push("| script mix | documents | kept |", "|---|---:|---:|");
  for (const [lang, v] of Object.entries(s.languages))
    L.push(`| ${lang} | ${int(v!.docs)} | ${int(v!.kept)} |`);
  L.push("");

  const lm = s.config.lm as {
    source: string;
    reference_docs: number;
    calibration: Record<string, unknown>;
  } | null;
  L.push("## Perplexity (character trigram LM)", "");
  if (!lm) L.push("No language model (disabled, or no clean reference text found).", "");
  else {
    L.push(
      `Trained on a ${lm.source} of ${int(lm.reference_docs)} documents; buckets use CCNet's 30th/60th-percentile cut-offs of held-out reference perplexity per language.`,
      "",
      `| head | middle | tail | unscored |`,
      "|---:|---:|---:|---:|",
      `| ${int(s.perplexity.head)} | ${int(s.perplexity.middle)} | ${int(s.perplexity.tail)} | ${int(s.perplexity.unscored)} |`,
      "",
    );
  }

  L.push("## Bad input", "");
  const b = s.bad_input;
  if (b.total === 0) L.push("None.", "");
  else {
    L.push("| kind | lines | first examples |", "|---|---:|---|");
    for (const [k, n] of Object.entries(b.counts)) {
      const ex = (b.examples[k as keyof typeof b.examples] ?? [])
        .slice(0, 3)
        .map((e) => `\`${esc(`${e.file}:${e.line}`)}\` ${esc(e.detail)}`)
        .join("; ");
      L.push(`| ${describeBadInput(k as Parameters<typeof describeBadInput>[0])} | ${int(n!)} | ${ex} |`);
    }
    L.push("");
  }

  L.push("## Rules", "");
  L.push("| flag | kind | removed when | source |", "|---|---|---|---|");
  const seen = new Set<string>();
  for (const r of s.config.rules as {
    flag: string;
    kind: string;
    test: string;
    source: string;
    langs?: string[];
  }[]) {
    const key = `${r.flag}|${r.test}`;
    if (seen.has(key)) continue;
    seen.add(key);
    L.push(
      `| ${r.flag} | ${r.kind} | ${esc(r.test)}${r.langs ? ` (${r.langs.join(", ")})` : ""} | ${esc(r.source)} |`,
    );
  }
  L.push(
    "| lm_gibberish | gibberish | the char-LM saves < 0.35 × the reference's 5th-percentile gain over its unigram model | plateau |",
    "| exact_duplicate | duplicate | same normalised text as an earlier document | CCNet-style normalisation |",
    "| near_duplicate | duplicate | shares a MinHash LSH band with an earlier document | FineWeb (datatrove MinhashDedup) |",
    "",
  );
  return `${L.join("\n")}\n`;
}

function fmtMB(bytes: number): string {
  return bytes >= 1e9
    ? `${(bytes / 1e9).toFixed(2)} GB`
    : `${(bytes / 1e6).toFixed(bytes >= 1e7 ? 0 : 2)} MB`;
}
