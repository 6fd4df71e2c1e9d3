import { MINHASH_DEFAULTS, type MinHashConfig, MinHasher } from "../dedup/minhash.js";
import type { Calibration } from "../lm/calibration.js";
import { CharLm, type CharLmData } from "../lm/char-lm.js";
import { parsePresets } from "../rules/presets.js";
import { type NoiseKind, type Rule, RuleSet } from "../rules/rule.js";
import { DocView } from "../rules/view.js";
import { LANGS } from "../signals/profile.js";
import { combineScore, SCORE_PARTS, scoreParts } from "./score.js";

/**
 * Everything computed per document, with no state shared between documents — so it runs in worker threads
 * on batches and posts back typed arrays. Deduplication, which needs corpus order, happens afterwards in the
 * main thread from the hashes computed here.
 */
export interface AnalyzerInit {
  /** Preset spec, e.g. "default" or "default,c4". */
  presets: string;
  /** null: no near-duplicate signatures. */
  minhash: MinHashConfig | null;
  lm: CharLmData | null;
  calibration: Calibration;
  /** A document whose LM gain falls below this share of the reference's 5th-percentile gain is gibberish. */
  gainFactor: number;
}

export const LM_FLAG = "lm_gibberish";
export const DEDUP_FLAGS = ["exact_duplicate", "near_duplicate"] as const;

/** The flag names of a configuration, in bit order (identical in every thread). */
export function flagRegistry(presets: string): {
  flags: string[];
  kinds: Map<string, NoiseKind>;
  rules: Rule[];
} {
  const { rules } = parsePresets(presets);
  const flags: string[] = [];
  const kinds = new Map<string, NoiseKind>();
  for (const r of rules) {
    if (!kinds.has(r.flag)) {
      flags.push(r.flag);
      kinds.set(r.flag, r.kind);
    }
  }
  flags.push(LM_FLAG, ...DEDUP_FLAGS);
  kinds.set(LM_FLAG, "gibberish");
  for (const f of DEDUP_FLAGS) kinds.set(f, "duplicate");
  if (flags.length > 64) throw new Error(`internal: ${flags.length} flags do not fit the 64-bit mask`);
  return { flags, kinds, rules };
}

/** A batch's results, column-wise (transferable). */
export interface PackedResults {
  n: number;
  /** Two 32-bit words of flag bits per document. */
  flags: Uint32Array;
  score: Float32Array;
  /** Score parts per document, SCORE_PARTS order. */
  parts: Float32Array;
  ppl: Float32Array;
  /** CCNet bucket: 0 head, 1 middle, 2 tail, -1 no calibrated model for the language. */
  bucket: Int8Array;
  /** Index into LANGS. */
  lang: Uint8Array;
  chars: Int32Array;
  words: Int32Array;
  /** Normalised-text hash (two lanes); hasNorm 0 when the document has no words. */
  norm: Int32Array;
  hasNorm: Uint8Array;
  /** LSH band keys, two lanes per band; hasBands 0 when not computed. */
  bands: Int32Array;
  hasBands: Uint8Array;
}

export class Analyzer {
  readonly view = new DocView();
  readonly flags: string[];
  private readonly bit = new Map<string, number>();
  private readonly rules: RuleSet;
  private readonly hasher: MinHasher | null;
  private readonly lm: CharLm | null;
  readonly bandsPerDoc: number;
  private readonly flagBuf: string[] = [];

  constructor(readonly init: AnalyzerInit) {
    const reg = flagRegistry(init.presets);
    this.flags = reg.flags;
    this.rules = new RuleSet(reg.rules);
    for (let i = 0; i < reg.flags.length; i++) this.bit.set(reg.flags[i], i);
    this.hasher = init.minhash ? new MinHasher(init.minhash) : null;
    this.bandsPerDoc = init.minhash ? init.minhash.bands : 0;
    this.lm = init.lm ? new CharLm(init.lm) : null;
  }

  analyzeBatch(texts: string[]): PackedResults {
    const n = texts.length;
    const B = this.bandsPerDoc;
    const out: PackedResults = {
      n,
      flags: new Uint32Array(2 * n),
      score: new Float32Array(n),
      parts: new Float32Array(SCORE_PARTS.length * n),
      ppl: new Float32Array(n),
      bucket: new Int8Array(n),
      lang: new Uint8Array(n),
      chars: new Int32Array(n),
      words: new Int32Array(n),
      norm: new Int32Array(2 * n),
      hasNorm: new Uint8Array(n),
      bands: new Int32Array(2 * B * n),
      hasBands: new Uint8Array(n),
    };
    for (let i = 0; i < n; i++) this.analyzeInto(texts[i], out, i);
    return out;
  }

  private analyzeInto(text: string, out: PackedResults, i: number): void {
    const d = this.view.reset(text);
    const flags = this.flagBuf;
    flags.length = 0;
    // Rules first (they fill the view's lazily computed groups the score reuses).
    this.rules.apply(d, flags);
    const lang = d.prof.lang;
    const cal = this.init.calibration[lang];
    out.bucket[i] = -1;
    if (this.lm && cal) {
      const s = this.lm.score(text, 20_000);
      d.perplexity = s.ppl;
      out.ppl[i] = s.ppl;
      out.bucket[i] = s.ppl < cal.head ? 0 : s.ppl < cal.middle ? 1 : 2;
      const gain = Math.log(s.unigramPpl) - Math.log(s.ppl);
      // Only when the model knows this text's characters: unknown ones carry no evidence either way.
      if (s.chars >= 20 && s.oov <= 0.3 && gain < this.init.gainFactor * cal.gainP05) flags.push(LM_FLAG);
    } else {
      out.ppl[i] = Number.NaN;
    }
    let lo = 0;
    let hi = 0;
    for (const f of flags) {
      const b = this.bit.get(f)!;
      if (b < 32) lo |= 1 << b;
      else hi |= 1 << (b - 32);
    }
    out.flags[2 * i] = lo;
    out.flags[2 * i + 1] = hi;
    const parts = scoreParts(d, cal);
    out.score[i] = combineScore(parts);
    for (let k = 0; k < SCORE_PARTS.length; k++)
      out.parts[SCORE_PARTS.length * i + k] = parts[SCORE_PARTS[k]];
    out.lang[i] = LANGS.indexOf(lang);
    out.chars[i] = d.prof.chars;
    out.words[i] = d.prof.words;
    const sig = d.sig;
    if (sig.nWords > 0) {
      out.hasNorm[i] = 1;
      out.norm[2 * i] = sig.norm1;
      out.norm[2 * i + 1] = sig.norm2;
    }
    if (this.hasher && sig.nWords >= this.hasher.cfg.ngram && this.hasher.signDoc(sig)) {
      out.hasBands[i] = 1;
      this.hasher.bandKeys(out.bands, 2 * this.bandsPerDoc * i);
    }
  }
}

export function flagNames(flags: string[], lo: number, hi: number): string[] {
  const out: string[] = [];
  for (let b = 0; b < flags.length; b++) {
    const on = b < 32 ? (lo >>> b) & 1 : (hi >>> (b - 32)) & 1;
    if (on) out.push(flags[b]);
  }
  return out;
}

export const DEFAULT_MINHASH = MINHASH_DEFAULTS;
