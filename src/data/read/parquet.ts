import { open } from "node:fs/promises";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { AsyncBuffer, Compressors, FileMetaData } from "hyparquet";
import { parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";

/**
 * Reads one string column of a .parquet file, one row group at a time (memory: one row group's column), with
 * hyparquet (pure JS). Values come back as raw bytes so invalid UTF-8 is detected rather than silently turned
 * into U+FFFD. Codecs: hyparquet's own SNAPPY, GZIP and BROTLI through node:zlib, LZ4_RAW here; ZSTD and the
 * Hadoop-framed LZ4 are refused with a message (Node 20 has no zstd).
 */
export interface ParquetColumnBatch {
  /** 0-based index of the first row of this batch in the file. */
  rowStart: number;
  totalRows: number;
  values: unknown[];
}

export async function* readParquetColumn(
  path: string,
  column: string,
): AsyncGenerator<ParquetColumnBatch | { missing: string[]; rows: number }> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    const file: AsyncBuffer = {
      byteLength: size,
      async slice(start: number, end?: number) {
        const stop = end ?? size;
        const buf = Buffer.allocUnsafe(stop - start);
        let off = 0;
        while (off < buf.length) {
          const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
          if (bytesRead === 0) break;
          off += bytesRead;
        }
        return buf.buffer.slice(buf.byteOffset, buf.byteOffset + off) as ArrayBuffer;
      },
    };
    const metadata: FileMetaData = await parquetMetadataAsync(file);
    const names = parquetSchema(metadata).children.map((c) => c.element.name);
    if (!names.includes(column)) {
      yield { missing: names, rows: Number(metadata.num_rows) };
      return;
    }
    const totalRows = Number(metadata.num_rows);
    let rowStart = 0;
    for (const rg of metadata.row_groups) {
      const rows = Number(rg.num_rows);
      let values: unknown[] = [];
      await parquetRead({
        file,
        metadata,
        columns: [column],
        rowStart,
        rowEnd: rowStart + rows,
        utf8: false,
        parsers: { stringFromBytes: (b: Uint8Array) => b },
        compressors: COMPRESSORS,
        onComplete: (r: unknown[][]) => {
          values = r.map((row) => row[0]);
        },
      });
      yield { rowStart, totalRows, values };
      rowStart += rows;
    }
  } finally {
    await fh.close();
  }
}

const COMPRESSORS: Compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
  LZ4_RAW: (input, outputLength) => lz4BlockDecompress(input, outputLength),
  ZSTD: () => {
    throw new Error(
      "parquet codec ZSTD is not supported (Node 20 has no zstd); rewrite the file with snappy or gzip",
    );
  },
};

/** LZ4 block format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md): literals + back-references. */
export function lz4BlockDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  const out = new Uint8Array(outputLength);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const token = input[ip++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        b = input[ip++];
        lit += b;
      } while (b === 255);
    }
    if (op + lit > outputLength || ip + lit > input.length) throw new Error("corrupt LZ4 block");
    out.set(input.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip >= input.length) break; // the last sequence has literals only
    const offset = input[ip] | (input[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new Error("corrupt LZ4 block");
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        b = input[ip++];
        len += b;
      } while (b === 255);
    }
    if (op + len > outputLength) throw new Error("corrupt LZ4 block");
    // Byte by byte: the match may overlap the bytes it produces (offset < len).
    for (let k = 0; k < len; k++, op++) out[op] = out[op - offset];
  }
  if (op !== outputLength) throw new Error("corrupt LZ4 block");
  return out;
}
