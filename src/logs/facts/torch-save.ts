import { type PyCall, readPickle } from "./pickle.js";
import { isZip, zipEntries, zipRead } from "./zip.js";

/**
 * The object inside a torch.save file, read without Python:
 *  - zip format (torch ≥ 1.6 default): the pickle is the archive's `<name>/data.pkl`;
 *  - legacy format: four pickles in a row (magic number 0x1950a86a20f9469cfc6c, protocol version, sys info,
 *    then the object);
 *  - a plain pickle (pickle.dump) is read as is.
 * Tensors inside would come back as persistent ids only; training_args.bin holds none.
 */
// Compared as the nearest double: the pickle reader returns integers as numbers.
const LEGACY_MAGIC = Number(0x1950a86a20f9469cfc6cn);

export function readTorchSave(b: Uint8Array): unknown {
  if (isZip(b)) {
    const entry = zipEntries(b).find((e) => e.name === "data.pkl" || e.name.endsWith("/data.pkl"));
    if (!entry) throw new Error("torch.save archive without data.pkl");
    return readPickle(zipRead(b, entry)).value;
  }
  const first = readPickle(b);
  if (typeof first.value === "number" && first.value === LEGACY_MAGIC) {
    let p = first.end;
    for (let i = 0; i < 2; i++) p = readPickle(b, p).end; // protocol version, sys info
    return readPickle(b, p).value;
  }
  return first.value;
}

/** The fields of a pickled object (its __dict__ as restored by BUILD), with its class name. */
export function objectFields(v: unknown): { className: string; fields: Record<string, unknown> } | undefined {
  if (!v || typeof v !== "object" || !("__class__" in v)) return undefined;
  const o = v as PyCall;
  if (!o.state || typeof o.state !== "object" || Array.isArray(o.state)) return undefined;
  return { className: o.__class__, fields: o.state as Record<string, unknown> };
}
