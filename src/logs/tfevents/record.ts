import { maskedCrc32c } from "./crc32c.js";

/**
 * TFRecord framing, as TensorFlow and TensorBoard write event files (tensorboard/summary/writer/record_writer.py):
 *
 *   uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data[length] | uint32 masked_crc32c(data)
 */

export const HEADER_BYTES = 12;
export const FOOTER_BYTES = 4;

/** Frame one record. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + data.length + FOOTER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length >>> 0, true);
  view.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out, 0, 8), true);
  out.set(data, HEADER_BYTES);
  view.setUint32(HEADER_BYTES + data.length, maskedCrc32c(data), true);
  return out;
}

export type RecordIssue =
  | { kind: "bad-length-crc"; offset: number; resyncedAt?: number }
  | { kind: "bad-data-crc"; offset: number; length: number };

export interface ScanState {
  /** File offset where framing was lost and not yet found again (a resync scan is in progress). */
  lostAt?: number;
}

export interface ScanResult {
  /** Bytes fully consumed: records (good or skipped) end here; the rest is an incomplete record. */
  consumed: number;
  issues: RecordIssue[];
}

/** Records longer than this are treated as corrupt framing (no scalar event comes near it). */
const MAX_RECORD = 1 << 30;

/**
 * Walk the records in buf[0, end) and hand each verified payload to onRecord(buf, start, end, fileOffset).
 * `base` is the file offset of buf[0]. Stops at an incomplete trailing record and says how far it got, so a
 * streaming caller can keep the tail for the next chunk. A record whose length CRC is wrong means the framing
 * is lost: the scanner looks for the next offset where a valid header starts (a false match has a 2^-32
 * chance), across chunks if need be (`state`), and reports the gap once. A record whose data CRC is wrong is
 * skipped and reported.
 */
export function scanRecords(
  buf: Uint8Array,
  end: number,
  base: number,
  onRecord: (buf: Uint8Array, start: number, end: number, offset: number) => void,
  state: ScanState = {},
): ScanResult {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const issues: RecordIssue[] = [];
  let pos = 0;
  while (end - pos >= HEADER_BYTES) {
    const len = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 2 ** 32;
    if (view.getUint32(pos + 8, true) !== maskedCrc32c(buf, pos, pos + 8) || len > MAX_RECORD) {
      state.lostAt ??= base + pos;
      const next = resync(buf, view, pos + 1, end);
      if (next < 0) {
        // Nothing valid in what we have: keep the last bytes, a header may straddle the chunk boundary.
        return { consumed: Math.max(pos + 1, end - HEADER_BYTES + 1), issues };
      }
      pos = next;
      continue;
    }
    if (state.lostAt !== undefined) {
      issues.push({ kind: "bad-length-crc", offset: state.lostAt, resyncedAt: base + pos });
      state.lostAt = undefined;
    }
    const total = HEADER_BYTES + len + FOOTER_BYTES;
    if (end - pos < total) break;
    const ds = pos + HEADER_BYTES;
    const de = ds + len;
    if (view.getUint32(de, true) !== maskedCrc32c(buf, ds, de)) {
      issues.push({ kind: "bad-data-crc", offset: base + pos, length: len });
    } else {
      onRecord(buf, ds, de, base + pos);
    }
    pos += total;
  }
  return { consumed: pos, issues };
}

function resync(buf: Uint8Array, view: DataView, from: number, end: number): number {
  for (let p = from; end - p >= HEADER_BYTES; p++) {
    const len = view.getUint32(p, true) + view.getUint32(p + 4, true) * 2 ** 32;
    if (len <= MAX_RECORD && view.getUint32(p + 8, true) === maskedCrc32c(buf, p, p + 8)) return p;
  }
  return -1;
}
