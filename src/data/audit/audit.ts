import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomic.js";
import { Deduper } from "../dedup/deduper.js";
import { MINHASH_DEFAULTS, type MinHashConfig } from "../dedup/minhash.js";
import { type Corpus, type CorpusDoc, openCorpus, type ReadOptions } from "../read/corpus.js";
import { parsePresets } from "../rules/presets.js";
import { describeRule } from "../rules/rule.js";
import { LANGS, type Lang } from "../signals/profile.js";
import { type AnalyzerInit, flagNames, flagRegistry, type PackedResults } from "./analyzer.js";
import { JsonlOutput } from "./jsonl-output.js";
import { AnalyzerPool } from "./pool.js";
import { buildReference, type ReferenceModel } from "./reference.js";
import { DocRegistry } from "./registry.js";
import { renderReport } from "./report.js";
import { SCORE_PARTS, type ScorePart } from "./score.js";
import { type AuditSummary, SummaryBuilder } from "./summary.js";

/**
 * The corpus audit: stream the documents, analyse them on all cores, deduplicate in corpus order, and write
 * DIR/flags.jsonl (one line per document read), DIR/summary.json and DIR/report.md. Memory is bounded by the
 * read chunk, the batches in flight and the dedup index (0.22–0.45 GB per million documents, capped).
 */
export interface AuditOptions extends ReadOptions {
  /** Rule presets, e.g. "default" or "default,c4" (default "default"). */
  preset?: string;
  /** Worker threads (default: all cores; 0 = analyse in this thread). */
  workers?: number;
  /** MinHash configuration, or null to skip near-duplicate detection. */
  minhash?: MinHashConfig | null;
  /** Train the character LM (default true). */
  lm?: boolean;
  /** Reference files for the LM instead of a sample of the corpus. */
  reference?: string[];
  referenceBytes?: number;
  /** Cap on the dedup index's memory (default 2 GiB). */
  maxIndexBytes?: number;
  /** Output folder for flags.jsonl, summary.json, report.md (nothing written when absent). */
  out?: string;
  /** Also write DIR/signals.jsonl: per document its language, length, perplexity, bucket and score parts. */
  signals?: boolean;
  /** Called after each batch with bytes read so far. */
  onProgress?: (bytesRead: number, totalBytes: number, docs: number) => void;
  /** Called for every document in corpus order with its verdict (select uses this). */
  onDoc?: (doc: AuditedDoc) => void;
  /** Documents per batch sent to a worker (default 512). */
  batchDocs?: number;
}

export interface AuditedDoc {
  ordinal: number;
  doc: CorpusDoc;
  flags: string[];
  keep: boolean;
  score: number;
  parts: Record<ScorePart, number>;
  lang: Lang;
  chars: number;
  words: number;
  ppl: number;
  /** 0 head, 1 middle, 2 tail, -1 unscored. */
  bucket: number;
  dupOf?: string;
  /** LSH band keys (two lanes per band) when computed; valid only during the callback. */
  bands?: Int32Array;
}

export interface AuditResult {
  summary: AuditSummary;
  reference: ReferenceModel | null;
}

const BUCKETS = ["head", "middle", "tail"] as const;

/** Document i's score parts from a packed batch. */
function partsOf(r: PackedResults, i: number): Record<ScorePart, number> {
  const parts = {} as Record<ScorePart, number>;
  for (let k = 0; k < SCORE_PARTS.length; k++) parts[SCORE_PARTS[k]] = r.parts[SCORE_PARTS.length * i + k];
  return parts;
}

