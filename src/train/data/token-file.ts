import { readFileSync } from "node:fs";
import { asUserError, UserError } from "../../util/errors.js";
import { findJsonError } from "../../util/json-errors.js";
import type { TokenBlocks } from "./blocks.js";

/**
 * Read token data: a JSON array of equal-length arrays of non-negative integer token ids (the format of
 * `plateau eval --tokens` and `plateau train --tokens`). Errors name the file, line and the offending element.
 */
export function readTokenFile(path: string, vocabSize?: number): TokenBlocks {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw asUserError(err, path) ?? err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const pos = findJsonError(text);
    throw new UserError(`invalid JSON: ${pos?.message ?? (err as Error).message}`, {
      file: path,
      line: pos?.line,
      column: pos?.column,
    });
  }
  if (!Array.isArray(data) || data.length === 0)
    throw new UserError("expected a non-empty JSON array of arrays of token ids", { file: path });
  const first = data[0];
  if (!Array.isArray(first) || first.length < 2)
    throw new UserError("each sequence must be an array of at least 2 token ids", {
      file: path,
      field: "[0]",
    });
  const seqLen = first.length;
  const ids = new Int32Array(data.length * seqLen);
  for (let i = 0; i < data.length; i++) {
    const row = data[i];
    if (!Array.isArray(row))
      throw new UserError("expected an array of token ids", { file: path, field: `[${i}]` });
    if (row.length !== seqLen)
      throw new UserError(`sequence has ${row.length} tokens, the first has ${seqLen} (all must be equal)`, {
        file: path,
        field: `[${i}]`,
      });
    for (let j = 0; j < seqLen; j++) {
      const t = row[j];
      if (!Number.isInteger(t) || t < 0 || (vocabSize !== undefined && t >= vocabSize))
        throw new UserError(
          vocabSize !== undefined && Number.isInteger(t) && t >= 0
            ? `token id ${t} is outside the model's vocabulary [0, ${vocabSize})`
            : `not a token id: ${JSON.stringify(t)}`,
          { file: path, field: `[${i}][${j}]` },
        );
      ids[i * seqLen + j] = t;
    }
  }
  return { seqLen, count: data.length, ids, labels: null };
}
