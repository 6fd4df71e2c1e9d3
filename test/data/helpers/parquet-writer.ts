import { gzipSync } from "node:zlib";

/**
 * A minimal Parquet writer written from the format spec (apache/parquet-format: Thrift compact protocol,
 * DATA_PAGE v1, PLAIN encoding, RLE definition levels), independent of hyparquet, so the reader is tested
 * against files it did not produce. One row group per `rowGroups` entry; columns are BYTE_ARRAY (UTF8, or raw
 * binary) or INT32; a null in the values makes the column OPTIONAL.
 */
export interface ColumnSpec {
  name: string;
  values: (string | Uint8Array | number | null)[];
  /** UTF8-annotated strings (default) or plain binary. */
  utf8?: boolean;
}

export function writeParquet(
  rowGroups: ColumnSpec[][],
  opts: { codec?: "UNCOMPRESSED" | "GZIP" } = {},
): Buffer {
  const codec = opts.codec === "GZIP" ? 2 : 0;
  const chunks: Buffer[] = [Buffer.from("PAR1")];
  let offset = 4;
  const groups: Field[] = [];
  let totalRows = 0;
  const first = rowGroups[0];
  const isOptional = (name: string) =>
    rowGroups.some((g) => g.find((x) => x.name === name)?.values.some((v) => v === null));
  for (const cols of rowGroups) {
    const rows = cols[0].values.length;
    totalRows += rows;
    const colChunks: Field[] = [];
    for (const c of cols) {
      const isInt = c.values.some((v) => typeof v === "number");
      const optional = isOptional(c.name);
      const body = pageBody(c.values, optional, isInt);
      const compressed = codec === 2 ? gzipSync(body) : body;
      const header = struct([
        [1, i32(0)],
        [2, i32(body.length)],
        [3, i32(compressed.length)],
        [
          5,
          struct([
            [1, i32(c.values.length)],
            [2, i32(0)],
            [3, i32(3)],
            [4, i32(3)],
          ]),
        ],
      ]);
      const pageOffset = offset;
      chunks.push(header.bytes, compressed);
      offset += header.bytes.length + compressed.length;
      const meta = struct([
        [1, i32(isInt ? 1 : 6)],
        [2, list(5, [i32(0), i32(3)])],
        [3, list(8, [binary(Buffer.from(c.name))])],
        [4, i32(codec)],
        [5, i64(c.values.length)],
        [6, i64(header.bytes.length + body.length)],
        [7, i64(header.bytes.length + compressed.length)],
        [9, i64(pageOffset)],
      ]);
      colChunks.push(
        struct([
          [2, i64(pageOffset)],
          [3, meta],
        ]),
      );
    }
    groups.push(
      struct([
        [1, list(12, colChunks)],
        [2, i64(0)],
        [3, i64(rows)],
      ]),
    );
  }
  const schema = [
    struct([
      [4, binary(Buffer.from("schema"))],
      [5, i32(first.length)],
    ]),
  ];
  for (const c of first) {
    const isInt = c.values.some((v) => typeof v === "number");
    const optional = isOptional(c.name);
    const fields: [number, Field][] = [
      [1, i32(isInt ? 1 : 6)],
      [3, i32(optional ? 1 : 0)],
      [4, binary(Buffer.from(c.name))],
    ];
    if (!isInt && c.utf8 !== false) fields.push([6, i32(0)]);
    schema.push(struct(fields));
  }
  const footer = struct([
    [1, i32(1)],
    [2, list(12, schema)],
    [3, i64(totalRows)],
    [4, list(12, groups)],
  ]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(footer.bytes.length);
  chunks.push(footer.bytes, len, Buffer.from("PAR1"));
  return Buffer.concat(chunks);
}

function pageBody(values: ColumnSpec["values"], optional: boolean, isInt: boolean): Buffer {
  const parts: Buffer[] = [];
  if (optional) {
    // RLE/bit-packing hybrid with bit width 1, as RLE runs only: header = run length << 1, then one byte.
    const runs: Buffer[] = [];
    let i = 0;
    while (i < values.length) {
      const def = values[i] === null ? 0 : 1;
      let j = i;
      while (j < values.length && (values[j] === null ? 0 : 1) === def) j++;
      runs.push(varint((j - i) << 1), Buffer.from([def]));
      i = j;
    }
    const levels = Buffer.concat(runs);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(levels.length);
    parts.push(len, levels);
  }
  for (const v of values) {
    if (v === null) continue;
    if (isInt) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(v as number);
      parts.push(b);
    } else {
      const bytes = typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v as Uint8Array);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(bytes.length);
      parts.push(len, bytes);
    }
  }
  return Buffer.concat(parts);
}

// Thrift compact protocol.
type Field = { type: number; bytes: Buffer };

function varint(n: number | bigint): Buffer {
  let x = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) b |= 0x80;
    out.push(b);
  } while (x > 0n);
  return Buffer.from(out);
}

function zigzag(n: number): bigint {
  const x = BigInt(n);
  return x >= 0n ? x << 1n : (-x << 1n) - 1n;
}

function i32(n: number): Field {
  return { type: 5, bytes: varint(zigzag(n)) };
}

function i64(n: number): Field {
  return { type: 6, bytes: varint(zigzag(n)) };
}

function binary(b: Buffer): Field {
  return { type: 8, bytes: Buffer.concat([varint(b.length), b]) };
}

function list(elemType: number, items: Field[]): Field {
  const bodies = items.map((x) => x.bytes);
  const head =
    items.length < 15
      ? Buffer.from([(items.length << 4) | elemType])
      : Buffer.concat([Buffer.from([0xf0 | elemType]), varint(items.length)]);
  return { type: 9, bytes: Buffer.concat([head, ...bodies]) };
}

function struct(fields: [number, Field][]): Field {
  const parts: Buffer[] = [];
  let last = 0;
  for (const [id, f] of fields) {
    const delta = id - last;
    if (delta > 0 && delta <= 15) parts.push(Buffer.from([(delta << 4) | f.type]));
    else parts.push(Buffer.from([f.type]), varint(zigzag(id)));
    parts.push(f.bytes);
    last = id;
  }
  parts.push(Buffer.from([0]));
  return { type: 12, bytes: Buffer.concat(parts) };
}