export async function auditCorpus(paths: string[], opts: AuditOptions = {}): Promise<AuditResult> {
  const t0 = performance.now();
  const presets = opts.preset ?? "default";
  const { names, rules } = parsePresets(presets);
  const corpus: Corpus = openCorpus(paths, opts);
  const minhash = opts.minhash === undefined ? MINHASH_DEFAULTS : opts.minhash;
  const reference =
    opts.lm === false
      ? null
      : await buildReference(
          corpus.files.map((f) => f.path),
          {
            files: opts.reference,
            budgetBytes: opts.referenceBytes,
            presets,
            read: { field: opts.field, format: opts.format, maxDocBytes: opts.maxDocBytes },
          },
        );
  const init: AnalyzerInit = {
    presets,
    minhash,
    lm: reference?.lm.data ?? null,
    calibration: reference?.calibration ?? {},
    gainFactor: 0.35,
  };
  const workers = opts.workers ?? Math.max(1, availableParallelism());
  const pool = await AnalyzerPool.create(init, workers);
  const { flags: flagList, kinds } = flagRegistry(presets);
  const dedup = new Deduper(minhash?.bands ?? 0, opts.maxIndexBytes);
  const registry = new DocRegistry();
  const summary = new SummaryBuilder(kinds);
  let writer: JsonlOutput | undefined;
  let signalsWriter: JsonlOutput | undefined;
  if (opts.out) {
    mkdirSync(opts.out, { recursive: true });
    writer = new JsonlOutput(join(opts.out, "flags.jsonl"));
    if (opts.signals) signalsWriter = new JsonlOutput(join(opts.out, "signals.jsonl"));
  }
  const B = minhash?.bands ?? 0;
  const batchDocs = opts.batchDocs ?? 512;
  const pending: CorpusDoc[][] = [];
  let seqIn = 0;

  const consume = (docs: CorpusDoc[], r: PackedResults) => {
    for (let i = 0; i < r.n; i++) {
      const doc = docs[i];
      const ordinal = registry.add(doc.file, doc.line);
      const flags = flagNames(flagList, r.flags[2 * i], r.flags[2 * i + 1]);
      let dupOf: string | undefined;
      const res = dedup.check(
        ordinal,
        r.hasNorm[i] ? [r.norm[2 * i], r.norm[2 * i + 1]] : null,
        r.hasBands[i] ? r.bands : null,
        2 * B * i,
      );
      if (res.kind) {
        flags.push(res.kind === "exact" ? "exact_duplicate" : "near_duplicate");
        dupOf = registry.id(res.of);
        summary.duplicate(res.kind, res.of, doc.id, doc.text);
      }
      const keep = flags.length === 0;
      const score = r.score[i];
      writer?.line({
        file: doc.file,
        line: doc.line,
        flags,
        score: Math.round(score * 10000) / 10000,
        keep,
        ...(dupOf ? { dup_of: dupOf } : {}),
      });
      const lang = LANGS[r.lang[i]] ?? "none";
      if (signalsWriter) {
        const parts = partsOf(r, i);
        for (const k of SCORE_PARTS) parts[k] = Math.round(parts[k] * 1000) / 1000;
        const ppl = r.ppl[i];
        signalsWriter.line({
          file: doc.file,
          line: doc.line,
          lang,
          chars: r.chars[i],
          words: r.words[i],
          ppl: Number.isFinite(ppl) ? Math.round(ppl * 100) / 100 : null,
          bucket: r.bucket[i] >= 0 ? BUCKETS[r.bucket[i]] : null,
          score_parts: parts,
        });
      }
      summary.add({
        id: doc.id,
        file: doc.file,
        text: doc.text,
        flags,
        keep,
        score,
        lang: r.lang[i],
        chars: r.chars[i],
        bucket: r.bucket[i],
      });
      if (opts.onDoc) {
        const parts = partsOf(r, i);
        opts.onDoc({
          ordinal,
          doc,
          flags,
          keep,
          score,
          parts,
          lang,
          chars: r.chars[i],
          words: r.words[i],
          ppl: r.ppl[i],
          bucket: r.bucket[i],
          dupOf,
          bands: r.hasBands[i] ? r.bands.subarray(2 * B * i, 2 * B * (i + 1)) : undefined,
        });
      }
    }
  };
  const drain = async (all: boolean) => {
    for (;;) {
      const r = all && pending.length > 0 ? await pool.take() : pool.takeReady();
      if (!r) return;
      consume(pending.shift()!, r);
      if (pending.length === 0) return;
    }
  };

  try {
    for await (const batch of corpus.batches()) {
      for (let s = 0; s < batch.length; s += batchDocs) {
        const docs = batch.slice(s, s + batchDocs);
        pending.push(docs);
        await pool.submit(
          seqIn++,
          docs.map((d) => d.text),
        );
        await drain(false);
      }
      opts.onProgress?.(corpus.bytesRead, corpus.totalBytes, summary.docs);
    }
    await drain(true);
  } catch (err) {
    writer?.abort();
    signalsWriter?.abort();
    throw err;
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const result = summary.build({
    inputs: {
      paths,
      files: corpus.files.length,
      skipped_files: corpus.skippedFiles.slice(0, 20),
      bytes: corpus.totalBytes,
      field: opts.field ?? "text",
    },
    config: {
      presets: names,
      rules: rules.map(describeRule),
      minhash,
      lm: reference
        ? {
            source: reference.source,
            reference_docs: reference.docs,
            held_out: reference.heldOut,
            reference_bytes: reference.bytes,
            vocab: reference.lm.vocabSize,
            calibration: Object.fromEntries(
              Object.entries(reference.calibration).map(([lang, c]) => [
                lang,
                {
                  docs: c.docs,
                  train_chars: c.trainChars,
                  head_below: c.head,
                  tail_from: c.middle,
                  gain_p05: c.gainP05,
                },
              ]),
            ),
          }
        : null,
      gibberish_gain_factor: init.gainFactor,
    },
    bytes: corpus.bytesRead,
    bad: corpus.bad.summary(),
    idOf: (o) => registry.id(o),
    index: {
      keys: dedup.indexedKeys,
      bytes: dedup.bytes,
      full_at: dedup.fullAt >= 0 ? registry.id(dedup.fullAt) : null,
    },
    seconds,
    workers: pool.size,
  });
  if (opts.out && writer) {
    writer.commit();
    signalsWriter?.commit();
    writeJsonAtomic(join(opts.out, "summary.json"), result);
    writeFileAtomic(join(opts.out, "report.md"), renderReport(result));
  }
  return { summary: result, reference };
}
