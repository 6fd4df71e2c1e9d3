import type { IncomingMessage, ServerResponse } from "node:http";
import type { Series } from "../runs/series.js";
import {
  type ChartOptions,
  type Columns,
  DEFAULT_CHART,
  halfLifeFor,
  runColumns,
  runSeriesJson,
  runT0,
  SMOOTHINGS,
  X_AXES,
  xRange,
} from "./chart-data.js";
import type { DiagnosisCache } from "./diagnoses.js";
import {
  enumParam,
  FILE_CSP,
  HttpError,
  intParam,
  LIMITS,
  numParam,
  readJsonBody,
  send,
  sendJson,
} from "./http.js";
import type { JobManager } from "./jobs.js";
import type { LiveHub } from "./live.js";
import type { Entry, Opened, RunStore } from "./store.js";

/** The JSON API the page uses. Every run is addressed by its id (a query parameter), looked up in the catalog. */

export interface ApiContext {
  root: string;
  version: string;
  store: RunStore;
  diagnoses: DiagnosisCache;
  jobs: JobManager;
  live: LiveHub;
}

type Handler = (ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export const GET_ROUTES: Record<string, Handler> = {
  "/api/health": (ctx, _req, res) => sendJson(res, 200, { ok: true, version: ctx.version }),
  "/api/runs": listRuns,
  "/api/run": runDetail,
  "/api/series": series,
  "/api/diagnosis": diagnosis,
  "/api/report": report,
  "/api/live": live,
  "/api/jobs": (ctx, _req, res) => sendJson(res, 200, { protocols: ctx.jobs.allowed, jobs: ctx.jobs.list() }),
};

export const POST_ROUTES: Record<string, Handler> = {
  "/api/jobs": async (ctx, req, res) => {
    const body = (await readJsonBody(req)) as { command?: unknown; args?: unknown } | null;
    const job = ctx.jobs.start(body?.command, body?.args ?? []);
    sendJson(res, 201, job);
  },
  "/api/jobs/stop": async (ctx, req, res) => {
    const body = (await readJsonBody(req)) as { id?: unknown } | null;
    sendJson(res, 200, ctx.jobs.stop(body?.id));
  },
};

async function listRuns(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const listing = await ctx.store.list();
  const item = (e: Entry): unknown => ({
    ...entryJson(e),
    headline: ctx.diagnoses.headline(e.id) ?? null,
    diagnosed: ctx.diagnoses.headline(e.id) !== undefined,
    children: e.children.map(item),
  });
  sendJson(res, 200, {
    root: ctx.root,
    version: ctx.version,
    runs: listing.runs.map(item),
    problems: listing.problems,
  });
}

function entryJson(e: Entry) {
  const m = e.manifest;
  return {
    id: e.id,
    name: m.name,
    kind: e.kind,
    status: e.status,
    protocol: m.protocol ?? null,
    created: m.created,
    updated: m.updated,
    format: m.source.format ?? (e.kind === "plateau" ? "plateau" : null),
    source: m.source.path ?? null,
    tags: m.tags ?? [],
    parent: m.parent ?? null,
    summary: m.summary ?? null,
    reports: e.reports,
  };
}

async function openRun(ctx: ApiContext, id: string | null): Promise<Opened> {
  if (!id) throw new HttpError(400, "query parameter `run` (a run id) is required");
  const o = await ctx.store.open(id);
  if (!o) throw new HttpError(404, `no run \`${id}\``);
  return o;
}

async function runDetail(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const o = await openRun(ctx, url.searchParams.get("run") ?? url.searchParams.get("id"));
  const run = o.run;
  const status = o.tracked ? o.tracked.status() : o.entry.status;
  const events: Record<string, number> = {};
  for (const ev of run.events) events[ev.kind] = (events[ev.kind] ?? 0) + 1;
  sendJson(res, 200, {
    ...entryJson(o.entry),
    status,
    facts: run.manifest.facts,
    series: run.seriesNames().map((n) => seriesInfo(run.series.get(n) as Series)),
    events,
    offset: o.tracked ? o.tracked.offset : null,
    t0: runT0(run),
    job: ctx.jobs.jobForRun(o.entry.id) ?? null,
    children: o.entry.children.map((c) => ({ id: c.id, name: c.manifest.name, status: c.status })),
  });
}

function seriesInfo(s: Series) {
  let min = Number.POSITIVE_INFINITY;
  let nonFinite = 0;
  for (const v of s.value) {
    if (!Number.isFinite(v)) nonFinite++;
    else if (v < min) min = v;
  }
  return {
    name: s.name,
    n: s.length,
    first_step: s.step[0],
    last_step: s.step[s.length - 1],
    last: s.value[s.length - 1],
    min: Number.isFinite(min) ? min : null,
    non_finite: nonFinite,
    tokens: s.has("tokens"),
    time: s.has("wallTime"),
  };
}

/** Chart options from the query string (shared by /api/series and /api/live, so a stream continues its snapshot). */
function chartOptions(q: URLSearchParams): ChartOptions {
  return {
    width: intParam(q, "width", DEFAULT_CHART.width, LIMITS.minWidth, LIMITS.maxWidth),
    smooth: enumParam(q, "smooth", SMOOTHINGS, DEFAULT_CHART.smooth),
    weight: numParam(q, "weight", DEFAULT_CHART.weight, 0, 0.999),
    x: enumParam(q, "x", X_AXES, DEFAULT_CHART.x),
    logx: q.get("logx") === "1" || q.get("logx") === "true",
  };
}

/**
 * Every value of a repeated query parameter (`run=a&run=b`), at most `max` of them (and at least one when
 * `required`); `what` names one value and `plural` several, for the error messages.
 */
function repeatedParam(
  q: URLSearchParams,
  name: string,
  what: string,
  plural: string,
  max: number,
  required = true,
): string[] {
  const values = q.getAll(name);
  if (required && values.length === 0)
    throw new HttpError(400, `query parameter \`${name}\` (${what}) is required`);
  if (values.length > max) throw new HttpError(400, `at most ${max} ${plural} at once`);
  return values;
}

const runIds = (q: URLSearchParams, required = true) =>
  repeatedParam(q, "run", "a run id", "runs", LIMITS.runsPerRequest, required);
const seriesNames = (q: URLSearchParams) =>
  repeatedParam(q, "name", "a series name", "series", LIMITS.seriesPerRequest);

/**
 * `/api/series?run=ID[&run=ID2…]&name=train/loss[&name=…]&width=W&smooth=density|tb|none&weight=w
 *  [&halflife=h]&x=step|tokens|time&logx=0|1[&xmin=a&xmax=b]`: the series smoothed at full resolution, then
 *  M4-downsampled to W pixel columns (over [xmin, xmax] when the chart is zoomed). One half-life serves every run and series of the request (that is what makes the density EMA
 *  comparable across runs logged at different rates); it is returned so a live stream continues with it.
 */
async function series(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const q = url.searchParams;
  const opts = chartOptions(q);
  const names = seriesNames(q);
  const opened: Opened[] = [];
  for (const id of runIds(q)) opened.push(await openRun(ctx, id));
  const t0s = opened.map((o) => runT0(o.run));
  const cols: Map<string, Columns>[] = opened.map((o, k) => runColumns(o.run, names, opts, t0s[k]));
  const given = q.get("halflife");
  const halfLife =
    given !== null && given !== "" && Number(given) >= 0
      ? Number(given)
      : halfLifeFor(
          opts.weight,
          xRange(
            cols.flatMap((m) => [...m.values()]),
            opts.logx,
          ),
        );
  const lo = Number(q.get("xmin") ?? Number.NaN);
  const hi = Number(q.get("xmax") ?? Number.NaN);
  const range: [number, number] | undefined =
    q.get("xmin") !== null && q.get("xmax") !== null && lo < hi ? [lo, hi] : undefined;
  const runs = opened.map(
    (o, k) =>
      `{"id":${JSON.stringify(o.entry.id)},"offset":${o.tracked ? o.tracked.offset : "null"},"t0":${t0s[k]},` +
      `"series":${runSeriesJson(names, opts, halfLife, cols[k], range)}}`,
  );
  const head = JSON.stringify({ ...opts, halflife: halfLife, range: range ?? null });
  sendJson(res, 200, `${head.slice(0, -1)},"runs":[${runs.join(",")}]}`);
}

async function diagnosis(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const o = await openRun(ctx, url.searchParams.get("run"));
  const live = o.tracked ? o.tracked.status() === "running" : false;
  sendJson(res, 200, await ctx.diagnoses.get(o, live));
}

/**
 * The diagnosis report of any run (plateau's own or imported), as `plateau diagnose --out` would write it, built
 * by src/report in the diagnosis worker. It runs inline scripts (uPlot, its chart client), so it is served like
 * the files of the runs root: sandboxed, with an opaque origin.
 */
async function report(ctx: ApiContext, _req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const o = await openRun(ctx, url.searchParams.get("run"));
  const html = await ctx.diagnoses.report(o);
  send(res, 200, html, "text/html; charset=utf-8", {
    "Content-Security-Policy": FILE_CSP,
    "Cache-Control": "no-store",
  });
}

/** `/api/live?run=ID&from=OFFSET&t0=T[&run=…]` plus the chart options of the snapshot the client holds. */
async function live(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const q = url.searchParams;
  const ids = runIds(q, false);
  const from = q.getAll("from");
  const t0 = q.getAll("t0");
  const runs = ids.map((id, k) => {
    const f = from[k];
    const t = Number(t0[k] ?? 0);
    return {
      id,
      from: f !== undefined && /^\d{1,15}$/.test(f) ? Number(f) : null,
      t0: Number.isFinite(t) ? t : 0,
    };
  });
  const opts = chartOptions(q);
  const h = Number(q.get("halflife") ?? 0);
  await ctx.live.open(req, res, runs, opts, Number.isFinite(h) && h >= 0 ? h : 0);
}
