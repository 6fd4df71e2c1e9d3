import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { asUserError, UserError } from "../util/errors.js";
import { halfToFloat } from "../util/float16.js";
import { writeFileAtomicStreamed } from "./atomic-writer.js";

/**
 * safetensors (https://github.com/huggingface/safetensors, format section): an unsigned little-endian 64-bit
 * header size N, N bytes of UTF-8 JSON header, then the byte buffer. The header maps tensor names to
 * {dtype, shape, data_offsets: [begin, end]} (offsets into the byte buffer) plus an optional "__metadata__"
 * string→string map. Tensors are little-endian, row-major, and must cover the buffer without holes or overlaps.
 * Files are read with positional reads (a 1.5B-parameter checkpoint is never loaded in one piece).
 */

export type SafetensorsDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  U16: 2,
  U32: 4,
  U64: 8,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** absolute byte offsets in the file */
  begin: number;
  end: number;
}

/** An open safetensors file: the parsed header, and tensors read on demand. */
export class SafetensorsFile {
  readonly tensors = new Map<string, TensorInfo>();
  metadata: Record<string, string> = {};
  private fd: number;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, "r");
    } catch (err) {
      throw asUserError(err, path) ?? err;
    }
    try {
      this.parseHeader();
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  private bad(message: string): UserError {
    return new UserError(`not a valid safetensors file: ${message}`, { file: this.path });
  }

  private parseHeader(): void {
    const size = fstatSync(this.fd).size;
    if (size < 8) throw this.bad("shorter than the 8-byte header size");
    const head = Buffer.alloc(8);
    readSync(this.fd, head, 0, 8, 0);
    const n = head.readBigUInt64LE(0);
    if (n > BigInt(size - 8) || n > 100_000_000n) throw this.bad(`header size ${n} exceeds the file`);
    const hlen = Number(n);
    const hbuf = Buffer.alloc(hlen);
    readSync(this.fd, hbuf, 0, hlen, 8);
    let header: unknown;
    try {
      header = JSON.parse(hbuf.toString("utf8"));
    } catch (err) {
      throw this.bad(`header is not JSON (${(err as Error).message})`);
    }
    if (!header || typeof header !== "object" || Array.isArray(header) || hbuf[0] !== 0x7b)
      throw this.bad("header is not a JSON object");
    const dataStart = 8 + hlen;
    const dataLen = size - dataStart;
    const spans: [number, number, string][] = [];
    for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
      if (name === "__metadata__") {
        if (!v || typeof v !== "object" || Array.isArray(v)) throw this.bad("__metadata__ is not an object");
        for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
          if (typeof s !== "string") throw this.bad(`__metadata__.${k} is not a string`);
          this.metadata[k] = s;
        }
        continue;
      }
      const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const bytes = typeof e?.dtype === "string" ? DTYPE_BYTES[e.dtype] : undefined;
      if (bytes === undefined) throw this.bad(`tensor ${name}: unknown dtype ${JSON.stringify(e?.dtype)}`);
      if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
        throw this.bad(`tensor ${name}: bad shape`);
      const off = e.data_offsets;
      if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0))
        throw this.bad(`tensor ${name}: bad data_offsets`);
      const [b, en] = off as number[];
      const numel = (e.shape as number[]).reduce((a, d) => a * d, 1);
      if (en < b || en - b !== numel * bytes)
        throw this.bad(
          `tensor ${name}: data_offsets span ${en - b} bytes, shape × dtype needs ${numel * bytes}`,
        );
      if (en > dataLen) throw this.bad(`tensor ${name}: data ends past the end of the file`);
      spans.push([b, en, name]);
      this.tensors.set(name, {
        name,
        dtype: e.dtype as string,
        shape: e.shape as number[],
        begin: dataStart + b,
        end: dataStart + en,
      });
    }
    spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let at = 0;
    for (const [b, en, name] of spans) {
      if (b !== at)
        throw this.bad(`tensor ${name}: ${b < at ? "overlaps the previous tensor" : "leaves a hole"}`);
      at = en;
    }
    if (at !== dataLen) throw this.bad(`${dataLen - at} bytes after the last tensor`);
  }

  /** Raw bytes of a tensor. */
  bytes(name: string): Uint8Array {
    const t = this.tensors.get(name);
    if (!t) throw new UserError(`no tensor ${name}`, { file: this.path });
    const out = new Uint8Array(t.end - t.begin);
    let got = 0;
    while (got < out.length) {
      const r = readSync(this.fd, out, got, out.length - got, t.begin + got);
      if (r === 0) throw this.bad(`tensor ${name}: unexpected end of file`);
      got += r;
    }
    return out;
  }

  /** A floating-point tensor converted to float32 (F32, F64, F16 and BF16), written into `out` if given. */
  readFloat32(name: string, out?: Float32Array | Float64Array): Float32Array | Float64Array {
    const t = this.tensors.get(name)!;
    const raw = this.bytes(name);
    const numel = t.shape.reduce((a, d) => a * d, 1);
    const dst = out ?? new Float32Array(numel);
    decodeFloats(t.dtype, raw, dst, numel, () =>
      this.bad(`tensor ${name}: dtype ${t.dtype} is not a float type`),
    );
    return dst;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Decode little-endian F64/F32/F16/BF16 bytes into dst. */
export function decodeFloats(
  dtype: string,
  raw: Uint8Array,
  dst: Float32Array | Float64Array,
  numel: number,
  badType: () => Error,
): void {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (LITTLE_ENDIAN && raw.byteOffset % 8 === 0) {
    // fast paths: reinterpret the bytes (the host is little-endian like the format)
    if (dtype === "F32") {
      dst.set(new Float32Array(raw.buffer, raw.byteOffset, numel));
      return;
    }
    if (dtype === "F64") {
      dst.set(new Float64Array(raw.buffer, raw.byteOffset, numel));
      return;
    }
  }
  switch (dtype) {
    case "F32":
      for (let i = 0; i < numel; i++) dst[i] = dv.getFloat32(4 * i, true);
      return;
    case "F64":
      for (let i = 0; i < numel; i++) dst[i] = dv.getFloat64(8 * i, true);
      return;
    case "BF16": {
      const u = new Uint32Array(1);
      const f = new Float32Array(u.buffer);
      for (let i = 0; i < numel; i++) {
        u[0] = dv.getUint16(2 * i, true) << 16;
        dst[i] = f[0];
      }
      return;
    }
    case "F16":
      for (let i = 0; i < numel; i++) dst[i] = halfToFloat(dv.getUint16(2 * i, true));
      return;
    default:
      throw badType();
  }
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  /** Written as F32 from a Float32Array, F64 from a Float64Array. */
  data: Float32Array | Float64Array;
}

/**
 * Write a safetensors file atomically (temporary file, fsync, rename, fsync of the directory): a crash leaves
 * either the old file or the complete new one. Tensors are laid out in the given order; the header is padded
 * with spaces to a multiple of 8 bytes so the data is 8-byte aligned.
 */
export function writeSafetensors(
  path: string,
  tensors: TensorToWrite[],
  metadata: Record<string, string> | null = { format: "pt" },
): void {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let off = 0;
  for (const t of tensors) {
    const numel = t.shape.reduce((a, d) => a * d, 1);
    if (numel > t.data.length)
      throw new Error(`writeSafetensors: ${t.name} has fewer elements than its shape`);
    const bytes = numel * t.data.BYTES_PER_ELEMENT;
    header[t.name] = {
      dtype: t.data instanceof Float64Array ? "F64" : "F32",
      shape: t.shape,
      data_offsets: [off, off + bytes],
    };
    off += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  writeFileAtomicStreamed(path, (w) => {
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(json.length));
    w.write(size);
    w.write(json);
    for (const t of tensors) {
      const numel = t.shape.reduce((a, d) => a * d, 1);
      w.write(littleEndianBytes(t.data, numel));
    }
  });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The first numel elements as little-endian bytes (a view when the host is little-endian, else a copy). */
export function littleEndianBytes(data: Float32Array | Float64Array, numel = data.length): Uint8Array {
  const bpe = data.BYTES_PER_ELEMENT;
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, numel * bpe);
  const out = new Uint8Array(numel * bpe);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < numel; i++) {
    if (bpe === 4) dv.setFloat32(4 * i, data[i], true);
    else dv.setFloat64(8 * i, data[i], true);
  }
  return out;
}
