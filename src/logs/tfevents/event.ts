import { bfloat16ToFloat, halfToFloat } from "../../util/float16.js";
import { ProtoReader, WIRE } from "./protobuf.js";

/**
 * Decoding TensorBoard's Event protos (tensorboard/compat/proto/event.proto, summary.proto, tensor.proto) down to
 * scalars. Field numbers used:
 *
 *   Event          1 wall_time (double) · 2 step (int64) · 3 file_version · 5 summary · 7 session_log
 *   Summary        1 value (repeated)
 *   Summary.Value  1 tag · 7 node_name (pre-2016 files) · 2 simple_value (float) · 8 tensor · 9 metadata
 *   Metadata       1 plugin_data {1 plugin_name} · 4 data_class (1 = scalar)
 *   TensorProto    1 dtype · 2 tensor_shape {2 dim {1 size}} · 4 tensor_content · 5 float_val · 6 double_val
 *                  7 int_val · 10 int64_val · 13 half_val
 *   SessionLog     1 status (1 START, 2 STOP, 3 CHECKPOINT) · 2 checkpoint_path
 *
 * A summary's metadata is written only with the first value of each tag (summary.proto says so), so the decoder
 * remembers the plugin per tag: a tensor without metadata is a scalar when its tag's first value said so.
 */

export const DTYPE = {
  float: 1,
  double: 2,
  int32: 3,
  uint8: 4,
  int16: 5,
  int8: 6,
  int64: 9,
  bool: 10,
  bfloat16: 14,
  half: 19,
  uint32: 22,
  uint64: 23,
} as const;

/** Summary.Value fields that hold other kinds of data than scalars. */
const NON_SCALAR_FIELDS: Record<number, string> = { 3: "histogram", 4: "image", 5: "histogram", 6: "audio" };

export const SESSION_STATUS = { start: 1, stop: 2, checkpoint: 3 } as const;

export interface EventSink {
  scalar(tag: string, step: number, wallTime: number, value: number): void;
  fileVersion?(version: string, wallTime: number): void;
  sessionLog?(status: number, step: number, wallTime: number, checkpointPath: string): void;
  /** A text summary (plugin `text`): its first string. HF's TensorBoard callback logs the training args so. */
  text?(tag: string, step: number, text: string): void;
  /** A summary value that is not a scalar (histogram, image, text, multi-element tensor): counted, not kept. */
  nonScalar?(tag: string, why: string): void;
}

export class EventDecoder {
  /** plugin name by tag, from the first value of each tag that carried metadata. */
  readonly pluginByTag = new Map<string, string>();
  private readonly scalarClassTags = new Set<string>();

  /** Decode one Event from buf[start, end) and report what it holds. Throws ProtoError on malformed bytes. */
  decode(buf: Uint8Array, start: number, end: number, sink: EventSink): void {
    const r = new ProtoReader(buf, start, end);
    let wall = 0;
    let step = 0;
    let summary: [number, number] | undefined;
    let fileVersion: string | undefined;
    let session: [number, number] | undefined;
    while (!r.done) {
      const rk = r.tag();
      const f = rk >>> 3;
      const w = rk & 7;
      if (f === 1 && w === WIRE.i64) wall = r.double();
      else if (f === 2 && w === WIRE.varint) step = r.varint();
      else if (f === 3 && w === WIRE.len) fileVersion = r.string();
      else if (f === 5 && w === WIRE.len) summary = r.lenRange();
      else if (f === 7 && w === WIRE.len) session = r.lenRange();
      else r.skip(w);
    }
    if (fileVersion !== undefined) sink.fileVersion?.(fileVersion, wall);
    if (session && sink.sessionLog) {
      const s = new ProtoReader(buf, session[0], session[1]);
      let status = 0;
      let path = "";
      while (!s.done) {
        const sk = s.tag();
        const f = sk >>> 3;
        const w = sk & 7;
        if (f === 1 && w === WIRE.varint) status = s.varint();
        else if (f === 2 && w === WIRE.len) path = s.string();
        else s.skip(w);
      }
      sink.sessionLog(status, step, wall, path);
    }
    if (!summary) return;
    const sr = new ProtoReader(buf, summary[0], summary[1]);
    while (!sr.done) {
      const srk = sr.tag();
      const f = srk >>> 3;
      const w = srk & 7;
      if (f === 1 && w === WIRE.len) {
        const [vs, ve] = sr.lenRange();
        this.value(buf, vs, ve, step, wall, sink);
      } else sr.skip(w);
    }
  }

  private value(
    buf: Uint8Array,
    start: number,
    end: number,
    step: number,
    wall: number,
    sink: EventSink,
  ): void {
    const r = new ProtoReader(buf, start, end);
    let tag = "";
    let nodeName = "";
    let simple: number | undefined;
    let tensor: [number, number] | undefined;
    let other = "";
    while (!r.done) {
      const rk = r.tag();
      const f = rk >>> 3;
      const w = rk & 7;
      if (f === 1 && w === WIRE.len) tag = r.string();
      else if (f === 2 && w === WIRE.i32) simple = r.float();
      else if (f === 8 && w === WIRE.len) tensor = r.lenRange();
      else if (f === 9 && w === WIRE.len) {
        const [ms, me] = r.lenRange();
        this.metadata(buf, ms, me, tag);
      } else if (f === 7 && w === WIRE.len) nodeName = r.string();
      else {
        other = NON_SCALAR_FIELDS[f] ?? other;
        r.skip(w);
      }
    }
    if (tag === "") tag = nodeName;
    if (simple !== undefined) {
      sink.scalar(tag, step, wall, simple);
      return;
    }
    if (!tensor) {
      if (other) sink.nonScalar?.(tag, other);
      return;
    }
    const plugin = this.pluginByTag.get(tag);
    if (plugin === "text" && sink.text) {
      const t = tensorString(buf, tensor[0], tensor[1]);
      if (t !== undefined) {
        sink.text(tag, step, t);
        return;
      }
    }
    if (plugin !== "scalars" && !this.scalarClassTags.has(tag)) {
      sink.nonScalar?.(tag, plugin ? `plugin ${plugin}` : "tensor without the scalars plugin");
      return;
    }
    const v = tensorScalar(buf, tensor[0], tensor[1]);
    if (typeof v === "number") sink.scalar(tag, step, wall, v);
    else sink.nonScalar?.(tag, v.why);
  }

