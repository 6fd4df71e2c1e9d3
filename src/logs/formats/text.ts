import { readFileSync } from "node:fs";
import type { Run } from "../../runs/run.js";
import type { RunBuilder } from "../builder.js";
import type { LogFormat } from "../types.js";
import { builder, type ParseContext } from "./context.js";
import { DIALECTS, type TextDialect } from "./text-dialects.js";

/**
 * Text logs (stdout captures and log files): llm.c, modded-nanogpt, Megatron-LM, HF Trainer's printed dicts, and
 * generic `key=value` lines. A file is one dialect, chosen by which one recognises the most lines; every other
 * line (source code echoed at the start, warnings, progress bars) is ignored. A line the dialect recognises but
 * cannot read is a problem with its line number. Carriage returns (tqdm redrawing its bar) split a line into
 * segments, each read on its own. A last line without its newline may be cut short mid-number, so it is not
 * trusted: it is reported and skipped.
 */

const SNIFF_BYTES = 4 << 20;

/** The dialect of a text log, from its first few megabytes, or undefined if no dialect recognises a line. */
export function sniffText(text: string): TextDialect | undefined {
  const head = text.length > SNIFF_BYTES ? text.slice(0, SNIFF_BYTES) : text;
  let best: TextDialect | undefined;
  let bestCount = 0;
  const counts = new Map<TextDialect, number>();
  for (const raw of head.split("\n")) {
    for (const seg of raw.split("\r")) {
      for (const d of DIALECTS) {
        if (d.sniff(seg)) {
          counts.set(d, (counts.get(d) ?? 0) + 1);
          break; // dialects are ordered most specific first
        }
      }
    }
  }
  for (const d of DIALECTS) {
    const c = counts.get(d) ?? 0;
    if (c > bestCount) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}

export function detectTextFormat(text: string): LogFormat | undefined {
  return sniffText(text)?.format;
}

export function parseTextLog(ctx: ParseContext, text = readFileSync(ctx.file, "utf8")): Run | undefined {
  const dialect = sniffText(text);
  if (!dialect) return undefined;
  const b: RunBuilder = builder(ctx, dialect.format);
  const state = dialect.start(b);
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) !== 0x0a) {
    const lastNl = text.lastIndexOf("\n");
    const torn = text.slice(lastNl + 1).trim();
    if (torn !== "" && dialect.sniff(torn)) {
      b.problem(
        "last line has no newline (cut short while being written?); skipped",
        { line: countLines(text, lastNl + 1) },
        "info",
      );
      end = lastNl + 1;
    }
  }
  let lineNo = 0;
  let start = 0;
  while (start < end) {
    let nl = text.indexOf("\n", start);
    if (nl < 0 || nl > end) nl = end;
    lineNo++;
    const line = text.slice(start, nl);
    start = nl + 1;
    if (line.indexOf("\r") < 0) state.line(line, lineNo);
    else for (const seg of line.split("\r")) state.line(seg, lineNo);
  }
  state.end?.();
  return b.finish();
}

function countLines(text: string, upTo: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < upTo; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
