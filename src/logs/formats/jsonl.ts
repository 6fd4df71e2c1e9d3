import { readFileSync } from "node:fs";
import type { Run } from "../../runs/run.js";
import { decodeNumber } from "../../util/finite-json.js";
import { isPointKey, seriesName } from "../names.js";
import { parsePythonJson } from "../python-json.js";
import { builder, type ParseContext } from "./context.js";

/**
 * JSON Lines of metrics: one object per line with a step key (step, _step, global_step, iteration, iter) and
 * numeric values, flat ({"step": 10, "loss": 2.3}), nested one level ({"step": 10, "train": {"loss": 2.3}} →
 * train/loss) or in plateau's own metrics.jsonl shape ({"step", "values": {…}}). W&B's wandb-history.jsonl
 * (_step, _timestamp, _runtime) reads the same way. NaN and infinities may be strings ("NaN") or Python's bare
 * literals. A torn last line is tolerated.
 */

const STEP_KEYS = ["step", "_step", "global_step", "train/global_step", "iteration", "iter"];
const WALL_KEYS = ["wall_time", "_timestamp", "timestamp", "time"];

export function parseJsonl(ctx: ParseContext): Run | undefined {
  const b = builder(ctx, "jsonl");
  let lastStep = -1;
  let warnedNoStep = false;
  for (const { line, value } of jsonLines(ctx)) {
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      b.problem("not a JSON object", { line });
      continue;
    }
    const rec = value as Record<string, unknown>;
    let step: number | undefined;
    for (const k of STEP_KEYS) {
      const v = decodeNumber(rec[k]);
      if (v !== undefined && Number.isFinite(v)) {
        step = v;
        break;
      }
    }
    if (step === undefined) {
      step = lastStep + 1;
      if (!warnedNoStep) {
        warnedNoStep = true;
        b.problem("records without a step key: numbered by line order", { line }, "warning");
      }
    }
    lastStep = step;
    let wall: number | undefined;
    for (const k of WALL_KEYS) {
      const v = decodeNumber(rec[k]);
      if (v !== undefined && v > 1e8) {
        wall = v > 1e11 ? v / 1000 : v; // milliseconds → seconds
        break;
      }
    }
    const extra = { wall_time: wall, epoch: decodeNumber(rec.epoch), tokens: decodeNumber(rec.tokens) };
    const values =
      rec.values && typeof rec.values === "object" && !Array.isArray(rec.values)
        ? (rec.values as Record<string, unknown>)
        : rec;
    addValues(b, values, "", step, extra);
  }
  return b.empty ? undefined : b.finish();
}

function addValues(
  b: ReturnType<typeof builder>,
  obj: Record<string, unknown>,
  prefix: string,
  step: number,
  extra: { wall_time?: number; epoch?: number; tokens?: number },
): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (!prefix && (isPointKey(k) || STEP_KEYS.includes(k) || WALL_KEYS.includes(k) || k === "tokens"))
      continue;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      if (!prefix) addValues(b, v as Record<string, unknown>, `${key}/`, step, extra);
      continue;
    }
    const x = decodeNumber(v);
    if (x !== undefined) b.point(seriesName(key), step, x, extra);
  }
}

/** Each non-blank line parsed (Python's NaN/Infinity literals allowed); bad lines and a torn tail reported. */
function* jsonLines(ctx: ParseContext): Generator<{ line: number; value: unknown }> {
  const text = readFileSync(ctx.file, "utf8");
  const lines = text.split("\n");
  const endsWithNewline = text.endsWith("\n");
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === "") continue;
    try {
      yield { line: i + 1, value: parsePythonJson(t) };
    } catch (err) {
      const last = i === lines.length - 1 && !endsWithNewline;
      ctx.problems.push(
        last
          ? {
              file: ctx.file,
              line: i + 1,
              message: "torn last line (incomplete record) ignored",
              severity: "info",
            }
          : {
              file: ctx.file,
              line: i + 1,
              message: `not valid JSON: ${(err as Error).message}`,
              severity: "warning",
            },
      );
    }
  }
}
