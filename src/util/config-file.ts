import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { asUserError, UserError } from "./errors.js";
import { findJsonError } from "./json-errors.js";

/**
 * Load a JSON or YAML config file and validate it with a zod schema. Errors are UserErrors that name the file,
 * the line when it can be found, and the field path: `train.yaml:7: optimizer.lr: expected number, got string`.
 * YAML is a superset of JSON, so one parser serves both and gives line numbers for either.
 */
export function loadConfigFile<S extends z.ZodType>(path: string, schema: S): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw asUserError(err, path) ?? err;
  }
  return parseConfigText(text, path, schema);
}

export function parseConfigText<S extends z.ZodType>(text: string, path: string, schema: S): z.infer<S> {
  if (extname(path).toLowerCase() === ".json") checkStrictJson(text, path);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = lc.linePos(e.pos[0]);
    const kind = extname(path).toLowerCase() === ".json" ? "invalid JSON" : "invalid YAML";
    throw new UserError(`${kind}: ${firstLine(e.message)}`, { file: path, line: pos.line, column: pos.col });
  }
  const data = doc.toJS({ maxAliasCount: 100 });
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const fieldPath = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : String(p)));
  const field = fieldPath.join(".").replace(/\.\[/g, "[") || "(root)";
  let line: number | undefined;
  // Point at the deepest node that exists along the path (a missing key points at its parent).
  for (let n = issue.path.length; n >= 0 && line === undefined; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(issue.path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) line = lc.linePos(node.range[0]).line;
  }
  throw new UserError(issue.message, { file: path, line, field });
}

/** YAML would read `{"lr": }` as null; a .json file must be real JSON, so check it strictly first. */
function checkStrictJson(text: string, path: string): void {
  try {
    JSON.parse(text);
  } catch (err) {
    const pos = findJsonError(text);
    const msg = pos?.message ?? (err as Error).message;
    throw new UserError(`invalid JSON: ${msg}`, { file: path, line: pos?.line, column: pos?.column });
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0];
}
