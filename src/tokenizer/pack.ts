/**
 * Turning token sequences into fixed-size training blocks, exactly as MedicalGPT's pretraining.py does it, and
 * the padded alternative done right.
 *
 * MedicalGPT (`--packing True`, the default): `tokenizer(text)` per document, then `group_text_function` as a
 * batched `datasets.map` (1000 documents per batch): concatenate the batch, appending EOS after each document
 * unless it already ends with EOS (an empty document becomes a lone EOS); if the batch has at least block_size
 * tokens, cut it to a multiple of block_size (the remainder of every batch is dropped); cut into block_size
 * chunks — so a batch with fewer than block_size tokens yields one short chunk. labels = input_ids, no −100.
 *
 * MedicalGPT (`--packing False`): `tokenizer(text, truncation=True, padding="max_length")`, labels = a copy of
 * input_ids, so padding positions are trained on. plateau's padded mode masks them (by position, never by id:
 * when pad == eos, masking by id would also hide every real EOS).
 */

export const IGNORE_INDEX = -100;

export interface PackOptions {
  blockSize: number;
  eosId: number;
  /** Documents per `datasets.map` batch; MedicalGPT inherits the library default, 1000. */
  batchDocs?: number;
}

export interface PackReport {
  docs: number;
  /** Tokens after EOS insertion. */
  tokens: number;
  eosAdded: number;
  batches: number;
  blocks: number;
  /** Blocks shorter than block_size (from batches with fewer than block_size tokens). */
  shortBlocks: number;
  /** Tokens dropped as batch remainders, and the documents they came from (at least partly). */
  droppedTokens: number;
  droppedFraction: number;
}

/** Streaming form of the packer: push documents, collect finished blocks; memory is one batch. */
export class MedicalGptPacker {
  private readonly blockSize: number;
  private readonly eosId: number;
  private readonly batchDocs: number;
  private batch: number[] = [];
  private docsInBatch = 0;
  readonly report: PackReport = {
    docs: 0,
    tokens: 0,
    eosAdded: 0,
    batches: 0,
    blocks: 0,
    shortBlocks: 0,
    droppedTokens: 0,
    droppedFraction: 0,
  };

  constructor(opts: PackOptions) {
    if (!(Number.isInteger(opts.blockSize) && opts.blockSize > 0))
      throw new RangeError(`bad block size ${opts.blockSize}`);
    this.blockSize = opts.blockSize;
    this.eosId = opts.eosId;
    this.batchDocs = opts.batchDocs ?? 1000;
  }

  /** Add one document's ids; returns the blocks completed by it (non-empty only when it closed a batch). */
  push(ids: ArrayLike<number>): Int32Array[] {
    for (let i = 0; i < ids.length; i++) this.batch.push(ids[i]);
    if (ids.length === 0 || ids[ids.length - 1] !== this.eosId) {
      this.batch.push(this.eosId);
      this.report.eosAdded++;
    }
    this.report.docs++;
    this.docsInBatch++;
    return this.docsInBatch === this.batchDocs ? this.flush() : [];
  }

  /** Close the last (partial) batch. */
  finish(): Int32Array[] {
    const out = this.docsInBatch > 0 ? this.flush() : [];
    const r = this.report;
    r.droppedFraction = r.tokens > 0 ? r.droppedTokens / r.tokens : 0;
    return out;
  }

  private flush(): Int32Array[] {
    const all = this.batch;
    const bs = this.blockSize;
    let total = all.length;
    if (total >= bs) total = Math.floor(total / bs) * bs;
    const out: Int32Array[] = [];
    for (let i = 0; i < total; i += bs) out.push(Int32Array.from(all.slice(i, Math.min(i + bs, total))));
    const r = this.report;
    r.tokens += all.length;
    r.droppedTokens += all.length - total;
    r.batches++;
    r.blocks += out.length;
    for (const b of out) if (b.length < bs) r.shortBlocks++;
    this.batch = [];
    this.docsInBatch = 0;
    return out;
  }
}

/** [nBlocks, blockSize] arrays ready for a model, with labels. */
export interface TrainingBlocks {
  blockSize: number;
  nBlocks: number;
  /** [nBlocks * blockSize], row-major. */
  inputIds: Int32Array;
  /** [nBlocks * blockSize]; IGNORE_INDEX where no loss is taken. */
  labels: Int32Array;
}

export interface PackedResult extends TrainingBlocks {
  report: PackReport;
}

/**
 * MedicalGPT's packing of whole documents into blocks. labels = input_ids everywhere, as MedicalGPT; a short
 * chunk (only from a batch with fewer than block_size tokens) is padded with `padId` and its padding gets
 * IGNORE_INDEX labels, since a fixed-shape array cannot hold it otherwise (report.shortBlocks counts them).
 */
