import { type C4Stats, c4Stats } from "../signals/c4.js";
import { DocSignals } from "../signals/doc.js";
import { type FineWebStats, fineWebStats } from "../signals/fineweb.js";
import { type GopherQualityStats, gopherQualityStats, type StopWords } from "../signals/gopher-quality.js";
import { type MarkupStats, markupStats } from "../signals/markup.js";
import { type Profile, profile } from "../signals/profile.js";
import { RepetitionStats } from "../signals/repetition.js";

/**
 * A document as the rules see it: the one-pass DocSignals plus each group of measurements, computed on first
 * use and kept for the other rules of the same document (a preset that never asks for C4 never pays for it).
 */
export class DocView {
  readonly sig = new DocSignals();
  private _rep?: RepetitionStats;
  /** The script-level profile: every rule set and the score need it, so it is computed with the pass. */
  prof!: Profile;
  private _markup?: MarkupStats;
  private readonly _gq = new Map<StopWords, GopherQualityStats>();
  private readonly _fw = new Map<string, FineWebStats>();
  private readonly _c4 = new Map<boolean, C4Stats>();
  /** Character-LM perplexity, when a model is loaded (set by the analyser). */
  perplexity = Number.NaN;

  reset(text: string): this {
    this.sig.reset(text);
    this.prof = profile(this.sig);
    this._rep = undefined;
    this._markup = undefined;
    this._gq.clear();
    this._fw.clear();
    this._c4.clear();
    this.perplexity = Number.NaN;
    return this;
  }

  get text(): string {
    return this.sig.text;
  }

  get rep(): RepetitionStats {
    this._rep ??= new RepetitionStats(this.sig);
    return this._rep;
  }

  get markup(): MarkupStats {
    this._markup ??= markupStats(this.sig.text, this.prof.latinRatio > 0, this.prof.cjkRatio > 0);
    return this._markup;
  }

  gopherQuality(stop: StopWords): GopherQualityStats {
    let g = this._gq.get(stop);
    if (!g) {
      g = gopherQualityStats(this.sig, stop);
      this._gq.set(stop, g);
    }
    return g;
  }

  fineWeb(stopChars: readonly string[], shortLineLength: number): FineWebStats {
    const key = `${stopChars.join("")}\u0000${shortLineLength}`;
    let f = this._fw.get(key);
    if (!f) {
      f = fineWebStats(this.sig, stopChars, shortLineLength);
      this._fw.set(key, f);
    }
    return f;
  }

  c4(filterNoTerminalPunct: boolean): C4Stats {
    let c = this._c4.get(filterNoTerminalPunct);
    if (!c) {
      c = c4Stats(this.sig, filterNoTerminalPunct);
      this._c4.set(filterNoTerminalPunct, c);
    }
    return c;
  }
}
