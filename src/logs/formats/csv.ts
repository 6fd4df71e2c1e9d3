import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Run } from "../../runs/run.js";
import type { RunBuilder } from "../builder.js";
import { isPointKey, seriesName } from "../names.js";
import { builder, type ParseContext } from "./context.js";
import { parseNum } from "./text-common.js";

/**
 * CSV metric tables (RFC 4180 quoting). Three shapes:
 *  - W&B panel exports: `Step, <run> - <metric>, <run> - <metric>__MIN, <run> - <metric>__MAX, …` — one run per
 *    `<run>` prefix; __MIN/__MAX exist when W&B bucketed the curve, and are kept as `<series>__MIN/__MAX`;
 *  - TensorBoard's CSV download: `Wall time, Step, Value`, the tag in the file name (run-<run>-tag-<tag>.csv);
 *  - anything else with a step column (step, _step, global_step, iteration, iter): one series per other
 *    numeric column; `epoch`, `tokens` and time columns become point attributes.
 * Empty cells are absent values (W&B leaves them where a run has no point at that step).
 */

const STEP_COLS = ["step", "_step", "global_step", "train/global_step", "iteration", "iter", "steps"];
const WANDB_COL = /^(.+?) - (.+?)(__MIN|__MAX)?$/;

export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  for (; i < n; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function isWandbHeader(header: string[]): boolean {
  return header.some((h) => h.trim() === "Step") && header.some((h) => WANDB_COL.test(h.trim()));
}

export function parseCsv(ctx: ParseContext): Run[] {
  const text = readFileSync(ctx.file, "utf8");
  const rows = parseCsvRows(text);
  if (rows.length === 0) return [];
  const header = rows[0].map((h) => h.trim());
  const tornLast =
    text.length > 0 &&
    !text.endsWith("\n") &&
    rows.length > 1 &&
    rows[rows.length - 1].length !== header.length;
  if (tornLast) {
    ctx.problems.push({
      file: ctx.file,
      line: rows.length,
      message: "last row is incomplete (cut short?); skipped",
      severity: "info",
    });
    rows.pop();
  }
  if (isWandbHeader(header)) return parseWandb(ctx, header, rows);
  return [parsePlain(ctx, header, rows)].filter((r): r is Run => r !== undefined);
}

function parseWandb(ctx: ParseContext, header: string[], rows: string[][]): Run[] {
  const stepCol = header.indexOf("Step");
  const byRun = new Map<string, RunBuilder>();
  const cols: { i: number; b: RunBuilder; series: string }[] = [];
  let bucketed = false;
  for (let i = 0; i < header.length; i++) {
    const m = WANDB_COL.exec(header[i]);
    if (!m || i === stepCol) continue;
    const runName = m[1];
    let b = byRun.get(runName);
    if (!b) {
      b = builder(ctx, "wandb-csv", runName);
      b.run.manifest.source.path = ctx.file;
      byRun.set(runName, b);
    }
    if (m[3]) bucketed = true;
    if (isPointKey(m[2])) continue;
    cols.push({ i, b, series: seriesName(m[2]) + (m[3] ?? "") });
  }
  if (bucketed)
    ctx.problems.push({
      file: ctx.file,
      message:
        "W&B export with __MIN/__MAX columns: W&B bucketed this curve, each row summarises a bucket of steps",
      severity: "info",
    });
  readRows(ctx, rows, stepCol, (r, step, line) => {
    for (const c of cols) {
      const cell = r[c.i];
      if (cell === undefined || cell.trim() === "") continue;
      const v = parseNum(cell);
      if (v === undefined) badCell(ctx, line, header[c.i], cell);
      else c.b.point(c.series, step, v);
    }
  });
  return [...byRun.values()].filter((b) => !b.empty).map((b) => b.finish());
}

function parsePlain(ctx: ParseContext, header: string[], rows: string[][]): Run | undefined {
  const lower = header.map((h) => h.toLowerCase());
  const stepCol = lower.findIndex((h) => STEP_COLS.includes(h));
  const b = builder(ctx, "csv");
  // TensorBoard's download: Wall time, Step, Value; the tag is in the file name.
  if (lower.length === 3 && lower[0] === "wall time" && lower[1] === "step" && lower[2] === "value") {
    const m = /-tag-(.+)\.csv$/i.exec(basename(ctx.file));
    const series = seriesName(m ? m[1] : basename(ctx.file, ".csv"));
    readRows(ctx, rows, 1, (r, step, line) => {
      const v = parseNum(r[2] ?? "");
      const wall = parseNum(r[0] ?? "");
      if (v === undefined) badCell(ctx, line, "Value", r[2] ?? "");
      else b.point(series, step, v, { wall_time: wall });
    });
    return b.empty ? undefined : b.finish();
  }
  if (stepCol < 0) {
    ctx.problems.push({
      file: ctx.file,
      line: 1,
      message: `no step column (looked for ${STEP_COLS.join(", ")}); rows numbered 0, 1, 2, …`,
      severity: "warning",
    });
  }
  const attr = (names: string[]) => lower.findIndex((h) => names.includes(h));
  const epochCol = attr(["epoch", "train/epoch"]);
  const tokensCol = attr(["tokens", "num_input_tokens_seen", "tokens_seen"]);
  const wallCol = attr(["wall_time", "_timestamp", "timestamp", "wall time"]);
  const skip = new Set([stepCol, epochCol, wallCol]);
  const cols = header
    .map((h, i) => ({ i, h, series: seriesName(h) }))
    .filter((c) => !skip.has(c.i) && c.h !== "" && !isPointKey(c.h));
  let rowIndex = 0;
  readRows(ctx, rows, stepCol, (r, step, line) => {
    const s = stepCol < 0 ? rowIndex++ : step;
    const extra = {
      epoch: epochCol >= 0 ? parseNum(r[epochCol] ?? "") : undefined,
      tokens: tokensCol >= 0 ? parseNum(r[tokensCol] ?? "") : undefined,
      wall_time: wallCol >= 0 ? parseNum(r[wallCol] ?? "") : undefined,
    };
    for (const c of cols) {
      const cell = r[c.i];
      if (cell === undefined || cell.trim() === "") continue;
      const v = parseNum(cell);
      if (v === undefined) badCell(ctx, line, c.h, cell);
      else b.point(c.series, s, v, extra);
    }
  });
  return b.empty ? undefined : b.finish();
}

function readRows(
  ctx: ParseContext,
  rows: string[][],
  stepCol: number,
  each: (r: string[], step: number, line: number) => void,
): void {
  for (let k = 1; k < rows.length; k++) {
    const r = rows[k];
    if (r.length === 1 && r[0].trim() === "") continue;
    let step = Number.NaN;
    if (stepCol >= 0) {
      step = parseNum(r[stepCol] ?? "") ?? Number.NaN;
      if (!Number.isFinite(step)) {
        ctx.problems.push({
          file: ctx.file,
          line: k + 1,
          message: `step \`${r[stepCol] ?? ""}\` is not a number; row skipped`,
          severity: "warning",
        });
        continue;
      }
    }
    each(r, step, k + 1);
  }
}

const reported = new WeakMap<ParseContext, number>();
function badCell(ctx: ParseContext, line: number, col: string, cell: string): void {
  const n = (reported.get(ctx) ?? 0) + 1;
  reported.set(ctx, n);
  if (n <= 20)
    ctx.problems.push({
      file: ctx.file,
      line,
      message: `column \`${col}\`: \`${cell}\` is not a number`,
      severity: "warning",
    });
}