export function packDocuments(
  docs: Iterable<ArrayLike<number>>,
  opts: PackOptions & { padId?: number },
): PackedResult {
  const packer = new MedicalGptPacker(opts);
  const blocks: Int32Array[] = [];
  for (const d of docs) for (const b of packer.push(d)) blocks.push(b);
  for (const b of packer.finish()) blocks.push(b);
  const bs = opts.blockSize;
  const inputIds = new Int32Array(blocks.length * bs);
  const labels = new Int32Array(blocks.length * bs);
  blocks.forEach((b, i) => {
    inputIds.set(b, i * bs);
    labels.set(b, i * bs);
    for (let j = b.length; j < bs; j++) {
      inputIds[i * bs + j] = opts.padId ?? opts.eosId;
      labels[i * bs + j] = IGNORE_INDEX;
    }
  });
  return { blockSize: bs, nBlocks: blocks.length, inputIds, labels, report: packer.report };
}

export interface PadOptions {
  blockSize: number;
  padId: number;
  /** Mask padding positions out of the loss (true: plateau's default; false: what MedicalGPT does). */
  maskPad?: boolean;
  /** Append EOS to each document before truncating (MedicalGPT's padded path does not). */
  eosId?: number;
}

export interface PaddedResult extends TrainingBlocks {
  /** Label positions that hold padding and still count in the loss (0 when maskPad). */
  padInLoss: number;
  /** All label positions that count in the loss. */
  lossPositions: number;
  truncatedDocs: number;
}

/** One row per document: truncate to blockSize, right-pad with padId (Qwen's padding side), labels masked by position. */
export function padDocuments(docs: Iterable<ArrayLike<number>>, opts: PadOptions): PaddedResult {
  const rows: ArrayLike<number>[] = [];
  for (const d of docs) rows.push(d);
  const bs = opts.blockSize;
  const maskPad = opts.maskPad ?? true;
  const inputIds = new Int32Array(rows.length * bs).fill(opts.padId);
  const labels = new Int32Array(rows.length * bs);
  let padInLoss = 0;
  let lossPositions = 0;
  let truncatedDocs = 0;
  rows.forEach((d, r) => {
    const withEos = opts.eosId !== undefined ? d.length + 1 : d.length;
    if (withEos > bs) truncatedDocs++;
    const n = Math.min(withEos, bs);
    for (let j = 0; j < n; j++) inputIds[r * bs + j] = j < d.length ? d[j] : (opts.eosId as number);
    for (let j = 0; j < bs; j++) {
      const real = j < n;
      labels[r * bs + j] = real || !maskPad ? inputIds[r * bs + j] : IGNORE_INDEX;
      if (labels[r * bs + j] !== IGNORE_INDEX) {
        lossPositions++;
        if (!real) padInLoss++;
      }
    }
  });
  return { blockSize: bs, nBlocks: rows.length, inputIds, labels, padInLoss, lossPositions, truncatedDocs };
}

export interface PitfallFinding {
  id: "pad_in_loss" | "pad_is_eos" | "eos_masked_as_pad" | "no_eos_between_docs";
  severity: "error" | "warning" | "info";
  message: string;
}

export interface PitfallSetting {
  mode: "packed" | "padded";
  eosId: number | undefined;
  padId: number | undefined;
  /** Padded mode: are padding positions excluded from the loss? (MedicalGPT: no.) */
  maskPad: boolean;
  /** How the collator masks labels: "none" (MedicalGPT's fault_tolerance_data_collator), "pad-id" (HF's
   * DataCollatorForLanguageModeling: labels[labels == pad_token_id] = -100), or "position" (plateau). */
  collatorMask: "none" | "pad-id" | "position";
  /** Fraction of loss positions that are padding, if measured (padDocuments gives padInLoss / lossPositions). */
  padFractionOfLoss?: number;
}

/** The MedicalGPT pitfalls around pad and eos, for a given tokenizer and training setting. */
export function checkPadPitfalls(s: PitfallSetting): PitfallFinding[] {
  const out: PitfallFinding[] = [];
  const same = s.padId !== undefined && s.padId === s.eosId;
  if (s.eosId === undefined && s.mode === "packed")
    out.push({
      id: "no_eos_between_docs",
      severity: "warning",
      message: "the tokenizer has no eos token: packed documents run into each other with no separator",
    });
  if (s.mode === "padded" && !s.maskPad && s.collatorMask !== "pad-id") {
    const frac =
      s.padFractionOfLoss !== undefined
        ? ` (${(100 * s.padFractionOfLoss).toFixed(1)}% of loss positions here)`
        : "";
    out.push({
      id: "pad_in_loss",
      severity: "error",
      message: `padding tokens count in the loss${frac}: predicting pad after pad is easy, so the loss is artificially low and falls for the wrong reason; mask padding positions with -100`,
    });
  }
  if (same) {
    if (s.collatorMask === "pad-id")
      out.push({
        id: "eos_masked_as_pad",
        severity: "error",
        message: `pad == eos (id ${s.padId}) and the collator masks labels equal to pad: every real EOS is masked too, so the model never learns to end a document`,
      });
    else if (s.mode === "padded" && !s.maskPad)
      out.push({
        id: "pad_is_eos",
        severity: "error",
        message: `pad == eos (id ${s.padId}) and padding is trained on: the model learns long runs of EOS after each document`,
      });
    else
      out.push({
        id: "pad_is_eos",
        severity: "info",
        message: `pad == eos (id ${s.padId}): harmless with position masking, but any collator that masks by pad id will also hide every EOS`,
      });
  }
  return out;
}
