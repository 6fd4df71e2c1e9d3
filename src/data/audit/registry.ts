/**
 * Ordinal → (file, line) for every document read, so a duplicate can name the document it copies: 4 bytes a
 * document (a growable Uint32Array of line numbers) plus one entry per file.
 */
export class DocRegistry {
  private lines = new Uint32Array(1 << 16);
  private readonly fileStart: number[] = [];
  private readonly fileNames: string[] = [];
  size = 0;

  add(file: string, line: number): number {
    if (this.fileNames[this.fileNames.length - 1] !== file) {
      this.fileNames.push(file);
      this.fileStart.push(this.size);
    }
    if (this.size === this.lines.length) {
      const grown = new Uint32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[this.size] = line;
    return this.size++;
  }

  file(ordinal: number): string {
    let lo = 0;
    let hi = this.fileStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.fileStart[mid] <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    return this.fileNames[lo];
  }

  line(ordinal: number): number {
    return this.lines[ordinal];
  }

  id(ordinal: number): string {
    return `${this.file(ordinal)}:${this.line(ordinal)}`;
  }
}
