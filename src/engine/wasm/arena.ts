import type { Buf } from "../ops.js";

const PAGE = 65536;
const ALIGN = 64;
/** wasm32's limit: 65536 pages of 64 KiB. */
const MAX_PAGES = 65536;
let nextArenaId = 1;
/** Allocations start here: below are the tag and the kernels' static data (asm/simd.ts staticEnd). */
export const ARENA_START = PAGE;

/**
 * The shared WebAssembly.Memory and a bump allocator over it. Buffers are never freed one by one (the model
 * allocates its parameters, gradients and activations once); dispose() of the backend drops the whole memory.
 * Growing a shared memory never moves it, so views handed out earlier stay valid after a grow.
 */
export class Arena {
  readonly memory: WebAssembly.Memory;
  private top: number;
  /** Written at offset 0 of the memory: how ptr() recognises a view of this memory. */
  private readonly tag = [0x706c6174, nextArenaId++];
  /** Buffer objects already checked. V8 may hand out a new SharedArrayBuffer object for the same memory at any
   * time after a grow (other isolates sharing it refresh theirs), so identity with memory.buffer is no test. */
  private readonly seen = new WeakMap<ArrayBufferLike, boolean>();

  constructor(initialBytes = 16 << 20) {
    this.memory = new WebAssembly.Memory({
      initial: Math.ceil(initialBytes / PAGE),
      maximum: MAX_PAGES,
      shared: true,
    });
    // The first 64 KiB hold the tag (bytes 0–7) and the kernels' static data (from 1024), so offset 0 is never
    // a buffer.
    new Int32Array(this.memory.buffer, 0, 2).set(this.tag);
    this.top = ARENA_START;
  }

  /** Byte offset of a fresh zeroed, 64-byte aligned region of `bytes` bytes. */
  allocBytes(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`cannot allocate ${bytes} bytes`);
    const ptr = this.top;
    const end = ptr + Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES)
        throw new RangeError(
          `the WebAssembly backend is limited to 4 GiB; allocating ${(bytes / 2 ** 20).toFixed(1)} MiB more exceeds it`,
        );
      this.memory.grow(pages);
    }
    this.top = end;
    return ptr;
  }

  f32(n: number): Float32Array {
    const ptr = this.allocBytes(n * 4); // may grow the memory: take .buffer after
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  i32(n: number): Int32Array {
    const ptr = this.allocBytes(n * 4);
    return new Int32Array(this.memory.buffer, ptr, n);
  }

  f64(n: number): Float64Array {
    const ptr = this.allocBytes(n * 8);
    return new Float64Array(this.memory.buffer, ptr, n);
  }

  /** Bytes in use. */
  get used(): number {
    return this.top;
  }

  private owns(buffer: ArrayBufferLike): boolean {
    let ok = this.seen.get(buffer);
    if (ok === undefined) {
      ok = false;
      if (buffer instanceof SharedArrayBuffer && buffer.byteLength >= PAGE) {
        const head = new Int32Array(buffer, 0, 2);
        ok = head[0] === this.tag[0] && head[1] === this.tag[1];
      }
      this.seen.set(buffer, ok);
    }
    return ok;
  }

  /**
   * Byte offset of `buf` after checking it lives in this memory and holds at least `need` elements (a kernel
   * reading past it would silently read or corrupt a neighbouring buffer).
   */
  ptr(buf: Buf | Int32Array, need: number, what: string): number {
    if (!this.owns(buf.buffer))
      throw new TypeError(`${what}: not a buffer of this WebAssembly backend (use ops.alloc / ops.allocInt)`);
    if (buf instanceof Float64Array) throw new TypeError(`${what}: the WebAssembly backend is float32 only`);
    if (buf.length < need) throw new RangeError(`${what}: needs ${need} elements, has ${buf.length}`);
    return buf.byteOffset;
  }
}
