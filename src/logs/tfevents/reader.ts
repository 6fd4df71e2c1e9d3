import { closeSync, openSync, readSync } from "node:fs";
import { EventDecoder, type EventSink } from "./event.js";
import { ProtoError } from "./protobuf.js";
import { type RecordIssue, type ScanState, scanRecords } from "./record.js";

export interface TfReadResult {
  bytes: number;
  records: number;
  /** Framing and decoding problems, by byte offset. */
  issues: { offset: number; message: string }[];
  /** Set when the file ends inside a record (a writer still at work, or killed): that record is ignored. */
  partialTail?: { offset: number; bytes: number };
}

const CHUNK = 8 << 20;

/**
 * Read an event file from start to end, streaming it in chunks (event files can be gigabytes), verifying both
 * CRCs of every record and decoding each Event into `sink`. Bad records are reported and skipped; the file is
 * never rejected as a whole. Pass a shared decoder to keep plugin-per-tag memory across a run's files.
 */
export function readTfEventsFile(
  path: string,
  sink: EventSink,
  decoder: EventDecoder = new EventDecoder(),
  chunkSize = CHUNK,
): TfReadResult {
  const fd = openSync(path, "r");
  const issues: TfReadResult["issues"] = [];
  let records = 0;
  let fileOffset = 0; // file offset of buf[0]
  let buf = new Uint8Array(chunkSize);
  let have = 0;
  let eof = false;
  const state: ScanState = {};
  try {
    while (!eof) {
      if (have === buf.length) {
        // One record larger than the buffer: grow it.
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      const n = readSync(fd, buf, have, buf.length - have, fileOffset + have);
      if (n === 0) eof = true;
      have += n;
      const scan = scanRecords(
        buf,
        have,
        fileOffset,
        (b, s, e, off) => {
          records++;
          try {
            decoder.decode(b, s, e, sink);
          } catch (err) {
            if (!(err instanceof ProtoError)) throw err;
            issues.push({
              offset: off,
              message: `record is not a valid Event proto (${err.message}); skipped`,
            });
          }
        },
        state,
      );
      for (const i of scan.issues) issues.push({ offset: i.offset, message: describeIssue(i) });
      if (scan.consumed > 0) {
        buf.copyWithin(0, scan.consumed, have);
        have -= scan.consumed;
        fileOffset += scan.consumed;
      }
    }
  } finally {
    closeSync(fd);
  }
  const result: TfReadResult = { bytes: fileOffset + have, records, issues };
  if (state.lostAt !== undefined) {
    issues.push({
      offset: state.lostAt,
      message: "record header fails its CRC-32C check; no valid record after it",
    });
  } else if (have > 0) result.partialTail = { offset: fileOffset, bytes: have };
  return result;
}

function describeIssue(i: RecordIssue): string {
  switch (i.kind) {
    case "bad-length-crc":
      return `record header fails its CRC-32C check; skipped ${(i.resyncedAt ?? i.offset) - i.offset} bytes to the next valid record`;
    case "bad-data-crc":
      return `record data (${i.length} bytes) fails its CRC-32C check; record skipped`;
  }
}
