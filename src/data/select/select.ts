import { writeFileAtomic, writeJsonAtomic } from "../../util/atomic.js";
import { hashString } from "../../util/rng.js";
import { type AuditOptions, auditCorpus } from "../audit/audit.js";
import type { ScorePart } from "../audit/score.js";
import { type AuditSummary, LENGTH_EDGES, lengthBin } from "../audit/summary.js";
import { estimateJaccard, MINHASH_DEFAULTS, MinHasher } from "../dedup/minhash.js";
import { openCorpus } from "../read/corpus.js";
import { DocSignals } from "../signals/doc.js";
import { allocate } from "./allocate.js";
import { TopK } from "./top-k.js";

/**
 * Pick the N best documents of a corpus for a small controlled experiment (the overfit test, a data ladder):
 *
 *  1. Audit the corpus (all rules, dedup, LM) and drop every flagged document.
 *  2. Spread the N slots over sources (files) in proportion to their clean documents — at least one per
 *     source while N allows — and within a source over length bins (powers of two of characters) the same way
 *     (largest-remainder rounding, ties to the earlier stratum).
 *  3. In each stratum take the highest composite scores (ties broken by a seeded hash of the document id).
 *  4. Re-read the corpus for the chosen texts and drop any pick whose MinHash estimate of Jaccard similarity
 *     with a better pick is ≥ `maxSimilarity`, replacing it with its stratum's next best.
 *
 * Memory: per stratum only the top candidates' (score, ordinal) — 16 bytes × N × strata, whatever the corpus
 * size — plus the N chosen texts. Deterministic: the same corpus, options and seed give the same selection with
 * any number of workers.
 */
export interface SelectOptions extends AuditOptions {
  n: number;
  seed?: number;
  /** Picks at least this similar (estimated Jaccard of 5-gram shingles) to a better pick are replaced. */
  maxSimilarity?: number;
  /** Where to write the selection (.jsonl of {"text"}) and its manifest (default: FILE.manifest.json). */
  outFile?: string;
  manifestFile?: string;
}

export interface SelectedDoc {
  rank: number;
  id: string;
  file: string;
  line: number;
  text: string;
  score: number;
  parts: Record<ScorePart, number>;
  stratum: { file: string; length: string };
  rankInStratum: number;
  why: string;
}

export interface StratumInfo {
  file: string;
  length: string;
  eligible: number;
  quota: number;
  picked: number;
}

export interface Selection {
  docs: SelectedDoc[];
  manifest: {
    n: number;
    requested: number;
    seed: number;
    corpus: string[];
    presets: string[];
    eligible: number;
    total: number;
    rejectedAsSimilar: number;
    strata: StratumInfo[];
    picks: Omit<SelectedDoc, "text">[];
  };
  audit: AuditSummary;
}

interface Candidate {
  ordinal: number;
  score: number;
  tie: number;
  parts: Record<ScorePart, number>;
}

