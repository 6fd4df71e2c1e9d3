import { readFileSync } from "node:fs";
import { findJsonError } from "../../util/json-errors.js";
import { RunBuilder } from "../builder.js";
import { parsePythonJson, rewriteNonFinite } from "../python-json.js";
import type { IngestProblem, LogFormat } from "../types.js";

/** What every format parser gets: the file, where to report problems, and the run's name. */
export interface ParseContext {
  file: string;
  problems: IngestProblem[];
  /** Name for the run (a folder or file name chosen by discovery). */
  name: string;
}

export function builder(
  ctx: ParseContext,
  format: LogFormat,
  name = ctx.name,
  opts: { restarts?: boolean } = {},
): RunBuilder {
  return new RunBuilder(ctx.file, format, name, ctx.problems, opts);
}

/** Read a Python-flavoured JSON file; a syntax error becomes a problem with file:line:column, and undefined. */
export function readPythonJson(file: string, problems: IngestProblem[]): unknown {
  const text = readFileSync(file, "utf8");
  try {
    return parsePythonJson(text);
  } catch {
    const pos = findJsonError(rewriteNonFinite(text));
    problems.push({
      file,
      line: pos?.line,
      message: `invalid JSON${pos ? ` at column ${pos.column}: ${pos.message}` : ""}`,
      severity: "warning",
    });
    return undefined;
  }
}
