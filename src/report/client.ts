/**
 * The browser side of chart specs: plain ES2017 (no build step), run after uPlot. It reads the specs from
 * <script type="application/json" id="plateau-charts">, draws one uPlot chart per element
 * `[data-chart="<spec id>"]`, shades regions under the series, draws markers and reference lines over them,
 * syncs the cursor within a group, and rebuilds every chart when the log-x switch (`#plateau-logx`) changes —
 * the specs carry a smoothing tuned for each axis (`view`). `window.plateauReport` exposes the charts, a
 * `ready` flag and `setLogX(bool)` for tests and for pages that embed the charts.
 */
export const CHART_CLIENT_JS = `(function () {
  "use strict";
  var holder = document.getElementById("plateau-charts");
  if (!holder || typeof uPlot === "undefined") return;
  var specs = JSON.parse(holder.textContent || "[]");
  var state = { ready: false, logX: false, charts: [], setLogX: setLogX, errors: [] };
  window.plateauReport = state;

  function rgba(hex, alpha) {
    if (alpha === undefined || alpha === null || hex.charAt(0) !== "#") return hex;
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function visibleSeries(spec, logX) {
    return spec.series.filter(function (s) { return !s.view || s.view === (logX ? "log" : "linear"); });
  }

  // uPlot wants one x column for all series: the union of their x values, with null where a series has no point
  function alignData(spec, series, logX) {
    var all = [];
    series.forEach(function (s) {
      for (var i = 0; i < s.x.length; i++) if (!logX || s.x[i] > 0) all.push(s.x[i]);
    });
    all.sort(function (a, b) { return a - b; });
    var xs = [];
    for (var i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) xs.push(all[i]);
    var index = new Map();
    xs.forEach(function (x, k) { index.set(x, k); });
    var data = [xs];
    series.forEach(function (s) {
      var col = new Array(xs.length).fill(null);
      for (var i = 0; i < s.x.length; i++) {
        var k = index.get(s.x[i]);
        var v = s.y[i];
        if (k === undefined || v === null || !isFinite(v)) continue;
        if (spec.logY && !(v > 0)) continue;
        col[k] = v;
      }
      data.push(col);
    });
    return data;
  }

  // tiny values (learning rates) as 3.0e-4 instead of uPlot's rounded 0
  function tickFormat(u, ticks) {
    var m = 0;
    ticks.forEach(function (t) { if (t !== null) m = Math.max(m, Math.abs(t)); });
    return ticks.map(function (t) {
      if (t === null || !isFinite(t)) return "";
      if (m > 0 && m < 0.01) return t === 0 ? "0" : t.toExponential(1);
      return Math.abs(t) >= 1e4 ? t.toLocaleString("en-US") : String(+t.toPrecision(6));
    });
  }

  function inPlot(u, px) { return Math.min(u.bbox.left + u.bbox.width, Math.max(u.bbox.left, px)); }

  function drawRegions(spec) {
    return function (u) {
      var ctx = u.ctx;
      var pr = uPlot.pxRatio || window.devicePixelRatio || 1;
      var regions = spec.regions || [];
      regions.forEach(function (r, i) {
        // stack the labels of overlapping regions instead of printing them on top of each other
        var row = 0;
        for (var k = 0; k < i; k++) if (regions[k].from < r.to && regions[k].to > r.from) row++;
        var a = u.valToPos(r.from, "x", true);
        var b = u.valToPos(r.to, "x", true);
        if (!isFinite(a) || !isFinite(b)) return;
        a = inPlot(u, a); b = inPlot(u, b);
        if (b - a < 1) return;
        ctx.save();
        ctx.fillStyle = r.color;
        ctx.fillRect(a, u.bbox.top, b - a, u.bbox.height);
        ctx.fillStyle = "rgba(55,65,81,0.85)";
        ctx.font = (11 * pr) + "px system-ui, sans-serif";
        ctx.textBaseline = "top";
        ctx.fillText(r.label, a + 4 * pr, u.bbox.top + (4 + 14 * row) * pr);
        ctx.restore();
      });
    };
  }

  function drawMarkers(spec) {
    return function (u) {
      var ctx = u.ctx;
      var pr = uPlot.pxRatio || window.devicePixelRatio || 1;
      ctx.save();
      (spec.lines || []).forEach(function (l) {
        var y = u.valToPos(l.y, "y", true);
        if (!isFinite(y) || y < u.bbox.top || y > u.bbox.top + u.bbox.height) return;
        ctx.strokeStyle = l.color;
        ctx.lineWidth = pr;
        ctx.setLineDash([4 * pr, 4 * pr]);
        ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = l.color;
        ctx.font = (11 * pr) + "px system-ui, sans-serif";
        ctx.textBaseline = "bottom";
        ctx.textAlign = "right";
        ctx.fillText(l.label, u.bbox.left + u.bbox.width - 4 * pr, y - 2 * pr);
        ctx.textAlign = "left";
      });
      (spec.markers || []).forEach(function (m) {
        if (state.logX && !(m.x > 0)) return;
        var x = u.valToPos(m.x, "x", true);
        if (!isFinite(x) || x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        if (m.y === undefined || m.y === null) {
          ctx.strokeStyle = m.color;
          ctx.lineWidth = pr;
          ctx.setLineDash(m.kind === "change" ? [3 * pr, 3 * pr] : []);
          ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
          ctx.setLineDash([]);
        } else {
          var y = u.valToPos(m.y, "y", true);
          if (!isFinite(y)) return;
          y = Math.min(u.bbox.top + u.bbox.height, Math.max(u.bbox.top, y));
          ctx.fillStyle = m.color;
          ctx.strokeStyle = "#ffffff";
          ctx.lineWidth = pr;
          ctx.beginPath();
          if (m.kind === "spike") { ctx.moveTo(x, y - 6 * pr); ctx.lineTo(x - 5 * pr, y + 3 * pr); ctx.lineTo(x + 5 * pr, y + 3 * pr); ctx.closePath(); }
          else ctx.arc(x, y, 4 * pr, 0, 2 * Math.PI);
          ctx.fill(); ctx.stroke();
        }
      });
      ctx.restore();
    };
  }

  function build(spec, el, logX) {
    var series = visibleSeries(spec, logX);
    var data = alignData(spec, series, logX);
    var width = Math.max(320, el.clientWidth || 800);
    var opts = {
      title: spec.title,
      width: width,
      height: spec.height || 300,
      scales: {
        x: !logX && spec.xRange ? { time: false, range: spec.xRange } : { time: false, distr: logX ? 3 : 1, log: 10 },
        y: spec.logY ? { distr: 3, log: 10 } : (!logX && spec.yRange ? { range: spec.yRange } : {}),
      },
      axes: [{ label: spec.xLabel, size: 40 }, { label: spec.yLabel, size: 64, values: tickFormat }],
      series: [{ label: spec.xLabel }].concat(series.map(function (s) {
        return {
          label: s.label,
          stroke: rgba(s.color, s.alpha),
          width: s.width || 1.5,
          dash: s.dash,
          spanGaps: !!s.spanGaps,
          points: { show: !!s.points, size: 5, fill: s.color },
        };
      })),
      cursor: { sync: { key: spec.syncGroup || "plateau" } },
      legend: { live: true },
      hooks: { drawClear: [drawRegions(spec)], draw: [drawMarkers(spec)] },
    };
    el.innerHTML = "";
    return new uPlot(opts, data, el);
  }

  function buildAll() {
    state.charts.forEach(function (c) { c.uplot.destroy(); });
    state.charts = [];
    specs.forEach(function (spec) {
      var el = document.querySelector('[data-chart="' + spec.id + '"]');
      if (!el) return;
      try {
        state.charts.push({ id: spec.id, uplot: build(spec, el, state.logX) });
      } catch (e) {
        state.errors.push(spec.id + ": " + e);
        el.textContent = "chart failed: " + e;
      }
    });
    state.ready = true;
  }

  function setLogX(on) {
    state.logX = !!on;
    var box = document.getElementById("plateau-logx");
    if (box) box.checked = state.logX;
    buildAll();
  }

  var box = document.getElementById("plateau-logx");
  if (box) box.addEventListener("change", function () { setLogX(box.checked); });
  var pending = 0;
  window.addEventListener("resize", function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      state.charts.forEach(function (c) {
        var el = document.querySelector('[data-chart="' + c.id + '"]');
        if (el) c.uplot.setSize({ width: Math.max(320, el.clientWidth), height: c.uplot.height });
      });
    });
  });
  buildAll();
})();
`;
