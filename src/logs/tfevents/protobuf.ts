/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/), just enough of it to read and
 * write TensorBoard's Event messages without a schema compiler: varints, 32/64-bit fixed fields and
 * length-delimited fields. Varints decode to JS numbers (exact below 2^53, which covers every step a training
 * run reaches); negative int64 values (10-byte two's-complement varints) decode exactly too.
 */

export const WIRE = { varint: 0, i64: 1, len: 2, sgroup: 3, egroup: 4, i32: 5 } as const;

export class ProtoError extends Error {}

// Little-endian scratch for float reads (every platform Node runs on is little-endian; checked below).
const SCRATCH = new ArrayBuffer(8);
const SCRATCH_U8 = new Uint8Array(SCRATCH);
const SCRATCH_F32 = new Float32Array(SCRATCH);
const SCRATCH_F64 = new Float64Array(SCRATCH);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
  throw new Error("plateau needs a little-endian platform");

/** Reads one message's fields in order. `pos` is public so callers can skip or slice sub-messages. */
export class ProtoReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's key as [field number, wire type]. */
  key(): [number, number] {
    const k = this.varint();
    return [Math.floor(k / 8), k % 8];
  }

  /** The next field's raw key (field number << 3 | wire type), without allocating; keys fit 32 bits. */
  tag(): number {
    const b = this.buf;
    if (this.pos < this.end && b[this.pos] < 0x80) return b[this.pos++];
    return this.varint();
  }

  varint(): number {
    const b = this.buf;
    let result = 0;
    let mul = 1;
    // Fast path: up to 7 bytes (49 bits) fit a double exactly.
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) throw new ProtoError("truncated varint");
      const byte = b[this.pos++];
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
    this.pos -= 7;
    return this.bigVarint();
  }

  /** Slow path for long varints (large or negative int64): BigInt, read as a signed 64-bit integer. */
  private bigVarint(): number {
    let v = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError("truncated varint");
      const byte = this.buf[this.pos++];
      v |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (byte < 0x80) return Number(BigInt.asIntN(64, v));
    }
    throw new ProtoError("varint longer than 10 bytes");
  }

  fixed32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  float(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    SCRATCH_U8[0] = b[p];
    SCRATCH_U8[1] = b[p + 1];
    SCRATCH_U8[2] = b[p + 2];
    SCRATCH_U8[3] = b[p + 3];
    this.pos += 4;
    return SCRATCH_F32[0];
  }

  double(): number {
    this.need(8);
    const b = this.buf;
    const p = this.pos;
    for (let i = 0; i < 8; i++) SCRATCH_U8[i] = b[p + i];
    this.pos += 8;
    return SCRATCH_F64[0];
  }

  /** A length-delimited field: returns [start, end) of its bytes and moves past them. */
  lenRange(): [number, number] {
    const n = this.varint();
    const start = this.pos;
    this.need(n);
    this.pos += n;
    return [start, start + n];
  }

  bytes(): Uint8Array {
    const [s, e] = this.lenRange();
    return this.buf.subarray(s, e);
  }

  string(): string {
    const [s, e] = this.lenRange();
    return decodeUtf8(this.buf, s, e);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE.varint:
        this.varint();
        return;
      case WIRE.i64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE.len:
        this.lenRange();
        return;
      case WIRE.i32:
        this.need(4);
        this.pos += 4;
        return;
      case WIRE.sgroup:
        // Deprecated groups: skip nested fields up to the matching end-group.
        for (;;) {
          const [, w] = this.key();
          if (w === WIRE.egroup) return;
          this.skip(w);
        }
      default:
        throw new ProtoError(`unknown wire type ${wireType}`);
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new ProtoError("truncated field");
  }
}

const utf8 = new TextDecoder("utf-8");
/** Recently decoded short strings by a hash of their bytes: a run repeats a handful of tags millions of times. */
const STRING_CACHE = new Map<number, string>();

function decodeUtf8(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n > 64) return utf8.decode(b.subarray(s, e));
  let h = 0x811c9dc5 ^ n;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  const hit = STRING_CACHE.get(h);
  if (hit !== undefined && hit.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (hit.charCodeAt(i) !== b[s + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  const str = utf8.decode(b.subarray(s, e));
  // Only pure-ASCII strings are cached: the byte comparison above relies on one byte per character.
  if (str.length === n) {
    if (STRING_CACHE.size > 4096) STRING_CACHE.clear();
    STRING_CACHE.set(h, str);
  }
  return str;
}

/** Builds a message; fields are appended in the order written (callers write them in field-number order). */
export class ProtoWriter {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];
  private length = 0;

  private flushChunks(): void {
    if (this.chunks.length) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.length += this.chunks.length;
      this.chunks = [];
    }
  }

  private raw(bytes: Uint8Array): void {
    this.flushChunks();
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  private varintRaw(v: number): void {
    if (v < 0) {
      // int64 negative: 10-byte two's complement.
      let x = BigInt.asUintN(64, BigInt(v));
      while (x >= 0x80n) {
        this.chunks.push(Number(x & 0x7fn) | 0x80);
        x >>= 7n;
      }
      this.chunks.push(Number(x));
      return;
    }
    while (v >= 0x80) {
      this.chunks.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.chunks.push(v);
  }

  private key(field: number, wire: number): void {
    this.varintRaw(field * 8 + wire);
  }

  varint(field: number, v: number): this {
    this.key(field, WIRE.varint);
    this.varintRaw(v);
    return this;
  }

  double(field: number, v: number): this {
    this.key(field, WIRE.i64);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    for (const x of b) this.chunks.push(x);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, WIRE.i32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.chunks.push(x);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, WIRE.len);
    this.varintRaw(b.length);
    this.raw(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    this.flushChunks();
    if (this.parts.length === 1) return this.parts[0];
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}
