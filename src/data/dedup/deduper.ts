import { KeyTable } from "./key-table.js";

/**
 * Corpus-order deduplication: the first document with a given normalised text (exact) or sharing an LSH band
 * with an earlier one (near) is kept; later ones are duplicates of the kept document. A near-duplicate's band
 * keys point at the document it duplicates' representative, so chains (A ≈ B ≈ C) stay in one cluster with
 * A as the kept copy — the connected components datatrove's MinhashDedupCluster builds, computed online.
 *
 * Memory: the exact table holds one key per kept document, the LSH table one per band per indexed document
 * (14 by default), at 15–30 bytes a key (KeyTable): 0.22–0.45 GB per million documents (bench:data measured 0.43 at 1M). `maxIndexBytes` caps both; past it
 * new documents are still compared with everything indexed but no longer indexed themselves (reported).
 */
export interface DedupResult {
  kind: "exact" | "near" | null;
  /** Ordinal of the kept document this one duplicates. */
  of: number;
}

export class Deduper {
  private readonly exact: KeyTable;
  private readonly lsh: KeyTable;
  /** First ordinal that could not be indexed (the index was full), or -1. */
  fullAt = -1;

  constructor(
    readonly bands: number,
    maxIndexBytes = 2 * 1024 ** 3,
  ) {
    this.exact = new KeyTable(maxIndexBytes / 8);
    this.lsh = new KeyTable((maxIndexBytes * 7) / 8);
  }

  /** Bytes held by the index now. */
  get bytes(): number {
    return this.exact.bytes + this.lsh.bytes;
  }

  get indexedKeys(): number {
    return this.exact.size + this.lsh.size;
  }

  /**
   * Check one document, in corpus order. `norm` = [h1, h2] of its normalised text (or null to skip exact
   * dedup), `bandKeys` = 2 lanes per band (or null to skip near dedup).
   */
  check(
    ordinal: number,
    norm: [number, number] | null,
    bandKeys: Int32Array | null,
    offset = 0,
  ): DedupResult {
    if (norm) {
      const prev = this.exact.get(norm[0], norm[1]);
      if (prev >= 0) return { kind: "exact", of: prev };
    }
    let rep = -1;
    if (bandKeys) {
      for (let b = 0; b < this.bands; b++) {
        const v = this.lsh.get(bandKeys[offset + 2 * b] ^ b, bandKeys[offset + 2 * b + 1]);
        if (v >= 0 && (rep < 0 || v < rep)) rep = v;
      }
    }
    let ok = true;
    if (norm) ok = this.exact.set(norm[0], norm[1], rep >= 0 ? rep : ordinal) && ok;
    if (bandKeys) {
      const target = rep >= 0 ? rep : ordinal;
      for (let b = 0; b < this.bands; b++)
        ok = this.lsh.set(bandKeys[offset + 2 * b] ^ b, bandKeys[offset + 2 * b + 1], target) && ok;
    }
    if (!ok && this.fullAt < 0) this.fullAt = ordinal;
    return rep >= 0 ? { kind: "near", of: rep } : { kind: null, of: -1 };
  }
}
