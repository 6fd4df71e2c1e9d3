// A set of charts over one or more runs, fed by /api/series (a snapshot smoothed and downsampled on the
// server) and kept current by the tab's live stream. The run page and the comparison page are both boards.

import { chartParams, get } from "./api.js";
import { Chart } from "./chart.js";
import { h } from "./dom.js";
import * as live from "./live.js";

/** Which chart a series goes to on a run page. */
export function chartGroups(names) {
  const has = (n) => names.includes(n);
  const isLr = (n) => /(^|\/)(lr|learning_rate)$/.test(n);
  const isGrad = (n) => /(^|\/)grad_norm$/.test(n);
  const groups = [];
  const used = new Set();
  const add = (key, title, list) => {
    const l = list.filter((n) => names.includes(n) && !used.has(n));
    if (!l.length) return;
    for (const n of l) used.add(n);
    groups.push({ key, title, names: l });
  };
  const loss =
    names.find((n) => n === "train/loss") ??
    names.find((n) => /(^|\/)loss$/.test(n) && !n.startsWith("eval/"));
  const sets = names.filter((n) => /^eval\/.+\/loss$/.test(n));
  // the loss chart shows eval against train: eval/loss, or the one evaluation set there is
  const evalLoss = has("eval/loss") ? "eval/loss" : sets.length === 1 ? sets[0] : null;
  add("loss", "Loss", [loss, evalLoss].filter(Boolean));
  // several evaluation sets get a chart of their own (one set is already on the loss chart)
  if (sets.length >= 2) add("eval", "Evaluation", sets);
  add("lr", "Learning rate", names.filter(isLr));
  add("grad", "Gradient norm", names.filter(isGrad));
  const rest = names.filter((n) => !used.has(n));
  return { main: groups, rest };
}

export class Board {
  /**
   * @param {HTMLElement} container
   * @param {{runs: string[], view: object, syncKey: string, onStatus?: Function, onReset?: Function}} opts
   */
  constructor(container, opts) {
    this.container = container;
    this.opts = opts;
    this.charts = [];
    this.halflife = null;
    this.snap = new Map(); // run id -> {offset, t0}
    this.range = null;
    this.appended = 0;
    this.loading = null;
    this.lastCompact = 0;
  }

  /** charts: [{key, title, lines: [{run, series, label, color}]}] */
  addChart(spec, parent = this.container) {
    const c = new Chart(parent, {
      title: spec.title,
      lines: spec.lines.map((l) => ({ id: `${l.run}\u0000${l.series}`, label: l.label, color: l.color })),
      view: this.opts.view,
      syncKey: this.opts.syncKey,
      height: spec.height,
      onZoom: (range) => this.zoom(range),
    });
    c.spec = spec;
    c.el.dataset.chart = spec.key;
    this.charts.push(c);
    return c;
  }

  names() {
    return [...new Set(this.charts.flatMap((c) => c.spec.lines.map((l) => l.series)))];
  }

  /** Fetch the snapshot of every chart (the zoom range, if any), then (re)subscribe the live stream. */
  async load() {
    if (!this.charts.length) return;
    const width = Math.max(...this.charts.map((c) => c.pixelWidth()));
    const params = {
      run: this.opts.runs,
      name: this.names(),
      width,
      ...chartParams(this.opts.view),
      halflife: this.range ? this.halflife : undefined,
      xmin: this.range?.[0],
      xmax: this.range?.[1],
    };
    const p = get("/api/series", params);
    this.loading = p;
    const data = await p;
    if (this.loading !== p || this.disposed) return;
    this.halflife = data.halflife;
    for (const r of data.runs) {
      this.snap.set(r.id, { offset: r.offset, t0: r.t0 });
      for (const s of r.series) {
        for (const c of this.charts) c.setLine(`${r.id}\u0000${s.name}`, s);
      }
    }
    this.appended = 0;
    this.updateDomain();
    if (this.range) for (const c of this.charts) c.setXRange(this.range);
    this.subscribe();
  }

  /** Every chart of the board spans the x extent of all its lines, so the charts line up under each other. */
  updateDomain() {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const c of this.charts)
      for (const l of c.lines)
        if (l.x.length) {
          lo = Math.min(lo, l.x[0]);
          hi = Math.max(hi, l.x[l.x.length - 1]);
        }
    const d = hi > lo ? [lo, hi] : null;
    for (const c of this.charts) c.domain = d;
  }

  subscribe() {
    live.on("points", (list) => this.onPoints(list));
    live.on("reset", () => this.load());
    live.on("status", (s) => this.opts.onStatus?.(s));
    const runs = this.opts.runs;
    live.subscribe({
      run: runs,
      from: runs.map((id) => this.snap.get(id)?.offset ?? ""),
      t0: runs.map((id) => this.snap.get(id)?.t0 ?? 0),
      ...chartParams(this.opts.view),
      halflife: this.halflife ?? 0,
    });
  }

  onPoints(list) {
    let max = 0;
    for (const r of list) {
      for (const s of r.series) {
        for (const c of this.charts) {
          const n = c.appendLine(`${r.run}\u0000${s.name}`, s);
          if (n) max = Math.max(max, s.x.length);
        }
      }
    }
    this.appended += max;
    if (max) this.updateDomain();
    this.opts.onPoints?.(list);
    // Live points arrive raw; once they outnumber what the chart's pixels can show, take a fresh
    // downsampled snapshot (at most every 2 s) so a long live run stays light in the page.
    const width = Math.max(...this.charts.map((c) => c.pixelWidth()), 1);
    if (this.appended > 4 * width && Date.now() - this.lastCompact > 2000) {
      this.lastCompact = Date.now();
      this.load();
    }
  }

  zoom(range) {
    this.range = range;
    for (const c of this.charts) c.setXRange(range);
    this.load();
  }

  setRegions(regions, active) {
    for (const c of this.charts) c.setRegions(regions, active);
  }

  /** The diagnosis's chart annotations, by chart key (loss, lr, grad). */
  setOverlays(overlays) {
    this.overlays = overlays;
    for (const c of this.charts) c.setOverlay(overlays?.[c.spec.key]);
  }

  /** Settings changed: rebuild the charts and refetch. */
  refresh(view) {
    this.opts.view = view;
    this.range = null;
    this.halflife = null;
    for (const c of this.charts) {
      c.rebuild(view);
      c.setOverlay(this.overlays?.[c.spec.key]);
    }
    return this.load();
  }

  /** What the charts hold (for tests and the console): titles, and each line's point count. */
  debug() {
    return this.charts.map((c) => ({
      key: c.spec.key,
      title: c.opts.title,
      lines: c.lines.map((l) => ({ label: l.label, points: l.x.length, total: l.n ?? l.x.length })),
      canvas: c.u.ctx.canvas.width,
    }));
  }

  dispose() {
    this.disposed = true;
    for (const c of this.charts) c.destroy();
    this.charts = [];
  }
}

/** A "More series" section whose charts load when it is opened. */
export function moreSeries(board, names, makeSpec) {
  if (!names.length) return null;
  const body = h("div.chart-grid");
  const details = h("details.more", h("summary", `More series (${names.length})`), body);
  let loaded = false;
  details.addEventListener("toggle", () => {
    if (!details.open || loaded) return;
    loaded = true;
    for (const n of names) board.addChart(makeSpec(n), body);
    board.load();
  });
  return details;
}