  private metadata(buf: Uint8Array, start: number, end: number, tag: string): void {
    const r = new ProtoReader(buf, start, end);
    while (!r.done) {
      const rk = r.tag();
      const f = rk >>> 3;
      const w = rk & 7;
      if (f === 1 && w === WIRE.len) {
        const [ps, pe] = r.lenRange();
        const p = new ProtoReader(buf, ps, pe);
        while (!p.done) {
          const pk = p.tag();
          const pf = pk >>> 3;
          const pw = pk & 7;
          if (pf === 1 && pw === WIRE.len) this.pluginByTag.set(tag, p.string());
          else p.skip(pw);
        }
      } else if (f === 4 && w === WIRE.varint) {
        if (r.varint() === 1) this.scalarClassTags.add(tag);
      } else r.skip(w);
    }
  }
}

/**
 * The single value of a rank-0 (or one-element) TensorProto, or why it is not one. Written without closures or
 * per-call allocations: it runs once per tensor scalar, millions of times for a long run.
 */
export function tensorScalar(buf: Uint8Array, start: number, end: number): number | { why: string } {
  const r = new ProtoReader(buf, start, end);
  let dtype = 0;
  let elements = 1;
  let cs = -1;
  let ce = -1;
  let first = Number.NaN;
  let firstField = 0;
  while (!r.done) {
    const k = r.tag();
    const f = k >>> 3;
    const w = k & 7;
    if (f === 1 && w === WIRE.varint) dtype = r.varint();
    else if (f === 2 && w === WIRE.len) {
      const [ss, se] = r.lenRange();
      elements = shapeElements(buf, ss, se);
    } else if (f === 4 && w === WIRE.len) [cs, ce] = r.lenRange();
    else if (f === 5 || f === 6 || f === 7 || f === 10 || f === 13) {
      // Repeated numeric fields: packed (one length-delimited run) or one value per key. Keep the first.
      const isFirst = firstField === 0;
      if (isFirst) firstField = f;
      if (w === WIRE.len) {
        const stop = r.varint() + r.pos;
        if (isFirst && stop > r.pos) first = f === 5 ? r.float() : f === 6 ? r.double() : r.varint();
        r.pos = stop;
      } else if (isFirst) first = f === 5 ? r.float() : f === 6 ? r.double() : r.varint();
      else r.skip(w);
    } else r.skip(w);
  }
  if (elements !== 1) return { why: `tensor with ${elements} elements` };
  if (ce > cs) return contentScalar(buf, cs, ce - cs, dtype);
  if (firstField === 0) return { why: "tensor without a value" };
  // half_val holds the raw 16 bits of DT_HALF and DT_BFLOAT16 values.
  if (firstField === 13)
    return dtype === DTYPE.bfloat16 ? bfloat16ToFloat(first & 0xffff) : halfToFloat(first & 0xffff);
  if (firstField === 7) return first | 0;
  return first;
}

function contentScalar(buf: Uint8Array, s: number, n: number, dtype: number): number | { why: string } {
  const r = new ProtoReader(buf, s, s + n);
  switch (dtype) {
    case DTYPE.float:
      if (n === 4) return r.float();
      break;
    case DTYPE.double:
      if (n === 8) return r.double();
      break;
    case DTYPE.half:
      if (n === 2) return halfToFloat(buf[s] | (buf[s + 1] << 8));
      break;
    case DTYPE.bfloat16:
      if (n === 2) return bfloat16ToFloat(buf[s] | (buf[s + 1] << 8));
      break;
    case DTYPE.int32:
      if (n === 4) return r.fixed32() | 0;
      break;
    case DTYPE.int64:
      if (n === 8) return Number(new DataView(buf.buffer, buf.byteOffset + s, 8).getBigInt64(0, true));
      break;
    case DTYPE.uint8:
      if (n === 1) return buf[s];
      break;
    default:
      return { why: `tensor of dtype ${dtype}` };
  }
  return { why: `tensor_content of ${n} bytes for dtype ${dtype}` };
}

/** The first string_val (field 8) of a TensorProto. */
function tensorString(buf: Uint8Array, start: number, end: number): string | undefined {
  const r = new ProtoReader(buf, start, end);
  while (!r.done) {
    const rk = r.tag();
    const f = rk >>> 3;
    const w = rk & 7;
    if (f === 8 && w === WIRE.len) return r.string();
    r.skip(w);
  }
  return undefined;
}

function shapeElements(buf: Uint8Array, start: number, end: number): number {
  const r = new ProtoReader(buf, start, end);
  let n = 1;
  while (!r.done) {
    const rk = r.tag();
    const f = rk >>> 3;
    const w = rk & 7;
    if (f === 2 && w === WIRE.len) {
      const [ds, de] = r.lenRange();
      const d = new ProtoReader(buf, ds, de);
      let size = 0;
      while (!d.done) {
        const dk = d.tag();
        const df = dk >>> 3;
        const dw = dk & 7;
        if (df === 1 && dw === WIRE.varint) size = d.varint();
        else d.skip(dw);
      }
      n *= size;
    } else r.skip(w);
  }
  return n;
}
