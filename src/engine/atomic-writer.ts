import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fsyncDir } from "../util/atomic.js";

/**
 * A file written in pieces (a checkpoint too large to assemble in memory, a logits dump) and published
 * atomically like util/atomic's writeFileAtomic: the pieces go to a temporary file beside the target, commit()
 * fsyncs it, renames it over the target and fsyncs the directory; abort() (or an exception before commit)
 * removes it, so readers and crashes only ever see the old file or the complete new one.
 */
export class AtomicFileWriter {
  private fd: number;
  private readonly tmp: string;
  private done = false;

  constructor(readonly path: string) {
    this.tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
    this.fd = openSync(this.tmp, "w");
  }

  write(bytes: Uint8Array): void {
    // at most 1 GiB per write() (a single call is capped near 2 GiB)
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, Math.min(bytes.length - off, 1 << 30));
  }

  commit(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
    fsyncDir(dirname(this.path));
    this.done = true;
  }

  /** Drop the temporary file (a no-op after commit). */
  abort(): void {
    if (this.done) return;
    closeSync(this.fd);
    rmSync(this.tmp, { force: true });
    this.done = true;
  }
}

/** Write a whole file from pieces produced by `fill`, atomically. */
export function writeFileAtomicStreamed(path: string, fill: (w: AtomicFileWriter) => void): void {
  const w = new AtomicFileWriter(path);
  try {
    fill(w);
    w.commit();
  } finally {
    w.abort();
  }
}
