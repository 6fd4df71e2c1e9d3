import { colorEnabled, fmtBytes, fmtDuration, paint } from "./term.js";

/**
 * A progress bar with rate and ETA on stderr — drawn only when stderr is a TTY, so logs and CI output stay
 * clean. The rate is an exponential average over recent updates, so the ETA reacts to a slowdown.
 */
export interface ProgressOptions {
  label: string;
  /** Total units of work; undefined shows a counter without a bar. */
  total?: number;
  /** How to print the units: items (default), bytes (shows MB/s), or tokens. */
  unit?: "items" | "bytes" | "tokens" | "steps";
  /** Force on/off (tests); default: stderr is a TTY. */
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
}

export class Progress {
  private done = 0;
  private readonly start = performance.now();
  private lastDraw = 0;
  private lastT = this.start;
  private lastDone = 0;
  private rate = 0;
  private extra = "";
  private readonly enabled: boolean;
  private readonly stream: NodeJS.WriteStream;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.enabled = opts.enabled ?? Boolean(this.stream.isTTY);
  }

  /** Advance by n units; `extra` is a short status shown after the figures (e.g. "loss 2.83"). */
  tick(n = 1, extra?: string): void {
    this.update(this.done + n, extra);
  }

  update(done: number, extra?: string): void {
    this.done = done;
    if (extra !== undefined) this.extra = extra;
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && done !== this.opts.total) return;
    const dt = (now - this.lastT) / 1000;
    if (dt > 0.2) {
      const inst = (done - this.lastDone) / dt;
      this.rate = this.rate === 0 ? inst : 0.7 * this.rate + 0.3 * inst;
      this.lastT = now;
      this.lastDone = done;
    }
    this.lastDraw = now;
    this.draw();
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  private rateText(): string {
    const elapsed = this.elapsedSeconds;
    const r = this.rate || (elapsed > 0 ? this.done / elapsed : 0);
    switch (this.opts.unit) {
      case "bytes":
        return `${fmtBytes(r)}/s`;
      case "tokens":
        return `${Math.round(r)} tok/s`;
      case "steps":
        return `${r.toFixed(2)} steps/s`;
      default:
        return `${r >= 100 ? Math.round(r) : r.toFixed(1)}/s`;
    }
  }

  private draw(): void {
    const { total, label } = this.opts;
    const color = colorEnabled(this.stream);
    const elapsed = this.elapsedSeconds;
    const r = this.rate || (elapsed > 0 ? this.done / elapsed : 0);
    let line = `${label} `;
    if (total !== undefined && total > 0) {
      const frac = Math.min(1, this.done / total);
      const width = 24;
      const fill = Math.round(frac * width);
      const bar = "█".repeat(fill) + "░".repeat(width - fill);
      const eta = r > 0 ? (total - this.done) / r : Number.NaN;
      const count =
        this.opts.unit === "bytes" ? `${fmtBytes(this.done)}/${fmtBytes(total)}` : `${this.done}/${total}`;
      line += `${paint("cyan", bar, color)} ${(frac * 100).toFixed(0).padStart(3)}% ${count} ${this.rateText()} ETA ${fmtDuration(eta)}`;
    } else {
      const count = this.opts.unit === "bytes" ? fmtBytes(this.done) : String(this.done);
      line += `${count} ${this.rateText()} ${fmtDuration(elapsed)}`;
    }
    if (this.extra) line += ` ${paint("dim", this.extra, color)}`;
    const cols = this.stream.columns ?? 100;
    if (line.length > cols - 1) line = line.slice(0, cols - 1);
    this.stream.write(`\r\u001b[2K${line}`);
  }

  /** Clear the bar (the caller prints its own summary line). */
  finish(): void {
    if (this.enabled) this.stream.write("\r\u001b[2K");
  }
}
