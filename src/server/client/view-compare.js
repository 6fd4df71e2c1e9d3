// Several runs overlaid: one chart per series, one colour per run, the same smoothing and x axis for all (the
// density-aware EMA uses one half-life in x units for every run, so runs logged at different rates smooth
// alike). Live runs keep growing here too.

import { get } from "./api.js";
import { Board, moreSeries } from "./board.js";
import { PALETTE } from "./chart.js";
import { toolbar } from "./controls.js";
import { fill, h, statusBadge } from "./dom.js";
import { compareHref, runHref } from "./links.js";

const MAIN_ORDER = [
  (n) => n === "train/loss",
  (n) => n === "eval/loss",
  (n) => /(^|\/)(lr|learning_rate)$/.test(n),
  (n) => /(^|\/)grad_norm$/.test(n),
];

export function compareView(root, app, ids) {
  let disposed = false;
  let board = null;
  const view = app.view;
  const head = h("section.compare-head");
  const bar = toolbar(view, (v, what) => {
    clearTimeout(timer);
    timer = setTimeout(
      () => board?.refresh(v).catch((e) => app.error(e.message)),
      what === "weight" ? 150 : 0,
    );
  });
  let timer = null;
  const grid = h("div.chart-grid.compare-grid");
  root.append(head, bar, grid);

  async function load() {
    let details;
    try {
      details = await Promise.all(ids.map((id) => get("/api/run", { run: id })));
    } catch (err) {
      root.replaceChildren(h("p.error-box", err.message), h("p", h("a", { href: "#/" }, "← all runs")));
      return;
    }
    if (disposed) return;
    const names = new Map(); // run id -> label
    const counts = {};
    for (const d of details) counts[d.name] = (counts[d.name] ?? 0) + 1;
    for (const d of details)
      names.set(d.id, counts[d.name] > 1 ? `${d.name} (${d.id.slice(-6)})` : d.name || d.id);
    const color = (k) => PALETTE[k % PALETTE.length];
    renderHead(details, names, color);
    const all = [...new Set(details.flatMap((d) => d.series.map((s) => s.name)))];
    const main = [];
    for (const test of MAIN_ORDER) for (const n of all) if (test(n) && !main.includes(n)) main.push(n);
    const rest = all.filter((n) => !main.includes(n)).sort();
    board = new Board(grid, {
      runs: ids,
      view,
      syncKey: "compare",
      onStatus: (s) => {
        const badge = head.querySelector(`[data-run="${CSS.escape(s.run)}"] .badge`);
        if (badge) badge.replaceWith(statusBadge(s.status));
      },
    });
    const spec = (n, height) => ({
      key: n,
      title: n,
      height,
      lines: details
        .map((d, k) => ({ d, k }))
        .filter(({ d }) => d.series.some((s) => s.name === n))
        .map(({ d, k }) => ({ run: d.id, series: n, label: names.get(d.id), color: color(k) })),
    });
    for (const n of main) board.addChart(spec(n));
    if (!main.length && !rest.length) grid.append(h("p.muted", "These runs have no series yet."));
    const more = moreSeries(board, rest, (n) => spec(n, 170));
    if (more) grid.after(more);
    board.load().catch((err) => app.error(err.message));
  }

  function renderHead(details, names, color) {
    fill(
      head,
      h(
        "div.run-title",
        h("a.back", { href: "#/", title: "All runs (g)" }, "←"),
        h("h1", `Compare ${details.length} runs`),
      ),
      h(
        "ul.compare-runs",
        details.map((d, k) =>
          h(
            "li",
            { dataset: { run: d.id } },
            h("span.swatch", { style: { background: color(k) } }),
            h("a", { href: runHref(d.id) }, names.get(d.id)),
            statusBadge(d.status),
            ids.length > 1
              ? h(
                  "a.remove",
                  {
                    href: compareHref(ids.filter((x) => x !== d.id)),
                    title: "remove from the comparison",
                    "aria-label": "remove",
                  },
                  "×",
                )
              : null,
          ),
        ),
        h("li.add", addRunPicker()),
      ),
    );
  }

  function addRunPicker() {
    const sel = h(
      "select#add-run",
      {
        "aria-label": "Add a run to the comparison",
        onchange: () => {
          if (sel.value) app.go(compareHref([...ids, sel.value]));
        },
      },
      h("option", { value: "" }, "+ add run…"),
    );
    get("/api/runs")
      .then((r) => {
        const flat = (rs) => rs.flatMap((x) => [x, ...flat(x.children ?? [])]);
        for (const x of flat(r.runs))
          if (!ids.includes(x.id)) sel.append(h("option", { value: x.id }, x.name || x.id));
      })
      .catch(() => {});
    return sel;
  }

  load();
  return {
    keys: { ...bar.keys, z: () => board?.zoom(null) },
    charts: () => board?.debug() ?? [],
    dispose() {
      disposed = true;
      board?.dispose();
    },
  };
}
