import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Run } from "../../runs/run.js";
import { trainingArgsFacts } from "../facts/training-args.js";
import { seriesName } from "../names.js";
import { builder, type ParseContext } from "./context.js";
import { parseNum } from "./text-common.js";

/**
 * An MLflow file-store run: mlruns/<experiment>/<run>/{meta.yaml, metrics/, params/, tags/}. Each metric file
 * (a key with "/" is a sub-folder) has one line per point, "<timestamp ms> <value> <step>" (two-field legacy
 * lines mean step 0; mlflow/store/tracking/file_store.py). The run name is tags/mlflow.runName (or meta.yaml's
 * run_name). Params logged by HF's MLflowCallback are the training arguments, so they give facts too.
 */

export function isMlflowRunDir(dir: string): boolean {
  return (
    existsSync(join(dir, "meta.yaml")) &&
    existsSync(join(dir, "metrics")) &&
    statSync(join(dir, "metrics")).isDirectory()
  );
}

export function parseMlflowRun(ctx: ParseContext): Run | undefined {
  const dir = ctx.file;
  const tags = readKeyFiles(join(dir, "tags"));
  const params = readKeyFiles(join(dir, "params"));
  let meta: Record<string, unknown> = {};
  try {
    meta = (parseYaml(readFileSync(join(dir, "meta.yaml"), "utf8")) as Record<string, unknown>) ?? {};
  } catch (err) {
    ctx.problems.push({
      file: join(dir, "meta.yaml"),
      message: `unreadable YAML: ${(err as Error).message}`,
      severity: "warning",
    });
  }
  const name =
    tags["mlflow.runName"] ??
    (typeof meta.run_name === "string" ? meta.run_name : undefined) ??
    basename(dir);
  // MLflow accepts points in any step order, so a step going back is not a restart here.
  const b = builder({ ...ctx, name }, "mlflow", name, { restarts: false });
  const metricsDir = join(dir, "metrics");
  for (const file of walk(metricsDir)) {
    const key = relative(metricsDir, file).split("\\").join("/");
    const series = seriesName(key);
    const lines = readFileSync(file, "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const t = lines[i].trim();
      if (t === "") continue;
      const f = t.split(/\s+/);
      const ts = parseNum(f[0] ?? "");
      const v = parseNum(f[1] ?? "");
      const step = f.length >= 3 ? parseNum(f[2]) : 0;
      if (f.length < 2 || ts === undefined || v === undefined || step === undefined) {
        const last = i === lines.length - 1;
        ctx.problems.push({
          file,
          line: i + 1,
          message: last ? "torn last line ignored" : "expected `<timestamp> <value> <step>`",
          severity: last ? "info" : "warning",
        });
        continue;
      }
      b.point(series, step, v, { wall_time: ts / 1000 });
    }
  }
  const typed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params))
    typed[k] = v === "True" ? true : v === "False" ? false : (parseNum(v) ?? v);
  if ("learning_rate" in typed || "per_device_train_batch_size" in typed) b.facts(trainingArgsFacts(typed));
  b.facts({ framework: "mlflow" });
  return b.empty ? undefined : b.finish();
}

function readKeyFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const f of walk(dir)) out[relative(dir, f).split("\\").join("/")] = readFileSync(f, "utf8").trim();
  return out;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}
