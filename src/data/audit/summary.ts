import type { BadInputSummary } from "../read/bad-input.js";
import { NOISE_KINDS, type NoiseKind } from "../rules/rule.js";
import { LANGS, type Lang } from "../signals/profile.js";

/**
 * Everything summary.json and report.md say, accumulated document by document in bounded memory: counters,
 * fixed histograms, the first few examples of each flag, and duplicate clusters (capped).
 */
export interface Example {
  id: string;
  flags: string[];
  text: string;
}

export interface Cluster {
  kept: string;
  size: number;
  text: string;
  copies: string[];
}

/** Length bins in characters: [1, 8), [8, 16), … [2^16, ∞). */
export const LENGTH_EDGES = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

export interface AuditSummary {
  version: 1;
  inputs: { paths: string[]; files: number; skipped_files: string[]; bytes: number; field: string };
  config: Record<string, unknown>;
  totals: { docs: number; kept: number; flagged: number; chars: number; bytes: number; bad_input: number };
  noise: Partial<
    Record<NoiseKind, { docs: number; fraction: number; flags: Record<string, number>; examples: Example[] }>
  >;
  flags: Record<string, { kind: NoiseKind; docs: number; fraction: number; examples: Example[] }>;
  duplicates: {
    exact: number;
    near: number;
    clusters: number;
    largest: Cluster[];
    index: { keys: number; bytes: number; full_at: string | null };
  };
  length: { edges: number[]; all: number[]; kept: number[]; p10: number; p50: number; p90: number };
  languages: Partial<Record<Lang, { docs: number; kept: number }>>;
  /** Per source file (first 1,000 files): documents, kept, characters, the most frequent flags. */
  files: { file: string; docs: number; kept: number; chars: number; flags: Record<string, number> }[];
  /** Plain-language observations about the corpus as a whole (e.g. hard-wrapped lines). */
  hints: string[];
  perplexity: { head: number; middle: number; tail: number; unscored: number };
  score: { histogram: number[]; mean: number };
  bad_input: BadInputSummary;
  timing: { seconds: number; mb_per_s: number; docs_per_s: number; workers: number };
}

const EXAMPLES = 3;
const MAX_FILES = 1000;
const MAX_CLUSTERS = 1_000_000;

export class SummaryBuilder {
  docs = 0;
  kept = 0;
  flagged = 0;
  chars = 0;
  private readonly flagDocs = new Map<string, number>();
  private readonly flagExamples = new Map<string, Example[]>();
  private readonly kindDocs = new Map<NoiseKind, number>();
  private readonly kindExamples = new Map<NoiseKind, Example[]>();
  private readonly lengthAll = new Array(LENGTH_EDGES.length).fill(0);
  private readonly lengthKept = new Array(LENGTH_EDGES.length).fill(0);
  private readonly langs = new Map<Lang, { docs: number; kept: number }>();
  private readonly buckets = [0, 0, 0, 0];
  private readonly scoreHist = new Array(10).fill(0);
  private scoreSum = 0;
  exact = 0;
  near = 0;
  private readonly clusters = new Map<number, { size: number; text: string; copies: string[] }>();
  private readonly perFile = new Map<
    string,
    { docs: number; kept: number; chars: number; flags: Map<string, number> }
  >();

  constructor(private readonly kinds: Map<string, NoiseKind>) {}

  add(doc: {
    id: string;
    file: string;
    text: string;
    flags: string[];
    keep: boolean;
    score: number;
    lang: number;
    chars: number;
    bucket: number;
  }): void {
    this.docs++;
    this.chars += doc.chars;
    if (doc.keep) this.kept++;
    else this.flagged++;
    let f = this.perFile.get(doc.file);
    if (!f && this.perFile.size < MAX_FILES) {
      f = { docs: 0, kept: 0, chars: 0, flags: new Map() };
      this.perFile.set(doc.file, f);
    }
    if (f) {
      f.docs++;
      f.chars += doc.chars;
      if (doc.keep) f.kept++;
      for (const flag of doc.flags) f.flags.set(flag, (f.flags.get(flag) ?? 0) + 1);
    }
    const seenKinds = new Set<NoiseKind>();
    for (const f of doc.flags) {
      this.flagDocs.set(f, (this.flagDocs.get(f) ?? 0) + 1);
      pushExample(this.flagExamples, f, doc);
      const k = this.kinds.get(f) ?? "quality";
      if (!seenKinds.has(k)) {
        seenKinds.add(k);
        this.kindDocs.set(k, (this.kindDocs.get(k) ?? 0) + 1);
        pushExample(this.kindExamples, k, doc);
      }
    }
    const bin = lengthBin(doc.chars);
    this.lengthAll[bin]++;
    if (doc.keep) this.lengthKept[bin]++;
    const lang = LANGS[doc.lang] ?? "none";
    const l = this.langs.get(lang) ?? { docs: 0, kept: 0 };
    l.docs++;
    if (doc.keep) l.kept++;
    this.langs.set(lang, l);
    this.buckets[doc.bucket >= 0 ? doc.bucket : 3]++;
    this.scoreHist[Math.min(9, Math.max(0, Math.floor(doc.score * 10)))]++;
    this.scoreSum += doc.score;
  }

