import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EventSink } from "../../src/logs/tfevents/event.js";
import {
  crc32c,
  encodeFileVersionEvent,
  encodeScalarEvent,
  frameRecord,
  maskedCrc32c,
  readTfEventsFile,
  TfEventsWriter,
} from "../../src/logs/tfevents/index.js";
import { tmpDir } from "../helpers/tmp.js";

const FIX = join(import.meta.dirname, "../fixtures/logs/tfevents");
const fix = (name: string) => new Uint8Array(readFileSync(join(FIX, name)));

/** Bit-at-a-time CRC-32C straight from the definition, to check the table-driven one against. */
function crc32cBitwise(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

interface Got {
  scalars: [string, number, number, number][];
  other: [string, string][];
  versions: string[];
  sessions: [number, number][];
}
function collect(): { got: Got; sink: EventSink } {
  const got: Got = { scalars: [], other: [], versions: [], sessions: [] };
  return {
    got,
    sink: {
      scalar: (tag, step, wall, value) => got.scalars.push([tag, step, wall, value]),
      nonScalar: (tag, why) => got.other.push([tag, why]),
      fileVersion: (v) => got.versions.push(v),
      sessionLog: (status, step) => got.sessions.push([status, step]),
    },
  };
}

describe("CRC-32C", () => {
  it("matches the published check value and RFC 3720 B.4 vectors", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it("agrees with the bitwise definition at every length and offset (slicing-by-8 tail handling)", () => {
    const data = Uint8Array.from({ length: 97 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let s = 0; s < 9; s++)
      for (let e = s; e <= data.length; e++)
        expect(crc32c(data, s, e)).toBe(crc32cBitwise(data.subarray(s, e)));
  });

  it("masks as TensorFlow does: the header CRC of a 24-byte record is a3 7f 4b 22", () => {
    const len = new Uint8Array(8);
    len[0] = 24;
    const m = maskedCrc32c(len);
    expect([m & 0xff, (m >>> 8) & 0xff, (m >>> 16) & 0xff, m >>> 24]).toEqual([0xa3, 0x7f, 0x4b, 0x22]);
  });
});

describe("event-file writer, byte for byte against protoc's encoding", () => {
  it("file_version event and its framed record", () => {
    const ev = encodeFileVersionEvent(1700000000.25);
    expect(ev).toEqual(fix("ref-file-version.pb"));
    expect(frameRecord(ev)).toEqual(fix("ref-file-version.record"));
  });

  it("TB 2.x tensor scalar: metadata on the first value of a tag only", () => {
    const first = encodeScalarEvent("train/loss", 42, 2.5, 1700000001.5);
    expect(first).toEqual(fix("ref-scalar-first.pb"));
    expect(frameRecord(first)).toEqual(fix("ref-scalar-first.record"));
    expect(encodeScalarEvent("train/loss", 43, 2.25, 1700000002.5, { withMetadata: false })).toEqual(
      fix("ref-scalar-next.pb"),
    );
  });

  it("legacy simple_value scalar at step 0 (proto3 omits the default step)", () => {
    expect(encodeScalarEvent("train/lr", 0, 0.0003, 1700000003.5, { style: "simple" })).toEqual(
      fix("ref-simple-step0.pb"),
    );
  });

  it("writes a file TensorBoard can read: file_version first, then scalars, metadata once per tag", () => {
    const dir = tmpDir();
    let t = 1700000000;
    const w = new TfEventsWriter(dir, { now: () => t++ });
    w.scalars(1, { "train/loss": 3.5, "train/lr": 1e-3 });
    w.scalar("train/loss", 2, Number.NaN);
    w.close();
    expect(basename(w.path)).toMatch(/^events\.out\.tfevents\.1700000000\.[^.]+\.\d+\.\d+$/);
    const bytes = new Uint8Array(readFileSync(w.path));
    // The first record is the file_version event, exactly.
    expect(bytes.subarray(0, 40)).toEqual(frameRecord(encodeFileVersionEvent(1700000000)));
    const { got, sink } = collect();
    const r = readTfEventsFile(w.path, sink);
    expect(r.issues).toEqual([]);
    expect(r.partialTail).toBeUndefined();
    expect(got.versions).toEqual(["brain.Event:2"]);
    expect(got.scalars.map(([tag, step, , v]) => [tag, step, v])).toEqual([
      ["train/loss", 1, 3.5],
      ["train/lr", 1, Math.fround(1e-3)],
      ["train/loss", 2, Number.NaN],
    ]);
    // The third event carries no metadata: it was decoded as a scalar because the tag's first value said so.
    const third = encodeScalarEvent("train/loss", 2, Number.NaN, 1700000002, { withMetadata: false });
    expect(bytes.subarray(bytes.length - third.length - 4, bytes.length - 4)).toEqual(third);
  });
});

describe("event-file reader on protoc-made reference bytes", () => {
  it("reads simple_value, float_val, double_val and tensor_content scalars; skips the rest; accepts a torn tail", () => {
    const { got, sink } = collect();
    const r = readTfEventsFile(join(FIX, "events.out.tfevents.1700000000.reference.1.0"), sink);
    expect(r.issues).toEqual([]);
    expect(r.records).toBe(12);
    expect(r.partialTail).toMatchObject({ bytes: expect.any(Number) });
    expect(got.versions).toEqual(["brain.Event:2"]);
    expect(got.scalars.map(([tag, step, , v]) => [tag, step, v])).toEqual([
      ["loss", 1, 2.5],
      ["new/float_val", 1, 1.25],
      ["new/float_val", 2, 1.125],
      ["new/double_val", 2, 0.1],
      ["tf2/content", 3, 1.5],
      ["tf2/content", 4, 1],
      ["tf2/double_content", 4, 0.1],
      ["loss", 5, Number.NaN],
      ["loss", 5_000_000_000, 1.5],
    ]);
    expect(got.scalars[0][2]).toBe(1700000001);
    expect(got.other).toEqual([
      ["weights", "histogram"],
      ["args/text_summary", "plugin text"],
    ]);
    expect(got.sessions).toEqual([[1, 7]]);
  });

  it("gives the same answer when read in tiny chunks (records straddle chunk boundaries)", () => {
    const a = collect();
    const b = collect();
    const file = join(FIX, "events.out.tfevents.1700000000.reference.1.0");
    readTfEventsFile(file, a.sink);
    readTfEventsFile(file, b.sink, undefined, 16);
    expect(b.got).toEqual(a.got);
  });

  it("skips a record whose data fails its CRC and resynchronises after a corrupt header", () => {
    const dir = tmpDir();
    const good = fix("events.out.tfevents.1700000000.reference.1.0");
    const bad = good.slice();
    // Record 2 (the first "loss" scalar) starts after the 40-byte file_version record: flip a data byte.
    bad[40 + 12 + 5] ^= 0x01;
    // Corrupt the length field of record 4.
    const starts: number[] = [];
    for (let p = 0, k = 0; k < 5; k++) {
      starts.push(p);
      p += 16 + new DataView(good.buffer).getUint32(p, true);
    }
    bad[starts[3]] ^= 0x40;
    const f = join(dir, "events.out.tfevents.1.corrupt");
    writeFileSync(f, bad);
    const { got, sink } = collect();
    const r = readTfEventsFile(f, sink, undefined, 64);
    expect(r.issues.map((i) => i.message.split(";")[0])).toEqual([
      "record data (26 bytes) fails its CRC-32C check",
      "record header fails its CRC-32C check",
    ]);
    expect(r.issues[1].offset).toBe(starts[3]);
    expect(r.issues[1].message).toContain(`skipped ${starts[4] - starts[3]} bytes`);
    // Lost: the corrupted "loss" at step 1 and the record with the bad header (new/float_val step 2).
    expect(got.scalars.map(([tag, step]) => `${tag}@${step}`)).toEqual([
      "new/float_val@1",
      "new/double_val@2",
      "tf2/content@3",
      "tf2/content@4",
      "tf2/double_content@4",
      "loss@5",
      "loss@5000000000",
    ]);
  });
});
