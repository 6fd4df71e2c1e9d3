import type { Point } from "./types.js";

/**
 * A named series stored column by column (a 1M-point loss curve is four flat arrays, not a million objects).
 * Optional columns hold NaN where a point did not carry the field.
 */
export class Series {
  readonly step: number[] = [];
  readonly value: number[] = [];
  readonly wallTime: number[] = [];
  readonly tokens: number[] = [];
  readonly epoch: number[] = [];

  constructor(readonly name: string) {}

  get length(): number {
    return this.step.length;
  }

  push(p: Point): void {
    this.step.push(p.step);
    this.value.push(p.value);
    this.wallTime.push(p.wall_time ?? Number.NaN);
    this.tokens.push(p.tokens ?? Number.NaN);
    this.epoch.push(p.epoch ?? Number.NaN);
  }

  at(i: number): Point {
    const p: Point = { step: this.step[i], value: this.value[i] };
    if (!Number.isNaN(this.wallTime[i])) p.wall_time = this.wallTime[i];
    if (!Number.isNaN(this.tokens[i])) p.tokens = this.tokens[i];
    if (!Number.isNaN(this.epoch[i])) p.epoch = this.epoch[i];
    return p;
  }

  points(): Point[] {
    const out: Point[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.at(i);
    return out;
  }

  /** True if a column has at least one known value (e.g. whether tokens can be the x axis). */
  has(column: "wallTime" | "tokens" | "epoch"): boolean {
    return this[column].some((x) => !Number.isNaN(x));
  }

  /** Drop every point with step > s (used when a resumed run supersedes what an earlier process wrote). */
  truncateAfter(s: number): void {
    let keep = this.length;
    while (keep > 0 && this.step[keep - 1] > s) keep--;
    if (keep === this.length) {
      // Not sorted at the tail: filter the whole series.
      if (!this.step.some((x) => x > s)) return;
      const pts = this.points().filter((p) => p.step <= s);
      this.clear();
      for (const p of pts) this.push(p);
      return;
    }
    for (const col of [this.step, this.value, this.wallTime, this.tokens, this.epoch]) col.length = keep;
  }

  /**
   * Sort by step (stable) and keep the last-written point for each step. Logs appended by restarted jobs often
   * repeat steps; the later write is the one that describes the surviving run.
   */
  normalize(): void {
    let sorted = true;
    for (let i = 1; i < this.length; i++) {
      if (this.step[i] <= this.step[i - 1]) {
        sorted = false;
        break;
      }
    }
    if (sorted) return;
    const idx = Array.from({ length: this.length }, (_, i) => i);
    idx.sort((a, b) => this.step[a] - this.step[b] || a - b);
    const pts: Point[] = [];
    for (let j = 0; j < idx.length; j++) {
      const i = idx[j];
      if (j + 1 < idx.length && this.step[idx[j + 1]] === this.step[i]) continue; // a later write wins
      pts.push(this.at(i));
    }
    this.clear();
    for (const p of pts) this.push(p);
  }

  private clear(): void {
    for (const col of [this.step, this.value, this.wallTime, this.tokens, this.epoch]) col.length = 0;
  }

  static from(name: string, points: Point[]): Series {
    const s = new Series(name);
    for (const p of points) s.push(p);
    return s;
  }
}
