/**
 * A Python pickle reader that never runs anything: it interprets the opcodes (protocols 0–5, pickletools'
 * documentation is the spec) and builds plain values. Where a pickle would import and call something (GLOBAL,
 * REDUCE, NEWOBJ, BUILD), the result is a description of the call instead:
 *
 *   {__class__: "module.Name", args: [...], state: {...}}
 *
 * so an object's fields (a dataclass's __dict__, restored by BUILD) are readable without Python. Enum members
 * come out as {__class__, args: [value]} (by value) or {__class__, args: [], member: "NAME"} (by name). Persistent ids (torch tensor storages) become {__persistent__: id}.
 * Buffers out of band (protocol 5) and the extension registry are not supported.
 */

export interface PyCall {
  __class__: string;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  state?: unknown;
  /** For enum members pickled by name: the member's name. */
  member?: string;
}

export class PickleError extends Error {}

const MARK = Symbol("mark");

function className(v: unknown): string {
  if (v && typeof v === "object" && "__global__" in v) return (v as { __global__: string }).__global__;
  return String(v);
}

/** Read one pickle starting at `start`; returns the value and the offset just past its STOP opcode. */
export function readPickle(b: Uint8Array, start = 0): { value: unknown; end: number } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let p = start;
  const dec = new TextDecoder();
  const need = (n: number) => {
    if (p + n > b.length) throw new PickleError("truncated pickle");
  };
  const u8 = () => {
    need(1);
    return b[p++];
  };
  const u16 = () => {
    need(2);
    const x = v.getUint16(p, true);
    p += 2;
    return x;
  };
  const u32 = () => {
    need(4);
    const x = v.getUint32(p, true);
    p += 4;
    return x;
  };
  const u64 = () => {
    need(8);
    const x = Number(v.getBigUint64(p, true));
    p += 8;
    return x;
  };
  const bytes = (n: number) => {
    need(n);
    const x = b.subarray(p, p + n);
    p += n;
    return x;
  };
  const line = () => {
    const e = b.indexOf(0x0a, p);
    if (e < 0) throw new PickleError("truncated pickle line");
    const s = dec.decode(b.subarray(p, e));
    p = e + 1;
    return s;
  };
  const popMark = (): unknown[] => {
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i] === MARK) {
        const items = stack.slice(i + 1);
        stack.length = i;
        return items;
      }
    }
    throw new PickleError("MARK not found");
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError("stack underflow");
    return stack[stack.length - 1];
  };
  const pop = () => {
    if (stack.length === 0) throw new PickleError("stack underflow");
    return stack.pop();
  };
  const setItems = (d: unknown, items: unknown[]) => {
    const obj = d as Record<string, unknown>;
    for (let i = 0; i + 1 < items.length; i += 2) obj[keyOf(items[i])] = items[i + 1];
  };
  const call = (cls: unknown, args: unknown): unknown => {
    const name = className(cls);
    const a = Array.isArray(args) ? args : [args];
    // copyreg._reconstructor(cls, base, state) and __newobj__(cls, *args) describe an instance of cls.
    if (name === "copyreg._reconstructor" || name === "copy_reg._reconstructor")
      return { __class__: className(a[0]), args: [] } satisfies PyCall;
    if (name === "copyreg.__newobj__" || name === "copy_reg.__newobj__")
      return { __class__: className(a[0]), args: a.slice(1) } satisfies PyCall;
    if (name === "collections.OrderedDict") return {};
    // Enum members pickled by name (Python ≥ 3.11 reduces them to getattr(cls, "NAME")).
    if ((name === "builtins.getattr" || name === "__builtin__.getattr") && typeof a[1] === "string")
      return { __class__: className(a[0]), args: [], member: a[1] } satisfies PyCall;
    return { __class__: name, args: a } satisfies PyCall;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: p };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x49: {
        // INT (text); "00"/"01" are protocol 0's False/True
        const s = line();
        stack.push(s === "00" ? false : s === "01" ? true : Number.parseInt(s, 10));
        break;
      }
      case 0x4a: // BININT
        need(4);
        stack.push(v.getInt32(p, true));
        p += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4c: // LONG (text, trailing L)
        stack.push(Number(BigInt(line().replace(/L$/, ""))));
        break;
      case 0x8a: // LONG1
        stack.push(longLE(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(longLE(bytes(u32())));
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number.parseFloat(line()));
        break;
      case 0x47: // BINFLOAT (big-endian binary64)
        need(8);
        stack.push(v.getFloat64(p, false));
        p += 8;
        break;
      case 0x53: // STRING (quoted repr)
        stack.push(line().replace(/^(['"])(.*)\1$/, "$2"));
        break;
      case 0x54: // BINSTRING
        stack.push(dec.decode(bytes(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(dec.decode(bytes(u8())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape line)
        stack.push(
          line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(Number.parseInt(h, 16))),
        );
        break;
      case 0x58: // BINUNICODE
        stack.push(dec.decode(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(dec.decode(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(dec.decode(bytes(u64())));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(bytes(u64()).slice());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x61: {
        // APPEND
        const x = pop();
        (top() as unknown[]).push(x);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        (top() as unknown[]).push(...items);
        break;
      }
      case 0x6c: // LIST
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85:
        stack.push([pop()]);
        break;
      case 0x86: {
        const y = pop();
        stack.push([pop(), y]);
        break;
      }
      case 0x87: {
        const z = pop();
        const y = pop();
        stack.push([pop(), y, z]);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push({});
        break;
      case 0x64: {
        // DICT
        const d = {};
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const val = pop();
        const key = pop();
        setItems(top(), [key, val]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        (top() as unknown[]).push(...items);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(popMark());
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const mod = line();
        stack.push({ __global__: `${mod}.${line()}` });
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        stack.push({ __global__: `${String(pop())}.${String(name)}` });
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push({ __class__: className(pop()), args: args as unknown[] } satisfies PyCall);
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop() as Record<string, unknown>;
        const args = pop();
        stack.push({ __class__: className(pop()), args: args as unknown[], kwargs } satisfies PyCall);
        break;
      }
      case 0x69: {
        // INST "module\nname\n" with args after MARK
        const mod = line();
        const name = line();
        stack.push({ __class__: `${mod}.${name}`, args: popMark() } satisfies PyCall);
        break;
      }
      case 0x6f: {
        // OBJ: MARK cls args...
        const items = popMark();
        stack.push({ __class__: className(items[0]), args: items.slice(1) } satisfies PyCall);
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (obj && typeof obj === "object" && "__class__" in obj) {
          // state is a __dict__, or (dict, slots) for objects with __slots__.
          const s =
            Array.isArray(state) && state.length === 2 ? { ...(state[0] ?? {}), ...(state[1] ?? {}) } : state;
          (obj as PyCall).state = s;
        } else if (obj && typeof obj === "object" && state && typeof state === "object") {
          Object.assign(obj, state);
        }
        break;
      }
      case 0x70: // PUT (text index)
        memo.set(Number.parseInt(line(), 10), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        stack.push(memoGet(memo, Number.parseInt(line(), 10)));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(memo, u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(memo, u32()));
        break;
      case 0x50: // PERSID
        stack.push({ __persistent__: line() });
        break;
      case 0x51: // BINPERSID
        stack.push({ __persistent__: pop() });
        break;
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${p - 1}`);
    }
  }
}

function memoGet(memo: Map<number, unknown>, k: number): unknown {
  if (!memo.has(k)) throw new PickleError(`memo key ${k} not found`);
  return memo.get(k);
}

function keyOf(k: unknown): string {
  if (typeof k === "string") return k;
  if (k && typeof k === "object" && "__class__" in k) {
    const args = (k as PyCall).args;
    if (args.length === 1) return String(args[0]);
  }
  return String(k);
}

/** Little-endian two's-complement integer (LONG1/LONG4 payload). */
function longLE(b: Uint8Array): number {
  if (b.length === 0) return 0;
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) x -= 1n << BigInt(8 * b.length);
  return Number(x);
}