  duplicate(kind: "exact" | "near", keptOrdinal: number, copyId: string, text: string): void {
    if (kind === "exact") this.exact++;
    else this.near++;
    let c = this.clusters.get(keptOrdinal);
    if (!c) {
      if (this.clusters.size >= MAX_CLUSTERS) return;
      c = { size: 1, text: snippet(text), copies: [] };
      this.clusters.set(keptOrdinal, c);
    }
    c.size++;
    if (c.copies.length < 5) c.copies.push(copyId);
  }

  build(parts: {
    inputs: AuditSummary["inputs"];
    config: Record<string, unknown>;
    bytes: number;
    bad: BadInputSummary;
    idOf: (ordinal: number) => string;
    index: AuditSummary["duplicates"]["index"];
    seconds: number;
    workers: number;
  }): AuditSummary {
    const frac = (n: number) => (this.docs > 0 ? n / this.docs : 0);
    const flags: AuditSummary["flags"] = {};
    for (const [f, n] of [...this.flagDocs].sort((a, b) => b[1] - a[1]))
      flags[f] = {
        kind: this.kinds.get(f) ?? "quality",
        docs: n,
        fraction: frac(n),
        examples: this.flagExamples.get(f) ?? [],
      };
    const noise: AuditSummary["noise"] = {};
    for (const k of NOISE_KINDS) {
      const n = this.kindDocs.get(k);
      if (!n) continue;
      const perFlag: Record<string, number> = {};
      for (const [f, c] of Object.entries(flags)) if (c.kind === k) perFlag[f] = c.docs;
      noise[k] = { docs: n, fraction: frac(n), flags: perFlag, examples: this.kindExamples.get(k) ?? [] };
    }
    const largest = [...this.clusters]
      .sort((a, b) => b[1].size - a[1].size || a[0] - b[0])
      .slice(0, 10)
      .map(([ord, c]) => ({ kept: parts.idOf(ord), size: c.size, text: c.text, copies: c.copies }));
    const files = [...this.perFile].map(([file, f]) => ({
      file,
      docs: f.docs,
      kept: f.kept,
      chars: f.chars,
      flags: Object.fromEntries([...f.flags].sort((a, b) => b[1] - a[1]).slice(0, 5)),
    }));
    const hints: string[] = [];
    for (const f of files) {
      const truncated = f.flags.truncated ?? 0;
      const txt = /\.(txt|text)(\.gz)?$/i.test(f.file);
      if (txt && f.docs >= 20 && truncated > 0.5 * f.docs && f.chars / f.docs < 120)
        hints.push(
          `${f.file}: ${Math.round((100 * truncated) / f.docs)}% of its ${f.docs} documents stop mid-sentence and they average ${Math.round(f.chars / f.docs)} characters — the lines look hard-wrapped, and a .txt corpus is trained one line per sample (MedicalGPT): join the wrapped lines into paragraphs`,
        );
    }
    if (this.docs > 0 && (this.exact + this.near) / this.docs > 0.1)
      hints.push(
        `${Math.round((100 * (this.exact + this.near)) / this.docs)}% of documents are duplicates: repeated text is learned by heart and shrinks the effective corpus`,
      );
    const languages: AuditSummary["languages"] = {};
    for (const lang of LANGS) {
      const l = this.langs.get(lang);
      if (l) languages[lang] = l;
    }
    return {
      version: 1,
      inputs: parts.inputs,
      config: parts.config,
      totals: {
        docs: this.docs,
        kept: this.kept,
        flagged: this.flagged,
        chars: this.chars,
        bytes: parts.bytes,
        bad_input: parts.bad.total,
      },
      noise,
      flags,
      duplicates: {
        exact: this.exact,
        near: this.near,
        clusters: this.clusters.size,
        largest,
        index: parts.index,
      },
      length: {
        edges: LENGTH_EDGES,
        all: this.lengthAll,
        kept: this.lengthKept,
        p10: histQuantile(this.lengthAll, 0.1),
        p50: histQuantile(this.lengthAll, 0.5),
        p90: histQuantile(this.lengthAll, 0.9),
      },
      languages,
      files,
      hints,
      perplexity: {
        head: this.buckets[0],
        middle: this.buckets[1],
        tail: this.buckets[2],
        unscored: this.buckets[3],
      },
      score: { histogram: this.scoreHist, mean: this.docs ? this.scoreSum / this.docs : 0 },
      bad_input: parts.bad,
      timing: {
        seconds: parts.seconds,
        mb_per_s: parts.seconds > 0 ? parts.bytes / 1e6 / parts.seconds : 0,
        docs_per_s: parts.seconds > 0 ? this.docs / parts.seconds : 0,
        workers: parts.workers,
      },
    };
  }
}

function pushExample<K>(
  map: Map<K, Example[]>,
  key: K,
  doc: { id: string; flags: string[]; text: string },
): void {
  let ex = map.get(key);
  if (!ex) map.set(key, (ex = []));
  if (ex.length < EXAMPLES) ex.push({ id: doc.id, flags: [...doc.flags], text: snippet(doc.text) });
}

export function snippet(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function lengthBin(chars: number): number {
  let b = 0;
  while (b + 1 < LENGTH_EDGES.length && chars >= LENGTH_EDGES[b + 1]) b++;
  return b;
}

/** Quantile of a length histogram, as the lower edge of the bin it falls in. */
function histQuantile(hist: number[], q: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i];
    if (acc >= q * total) return LENGTH_EDGES[i];
  }
  return LENGTH_EDGES[LENGTH_EDGES.length - 1];
}
