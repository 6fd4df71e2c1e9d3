import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { fsyncDir } from "../../util/atomic.js";

/**
 * Writes flags.jsonl through a 1 MiB buffer into a temporary file that replaces the target only when the
 * audit completes (commit), so an interrupted audit never leaves a partial flags.jsonl that looks finished.
 */
export class FlagsWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private buf = "";

  constructor(private readonly path: string) {
    this.tmp = `${path}.partial`;
    this.fd = openSync(this.tmp, "w");
  }

  line(record: {
    file: string;
    line: number;
    flags: string[];
    score: number;
    keep: boolean;
    dup_of?: string;
  }): void {
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
