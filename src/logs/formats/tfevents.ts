import { basename } from "node:path";
import type { Run } from "../../runs/run.js";
import type { RunFacts } from "../../runs/types.js";
import type { RunBuilder } from "../builder.js";
import { mergeFacts } from "../facts/merge.js";
import { modelConfigFacts } from "../facts/model-config.js";
import { trainingArgsFacts } from "../facts/training-args.js";
import { isPointKey, seriesName } from "../names.js";
import { parsePythonJson } from "../python-json.js";
import { EventDecoder, SESSION_STATUS } from "../tfevents/event.js";
import { readTfEventsFile } from "../tfevents/reader.js";
import { builder, type ParseContext } from "./context.js";

/**
 * A TensorBoard run: the event files of one folder, read in file-name order (the name starts with the
 * creation time). Tags map to plateau's series names (HF's `train/learning_rate` → `train/lr`, …); an epoch
 * tag gives each point its epoch. A restart shows as steps going backwards (or a SessionLog START): the earlier
 * points from there on are dropped, as TensorBoard does. HF's TensorBoard callback logs the training args and
 * model config as text summaries; they become facts.
 */
export function parseTfEventsRun(ctx: ParseContext, files: string[]): Run | undefined {
  const b: RunBuilder = builder(ctx, "tfevents");
  const decoder = new EventDecoder();
  const epochAt = new Map<number, number>();
  let facts: RunFacts = {};
  const nonScalar = new Map<string, string>();
  for (const file of [...files].sort((x, y) => basename(x).localeCompare(basename(y)))) {
    const r = readTfEventsFile(
      file,
      {
        scalar(tag, step, wall, value) {
          if (isPointKey(tag)) {
            if (/epoch$/i.test(tag)) epochAt.set(step, value);
            return;
          }
          b.point(seriesName(tag), step, value, { wall_time: wall });
        },
        sessionLog(status, step, wall) {
          if (
            status === SESSION_STATUS.start &&
            [...b.run.series.values()].some((s) => s.length && s.step[s.length - 1] >= step)
          )
            b.restart(step, wall);
        },
        text(tag, _step, text) {
          const json = tryJson(text);
          if (!json) return;
          if (/^args\b/.test(tag)) facts = mergeFacts(facts, trainingArgsFacts(json));
          else if (/^model_config\b/.test(tag)) facts = mergeFacts(facts, modelConfigFacts(json));
        },
        nonScalar(tag, why) {
          if (!nonScalar.has(tag)) nonScalar.set(tag, why);
        },
      },
      decoder,
    );
    for (const i of r.issues)
      ctx.problems.push({ file, offset: i.offset, message: i.message, severity: "warning" });
    if (r.partialTail)
      ctx.problems.push({
        file,
        offset: r.partialTail.offset,
        message: `last record incomplete (${r.partialTail.bytes} bytes; file still being written?); ignored`,
        severity: "info",
      });
  }
  if (epochAt.size) {
    for (const s of b.run.series.values()) {
      for (let i = 0; i < s.length; i++) {
        const e = epochAt.get(s.step[i]);
        if (e !== undefined) s.epoch[i] = e;
      }
    }
  }
  b.facts(facts);
  return b.empty ? undefined : b.finish();
}

function tryJson(text: string): Record<string, unknown> | undefined {
  try {
    const v = parsePythonJson(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
