import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { fsyncDir } from "../../util/atomic.js";

/**
 * A JSON Lines output of the audit (flags.jsonl, signals.jsonl), written through a 1 MiB buffer into a
 * temporary file that replaces the target only when the audit completes (commit), so an interrupted audit never
 * leaves a partial file that looks finished. (util/jsonl's JsonlAppender writes each line through at once,
 * which a run's metrics need and a million-line audit does not.)
 */
export class JsonlOutput {
  private readonly fd: number;
  private readonly tmp: string;
  private buf = "";

  constructor(private readonly path: string) {
    this.tmp = `${path}.partial`;
    this.fd = openSync(this.tmp, "w");
  }

  line(record: object): void {
    this.buf += `${JSON.stringify(record)}\n`;
    if (this.buf.length >= 1 << 20) this.flush();
  }

  private flush(): void {
    if (!this.buf) return;
    const b = Buffer.from(this.buf, "utf8");
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
    this.buf = "";
  }

  commit(): void {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
    fsyncDir(dirname(this.path));
  }

  abort(): void {
    try {
      this.flush();
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
