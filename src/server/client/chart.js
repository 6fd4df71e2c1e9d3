// One uPlot chart of one or more lines. A line is a series of one run: its raw values drawn faintly and its
// smoothed values (computed on the server over the full-resolution series) drawn bold. Lines logged at
// different x are aligned with uPlot.join; a null y (a NaN or infinity in the log) breaks the line and gets a
// red marker. Findings' step ranges are shaded behind the lines.

import { fmtCount, fmtDuration, fmtTick, fmtValue, h } from "./dom.js";
import uPlot from "./uplot.js";

export const PALETTE = [
  "#2f6fde",
  "#e0662f",
  "#2aa876",
  "#b548c6",
  "#c9a21a",
  "#1fa3b8",
  "#d6455d",
  "#6d7a8c",
];

// The theme's colours are light-dark() pairs; a probe element resolves one to the rgb() a canvas understands.
let probe = null;
export function css(name) {
  if (!probe) {
    probe = document.createElement("span");
    probe.style.display = "none";
    document.body.appendChild(probe);
  }
  probe.style.color = "";
  probe.style.color = `var(${name})`;
  return getComputedStyle(probe).color;
}

function withAlpha(hex, a) {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

/** Tick labels for the x axis; uPlot passes null for ticks it leaves unlabelled (a log axis's 2…9). */
export function xFormatter(axis) {
  const f = axis === "time" ? fmtDuration : fmtCount;
  return (v) => (v === null ? "" : f(v));
}

export class Chart {
  /**
   * @param {HTMLElement} container
   * @param {{title: string, lines: {id: string, label: string, color: string}[], view: object,
   *          syncKey?: string, height?: number, onZoom?: (range: [number, number] | null) => void}} opts
   */
  constructor(container, opts) {
    this.opts = opts;
    this.lines = opts.lines.map((l) => ({ ...l, x: [], y: [], s: null, step: null }));
    this.regions = [];
    this.active = -1;
    this.dirty = false;
    this.legendItems = [];
    this.el = h("figure.chart");
    this.head = h("figcaption.chart-head", h("span.chart-title", opts.title));
    this.legend = h("span.chart-legend");
    this.head.appendChild(this.legend);
    this.note = h("span.chart-note");
    this.head.appendChild(this.note);
    this.plot = h("div.chart-plot");
    this.el.append(this.head, this.plot);
    container.appendChild(this.el);
    this.build();
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(this.plot);
  }

  /** Chart width in device pixels: what the server downsamples to. */
  pixelWidth() {
    return Math.max(64, Math.round((this.plot.clientWidth || 600) * (window.devicePixelRatio || 1)));
  }

  build() {
    const v = this.opts.view;
    const fg = css("--muted");
    const grid = css("--grid");
    const series = [{}];
    for (const l of this.lines) {
      const smoothed = v.smooth !== "none";
      series.push({
        label: `${l.label} (raw)`,
        stroke: smoothed ? withAlpha(l.color, 0.28) : l.color,
        width: smoothed ? 1 : 1.4,
        points: { show: false },
      });
      series.push({ label: l.label, stroke: l.color, width: 1.8, points: { show: false } });
    }
    const fx = xFormatter(v.x);
    const width = this.plot.clientWidth || 600;
    const u = new uPlot(
      {
        width,
        height: this.opts.height ?? 230,
        pxAlign: 0,
        scales: {
          x: {
            time: false,
            distr: v.logx ? 3 : 1,
            // every chart of a board spans the same x (the board's domain) unless zoomed
            range: (_u, min, max) => {
              const [lo, hi] = this.domain && !this.zoomed ? this.domain : [min, max];
              // a log axis snaps to powers of ten, so its ticks fall on 1, 10, 100 …
              return v.logx && !this.zoomed && lo > 0 ? uPlot.rangeLog(lo, hi, 10, true) : [lo, hi];
            },
          },
          y: { distr: v.logy ? 3 : 1 },
        },
        axes: [
          {
            stroke: fg,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid, width: 1 },
            values: (_u, ticks) => ticks.map(fx),
          },
          {
            stroke: fg,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid, width: 1 },
            size: 62,
            values: (_u, ticks) => ticks.map((v) => (v === null ? "" : fmtTick(v))),
          },
        ],
        series,
        legend: { show: false },
        cursor: {
          sync: this.opts.syncKey ? { key: this.opts.syncKey } : undefined,
          drag: { x: true, y: false, setScale: false },
          points: { size: 5 },
        },
        hooks: {
          drawClear: [(u) => this.drawRegions(u)],
          draw: [(u) => this.drawOverlay(u), (u) => this.drawMarkers(u)],
          setCursor: [(u) => this.updateLegend(u.cursor.idx)],
          setSelect: [(u) => this.onSelect(u)],
        },
      },
      this.joined(),
      this.plot,
    );
    u.over.addEventListener("dblclick", () => this.opts.onZoom?.(null));
    this.u = u;
    this.renderLegend();
  }

  /** Rebuild from scratch (view settings changed: log axes, smoothing on/off, theme). */
  rebuild(view) {
    if (view) this.opts.view = view;
    this.u.destroy();
    this.build();
  }

  setLine(id, d) {
    const l = this.lines.find((x) => x.id === id);
    if (!l) return;
    l.x = d.x.slice();
    l.y = d.y.slice();
    l.s = d.s ? d.s.slice() : null;
    l.step = d.step ? d.step.slice() : null;
    l.n = d.n;
    l.downsampled = d.downsampled;
    this.schedule();
  }

  /** Append live points (raw, already smoothed on the server). Returns the line's point count. */
  appendLine(id, d) {
    const l = this.lines.find((x) => x.id === id);
    if (!l) return 0;
    const last = l.x.length ? l.x[l.x.length - 1] : Number.NEGATIVE_INFINITY;
    for (let i = 0; i < d.x.length; i++) {
      if (!(d.x[i] > last) && l.x.length) continue; // already have it (overlapping snapshot and stream)
      l.x.push(d.x[i]);
      l.y.push(d.y[i]);
      if (l.s) l.s.push(d.s ? d.s[i] : d.y[i]);
      if (l.step) l.step.push(d.step ? d.step[i] : d.x[i]);
    }
    l.n = d.n;
    this.schedule();
    return l.x.length;
  }

  setRegions(regions, active = -1) {
    this.regions = regions;
    this.active = active;
    this.u.redraw(false, false);
  }

  schedule() {
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => {
      this.dirty = false;
      const keepX = this.zoomed ? { min: this.u.scales.x.min, max: this.u.scales.x.max } : null;
      this.u.setData(this.joined(), !keepX);
      if (keepX) this.u.setScale("x", keepX);
      this.renderLegend();
    });
  }

  joined() {
    const tables = this.lines.map((l) => [l.x, l.y, l.s ?? l.y]);
    if (tables.length === 1) return tables[0];
    return uPlot.join(tables);
  }

  renderLegend() {
    const items = [];
    this.legendItems = [];
    for (const l of this.lines) {
      const val = h("span.legend-val");
      items.push(
        h(
          "span.legend-item",
          h("span.swatch", { style: { background: l.color } }),
          h("span.legend-label", l.label),
          val,
        ),
      );
      this.legendItems.push(val);
    }
    this.legend.replaceChildren(...items);
    const notes = [];
    const total = this.lines.reduce((a, l) => a + (l.n ?? l.x.length), 0);
    const sent = this.lines.reduce((a, l) => a + l.x.length, 0);
    if (this.lines.some((l) => l.downsampled))
      notes.push(`${fmtCount(total)} points, min/max per pixel: ${fmtCount(sent)} drawn`);
    else if (total) notes.push(`${fmtCount(total)} points`);
    this.note.textContent = notes.join(" · ");
    this.updateLegend(null);
  }

  updateLegend(idx) {
    const d = this.u.data;
    for (let k = 0; k < this.lines.length; k++) {
      const l = this.lines[k];
      let v;
      if (idx === null || idx === undefined) {
        const arr = l.s ?? l.y;
        v = arr.length ? arr[arr.length - 1] : undefined;
      } else {
        const col = this.lines.length === 1 ? d[2] : d[2 + 2 * k];
        v = col?.[idx];
      }
      const el = this.legendItems[k];
      if (el) el.textContent = v === undefined ? "" : v === null ? "NaN" : fmtValue(v);
    }
  }

  onSelect(u) {
    if (u.select.width < 4) return;
    const min = u.posToVal(u.select.left, "x");
    const max = u.posToVal(u.select.left + u.select.width, "x");
    u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    this.opts.onZoom?.([min, max]);
  }

  /** Show an x range (zoom): the caller refetches the data of that range at full pixel resolution. */
  setXRange(range) {
    this.zoomed = Boolean(range);
    if (range) this.u.setScale("x", { min: range[0], max: range[1] });
    else this.u.setData(this.joined(), true);
  }

  /** x of a step, for placing findings on a tokens or time axis (interpolated along the first line). */
  stepToX(step) {
    if (this.opts.view.x === "step") return step;
    const l = this.lines.find((x) => x.step?.length);
    if (!l) return null;
    const s = l.step;
    let lo = 0;
    let hi = s.length - 1;
    if (hi === 0) return l.x[0];
    // beyond the data (a projection): continue the line through the two outermost points
    if (step <= s[0]) hi = 1;
    else if (step >= s[hi]) lo = hi - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (s[mid] <= step) lo = mid;
      else hi = mid;
    }
    const f = (step - s[lo]) / (s[hi] - s[lo] || 1);
    return l.x[lo] + f * (l.x[hi] - l.x[lo]);
  }

  drawRegions(u) {
    if (!this.regions.length) return;
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    ctx.save();
    for (let k = 0; k < this.regions.length; k++) {
      const r = this.regions[k];
      const x0 = this.stepToX(r.from);
      const x1 = this.stepToX(r.to);
      if (x0 === null || x1 === null) continue;
      if (u.scales.x.distr === 3 && (x0 <= 0 || x1 <= 0)) continue;
      let p0 = u.valToPos(x0, "x", true);
      let p1 = u.valToPos(x1, "x", true);
      if (p1 - p0 < 3) {
        const c = (p0 + p1) / 2;
        p0 = c - 1.5;
        p1 = c + 1.5;
      }
      const on = k === this.active;
      ctx.fillStyle = css(`--region-${r.severity}`) || "rgba(200,120,0,0.15)";
      ctx.globalAlpha = on ? 1 : this.active >= 0 ? 0.35 : 0.7;
      ctx.fillRect(p0, top, p1 - p0, height);
      if (on) {
        ctx.globalAlpha = 1;
        ctx.strokeStyle = css(`--sev-${r.severity}`);
        ctx.lineWidth = 1.5 * (window.devicePixelRatio || 1);
        ctx.strokeRect(p0, top, p1 - p0, height);
      }
    }
    ctx.restore();
  }

  /** The diagnosis report's annotations for this chart (fit and projection, spikes, change points, ln V). */
  setOverlay(o) {
    this.overlay = o ?? null;
    this.u.redraw(false, false);
  }

  drawOverlay(u) {
    const o = this.overlay;
    if (!o) return;
    const ctx = u.ctx;
    const dpr = window.devicePixelRatio || 1;
    const { left, top, width, height } = u.bbox;
    const inX = (p) => p >= left - 1 && p <= left + width + 1;
    const pos = (step) => {
      const x = this.stepToX(step);
      if (x === null || (u.scales.x.distr === 3 && !(x > 0))) return null;
      return u.valToPos(x, "x", true);
    };
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    for (const l of o.lines ?? []) {
      if (u.scales.y.distr === 3 && !(l.y > 0)) continue;
      const y = u.valToPos(l.y, "y", true);
      if (!(y >= top && y <= top + height)) continue;
      ctx.strokeStyle = l.color;
      ctx.lineWidth = dpr;
      ctx.setLineDash([4 * dpr, 4 * dpr]);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      ctx.fillStyle = css("--muted");
      ctx.textAlign = "right";
      ctx.fillText(l.label, left + width - 4 * dpr, y - 3 * dpr);
    }
    for (const f of o.fit ?? []) {
      ctx.strokeStyle = f.color;
      ctx.lineWidth = 1.6 * dpr;
      ctx.setLineDash((f.dash ?? [6, 4]).map((d) => d * dpr));
      ctx.beginPath();
      let started = false;
      for (let i = 0; i < f.x.length; i++) {
        const p = pos(f.x[i]);
        const v = f.y[i];
        if (p === null || v === null || (u.scales.y.distr === 3 && !(v > 0))) {
          started = false;
          continue;
        }
        const y = u.valToPos(v, "y", true);
        if (started) ctx.lineTo(p, y);
        else ctx.moveTo(p, y);
        started = true;
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    for (const m of o.markers ?? []) {
      const p = pos(m.x);
      if (p === null || !inX(p)) continue;
      if (m.y === undefined || m.y === null) {
        ctx.strokeStyle = m.color;
        ctx.lineWidth = dpr;
        ctx.setLineDash(m.kind === "change" ? [3 * dpr, 3 * dpr] : []);
        ctx.beginPath();
        ctx.moveTo(p, top);
        ctx.lineTo(p, top + height);
        ctx.stroke();
        ctx.setLineDash([]);
      } else {
        if (u.scales.y.distr === 3 && !(m.y > 0)) continue;
        const y = Math.min(top + height - 4 * dpr, Math.max(top + 6 * dpr, u.valToPos(m.y, "y", true)));
        ctx.fillStyle = m.color;
        ctx.beginPath();
        ctx.moveTo(p, y - 7 * dpr);
        ctx.lineTo(p - 5 * dpr, y + 2 * dpr);
        ctx.lineTo(p + 5 * dpr, y + 2 * dpr);
        ctx.closePath();
        ctx.fill();
      }
    }
    ctx.restore();
  }

  /** A small red triangle above each point whose value is not finite. */
  drawMarkers(u) {
    const ctx = u.ctx;
    const { top } = u.bbox;
    const dpr = window.devicePixelRatio || 1;
    ctx.save();
    ctx.fillStyle = css("--sev-critical");
    for (let k = 0; k < this.lines.length; k++) {
      const l = this.lines[k];
      for (let i = 0; i < l.y.length; i++) {
        if (l.y[i] !== null) continue;
        const p = u.valToPos(l.x[i], "x", true);
        ctx.beginPath();
        ctx.moveTo(p - 4 * dpr, top);
        ctx.lineTo(p + 4 * dpr, top);
        ctx.lineTo(p, top + 7 * dpr);
        ctx.fill();
      }
    }
    ctx.restore();
  }

  resize() {
    const w = this.plot.clientWidth;
    if (w && Math.abs(w - this.u.width) > 1) this.u.setSize({ width: w, height: this.u.height });
  }

  destroy() {
    this.resizer.disconnect();
    this.u.destroy();
    this.el.remove();
  }
}