export async function selectBest(paths: string[], opts: SelectOptions): Promise<Selection> {
  if (!(Number.isInteger(opts.n) && opts.n > 0))
    throw new RangeError(`n must be a positive integer, got ${opts.n}`);
  const seed = opts.seed ?? 0;
  const maxSim = opts.maxSimilarity ?? 0.5;
  const keepPerStratum = opts.n + Math.ceil(opts.n / 4) + 8; // room to replace similar picks

  // Pass 1: audit, keeping the best candidates of each (file, length bin).
  const strata = new Map<string, { file: string; bin: number; eligible: number; top: TopK<Candidate> }>();
  const fileOrder: string[] = [];
  const { summary } = await auditCorpus(paths, {
    ...opts,
    out: opts.out,
    onDoc: (a) => {
      opts.onDoc?.(a);
      if (!a.keep) return;
      const bin = lengthBin(a.chars);
      const key = `${a.doc.file}\u0000${bin}`;
      let s = strata.get(key);
      if (!s) {
        if (!fileOrder.includes(a.doc.file)) fileOrder.push(a.doc.file);
        s = { file: a.doc.file, bin, eligible: 0, top: new TopK<Candidate>(keepPerStratum, better) };
        strata.set(key, s);
      }
      s.eligible++;
      s.top.offer({
        ordinal: a.ordinal,
        score: a.score,
        tie: hashString(`${seed}:${a.doc.id}`),
        parts: a.parts,
      });
    },
  });

  // Quotas: sources first, then length bins within each source.
  const eligible = [...strata.values()].reduce((n, s) => n + s.eligible, 0);
  const n = Math.min(opts.n, eligible);
  const perFile = fileOrder.map((f) =>
    [...strata.values()].filter((s) => s.file === f).reduce((a, s) => a + s.eligible, 0),
  );
  const fileQuota = allocate(perFile, n, true);
  const quota = new Map<string, number>();
  fileOrder.forEach((f, i) => {
    const list = [...strata.entries()].filter(([, s]) => s.file === f).sort((a, b) => a[1].bin - b[1].bin);
    const q = allocate(
      list.map(([, s]) => s.eligible),
      fileQuota[i],
      false,
    );
    for (let j = 0; j < list.length; j++) quota.set(list[j][0], q[j]);
  });

  // Ranked candidates per stratum; the first `quota` are the picks, the rest reserves.
  const ranked = new Map<string, Candidate[]>();
  for (const [k, s] of strata) ranked.set(k, s.top.sorted());
  const wanted = new Map<number, { key: string; index: number }>();
  for (const [k, list] of ranked)
    for (let i = 0; i < list.length; i++) wanted.set(list[i].ordinal, { key: k, index: i });

  // Pass 2: read the texts of every candidate (picks and reserves).
  const texts = new Map<number, { id: string; file: string; line: number; text: string }>();
  const corpus = openCorpus(paths, { field: opts.field, format: opts.format, maxDocBytes: opts.maxDocBytes });
  let ordinal = 0;
  for await (const batch of corpus.batches()) {
    for (const d of batch) {
      if (wanted.has(ordinal)) texts.set(ordinal, { id: d.id, file: d.file, line: d.line, text: d.text });
      ordinal++;
    }
  }

  // Greedy fill in global score order: each stratum offers its next candidate; near-duplicates of a pick are skipped.
  const hasher = new MinHasher(opts.minhash ?? MINHASH_DEFAULTS);
  const sig = new DocSignals();
  const chosenSigs: Uint32Array[] = [];
  const picked: { c: Candidate; key: string; indexInStratum: number }[] = [];
  const next = new Map<string, number>();
  const count = new Map<string, number>();
  let rejected = 0;
  const signature = (text: string) => {
    sig.reset(text);
    return hasher.signDoc(sig) ? hasher.signature() : null;
  };
  // Two rounds: within quotas, then (if similar picks were skipped and a stratum ran dry) the best of the rest.
  for (const withinQuota of [true, false]) {
    while (picked.length < n) {
      let bestKey: string | null = null;
      let best: Candidate | null = null;
      for (const [k, list] of ranked) {
        if (withinQuota && (count.get(k) ?? 0) >= (quota.get(k) ?? 0)) continue;
        const i = next.get(k) ?? 0;
        if (i >= list.length) continue;
        if (!best || better(list[i], best) > 0) {
          best = list[i];
          bestKey = k;
        }
      }
      if (!best || !bestKey) break;
      const idx = next.get(bestKey) ?? 0;
      next.set(bestKey, idx + 1);
      const t = texts.get(best.ordinal);
      if (!t) continue;
      const s = signature(t.text);
      if (s && chosenSigs.some((o) => estimateJaccard(s, o) >= maxSim)) {
        rejected++;
        continue;
      }
      if (s) chosenSigs.push(s);
      picked.push({ c: best, key: bestKey, indexInStratum: idx });
      count.set(bestKey, (count.get(bestKey) ?? 0) + 1);
    }
  }

  const docs: SelectedDoc[] = picked.map((p, r) => {
    const t = texts.get(p.c.ordinal)!;
    const s = strata.get(p.key)!;
    const len = binLabel(s.bin);
    const q = quota.get(p.key) ?? 0;
    const partText = (Object.entries(p.c.parts) as [ScorePart, number][])
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(", ");
    return {
      rank: r + 1,
      id: t.id,
      file: t.file,
      line: t.line,
      text: t.text,
      score: p.c.score,
      parts: p.c.parts,
      stratum: { file: s.file, length: len },
      rankInStratum: p.indexInStratum + 1,
      why: `no flags; score ${p.c.score.toFixed(3)} (${partText}); #${p.indexInStratum + 1} of ${s.eligible} clean documents of ${len} characters in ${s.file}, whose quota is ${q} of ${n}`,
    };
  });
  const strataInfo: StratumInfo[] = [...strata.entries()].map(([k, s]) => ({
    file: s.file,
    length: binLabel(s.bin),
    eligible: s.eligible,
    quota: quota.get(k) ?? 0,
    picked: count.get(k) ?? 0,
  }));
  const selection: Selection = {
    docs,
    manifest: {
      n: docs.length,
      requested: opts.n,
      seed,
      corpus: paths,
      presets: summary.config.presets as string[],
      eligible,
      total: summary.totals.docs,
      rejectedAsSimilar: rejected,
      strata: strataInfo,
      picks: docs.map(({ text: _text, ...rest }) => rest),
    },
    audit: summary,
  };
  if (opts.outFile) {
    writeFileAtomic(opts.outFile, docs.map((d) => `${JSON.stringify({ text: d.text })}\n`).join(""));
    writeJsonAtomic(opts.manifestFile ?? manifestPath(opts.outFile), selection.manifest);
  }
  return selection;
}

/** FILE.jsonl → FILE.manifest.json. */
export function manifestPath(outFile: string): string {
  return `${outFile.replace(/\.jsonl$/i, "")}.manifest.json`;
}

/** Higher score first; then the seeded tie-breaker; then corpus order. Positive when a is better. */
function better(a: Candidate, b: Candidate): number {
  if (a.score !== b.score) return a.score > b.score ? 1 : -1;
  if (a.tie !== b.tie) return a.tie < b.tie ? 1 : -1;
  return a.ordinal < b.ordinal ? 1 : a.ordinal > b.ordinal ? -1 : 0;
}

function binLabel(bin: number): string {
  const lo = LENGTH_EDGES[bin];
  const hi = LENGTH_EDGES[bin + 1];
  return hi === undefined ? `${lo}+` : `${lo}–${hi - 1}`;
}
