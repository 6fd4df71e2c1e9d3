import type { Command } from "commander";
import { findRun, listRuns, type RunListing } from "../../runs/root.js";
import { readRunDir } from "../../runs/rundir.js";
import type { Series } from "../../runs/series.js";
import { fmtInt, paint, say, table } from "../../util/term.js";
import { action, examples } from "../context.js";

export function register(program: Command): void {
  const runs = program.command("runs").description("list and inspect the runs in the runs root");

  examples(
    runs
      .command("list")
      .description("list runs (newest first), with status and protocol")
      .action(
        action((ctx) => {
          const { runs: list, problems } = listRuns(ctx.runsDir);
          if (ctx.json) {
            ctx.emit({ runs_dir: ctx.runsDir, runs: list.map(listingJson), problems });
            return;
          }
          if (list.length === 0) {
            say(`No runs in ${ctx.runsDir}.`);
          } else {
            const rows = [
              ["id", "name", "protocol", "status", "created"].map((h) => paint("bold", h, ctx.color)),
            ];
            const add = (r: RunListing, indent: string) => {
              rows.push([
                indent + r.manifest.id,
                r.manifest.name,
                r.manifest.protocol ?? "",
                colorStatus(r.status, ctx.color),
                r.manifest.created.replace("T", " ").slice(0, 19),
              ]);
              for (const c of r.children) add(c, `${indent}  `);
            };
            for (const r of list) add(r, "");
            say(table(rows));
          }
          for (const p of problems) say(paint("yellow", `skipped: ${p}`, ctx.color));
        }),
      ),
    ["plateau runs list", "plateau runs list --runs-dir /data/plateau-runs --json"],
  );

  examples(
    runs
      .command("show")
      .argument("<run>", "run id, unique id prefix, name, or run directory")
      .description("show a run's facts and a summary of each series")
      .action(
        action((ctx, ref: string) => {
          const dir = findRun(ctx.runsDir, ref);
          const { run, problems } = readRunDir(dir);
          const series = run.seriesNames().map((n) => seriesSummary(run.series.get(n)!));
          if (ctx.json) {
            ctx.emit({ dir, manifest: run.manifest, series, events: run.events.length, problems });
            return;
          }
          const m = run.manifest;
          say(`${paint("bold", m.name, ctx.color)}  ${m.id}`);
          say(
            `  status   ${colorStatus(m.status, ctx.color)}${m.protocol ? `   protocol ${m.protocol}` : ""}`,
          );
          say(`  dir      ${dir}`);
          if (Object.keys(m.facts).length) say(`  facts    ${JSON.stringify(m.facts)}`);
          if (m.summary) say(`  summary  ${JSON.stringify(m.summary)}`);
          if (series.length) {
            say("");
            const rows = [
              ["series", "points", "steps", "first", "last", "min"].map((h) => paint("bold", h, ctx.color)),
            ];
            for (const s of series) {
              rows.push([
                s.name,
                fmtInt(s.points),
                `${s.first_step}–${s.last_step}`,
                fmt(s.first),
                fmt(s.last),
                fmt(s.min),
              ]);
            }
            say(table(rows, { align: ["l", "r", "r", "r", "r", "r"] }));
          }
          say(`  events   ${run.events.length}`);
          for (const p of problems.slice(0, 5))
            say(paint("yellow", `  ${p.file}:${p.line}: ${p.message}`, ctx.color));
        }),
      ),
    ["plateau runs show 20261129-101500-overfit-3fa2", "plateau runs show runs/my-run --json"],
  );
}

function listingJson(r: RunListing): unknown {
  return {
    id: r.manifest.id,
    name: r.manifest.name,
    dir: r.dir,
    status: r.status,
    protocol: r.manifest.protocol,
    created: r.manifest.created,
    summary: r.manifest.summary,
    children: r.children.map(listingJson),
  };
}

function seriesSummary(s: Series) {
  let min = Number.POSITIVE_INFINITY;
  for (const v of s.value) if (v < min) min = v;
  return {
    name: s.name,
    points: s.length,
    first_step: s.step[0],
    last_step: s.step[s.length - 1],
    first: s.value[0],
    last: s.value[s.length - 1],
    min,
  };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toPrecision(5);
}

function colorStatus(s: string, color: boolean): string {
  const style = s === "completed" ? "green" : s === "running" ? "cyan" : s === "imported" ? "blue" : "red";
  return paint(style, s, color);
}
