import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DTYPE } from "./event.js";
import { ProtoWriter } from "./protobuf.js";
import { frameRecord } from "./record.js";

/**
 * Writes TensorBoard event files, so TensorBoard (or anything that reads event files) can open plateau's runs.
 * Bytes are what TensorBoard 2.x writes with `tf.summary.scalar`:
 *
 *   first record  Event{wall_time, file_version: "brain.Event:2"}
 *   each scalar   Event{wall_time, step, summary{value{tag, tensor{dtype: DT_FLOAT, tensor_shape{}, tensor_content:
 *                 4 bytes LE}, metadata (first value of each tag only){plugin_data{plugin_name: "scalars"},
 *                 data_class: DATA_CLASS_SCALAR}}}}
 *
 * Fields are written in field-number order and proto3 defaults (step 0, empty strings) are omitted, as
 * protobuf's own serializers do. `style: "simple"` writes the legacy `simple_value` scalars instead (what
 * PyTorch's SummaryWriter.add_scalar writes by default).
 */

export const FILE_VERSION = "brain.Event:2";
export type ScalarStyle = "tensor" | "simple";

export function encodeFileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).string(3, FILE_VERSION).finish();
}

export function encodeScalarEvent(
  tag: string,
  step: number,
  value: number,
  wallTime: number,
  opts: { style?: ScalarStyle; withMetadata?: boolean } = {},
): Uint8Array {
  const v = new ProtoWriter().string(1, tag);
  if ((opts.style ?? "tensor") === "simple") {
    v.float(2, value);
  } else {
    const content = new Uint8Array(4);
    new DataView(content.buffer).setFloat32(0, value, true);
    const tensor = new ProtoWriter().varint(1, DTYPE.float).message(2, new ProtoWriter()).bytes(4, content);
    v.message(8, tensor);
    if (opts.withMetadata ?? true) {
      const plugin = new ProtoWriter().string(1, "scalars");
      v.message(9, new ProtoWriter().message(1, plugin).varint(4, 1));
    }
  }
  const ev = new ProtoWriter().double(1, wallTime);
  if (step !== 0) ev.varint(2, step);
  return ev.message(5, new ProtoWriter().message(1, v)).finish();
}

/** The file name TensorBoard's EventFileWriter uses: events.out.tfevents.<%010d seconds>.<host>.<pid>.<uid>. */
export function eventFileName(
  wallTime: number,
  host = hostname(),
  pid = process.pid,
  uid = 0,
  suffix = "",
): string {
  return `events.out.tfevents.${String(Math.floor(wallTime)).padStart(10, "0")}.${host}.${pid}.${uid}${suffix}`;
}

let nextUid = 0;

/**
 * An event file being written. Every event is written with one write() and so reaches the OS before the call
 * returns (a killed trainer leaves at most a partial last record, which readers skip); sync() makes it durable.
 */
export class TfEventsWriter {
  private fd: number;
  private readonly seenTags = new Set<string>();
  readonly path: string;

  constructor(
    dir: string,
    private readonly opts: { style?: ScalarStyle; now?: () => number; fileName?: string } = {},
  ) {
    mkdirSync(dir, { recursive: true });
    const t = this.now();
    this.path = join(dir, opts.fileName ?? eventFileName(t, hostname(), process.pid, nextUid++));
    this.fd = openSync(this.path, "wx");
    this.write(encodeFileVersionEvent(t));
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now() / 1000;
  }

  scalar(tag: string, step: number, value: number, wallTime = this.now()): void {
    const first = !this.seenTags.has(tag);
    if (first) this.seenTags.add(tag);
    this.write(
      encodeScalarEvent(tag, step, value, wallTime, { style: this.opts.style, withMetadata: first }),
    );
  }

  /** Several series at one step (one event each, as TensorBoard writes them). */
  scalars(step: number, values: Record<string, number>, wallTime = this.now()): void {
    for (const [tag, v] of Object.entries(values)) this.scalar(tag, step, v, wallTime);
  }

  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  private write(event: Uint8Array): void {
    const rec = frameRecord(event);
    let off = 0;
    while (off < rec.length) off += writeSync(this.fd, rec, off, rec.length - off);
  }
}
