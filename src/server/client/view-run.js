// A run page: header (status, facts, stop), the charts (loss, eval, LR, grad norm, more), the findings and
// ranked hypotheses beside them with their step ranges marked on the charts, and the run's reports in place.

import { get } from "./api.js";
import { Board, chartGroups, moreSeries } from "./board.js";
import { PALETTE } from "./chart.js";
import { toolbar } from "./controls.js";
import { fill, fmtCount, fmtValue, h, severityDot, statusBadge } from "./dom.js";
import { stopButton } from "./jobs.js";
import { compareHref, reportHref, runHref } from "./links.js";
import * as live from "./live.js";

const LABELS = { "train/loss": "train", "eval/loss": "eval" };

export function runView(root, app, id, reportName) {
  let disposed = false;
  let board = null;
  let detail = null;
  let diag = null;
  let diagTimer = null;
  const view = app.view;

  const head = h(
    "section.run-head",
    h("p.muted.loading", "Reading the run… (a long run takes a few seconds the first time)"),
  );
  const tabs = h("nav.tabs", { role: "tablist" });
  const bar = toolbar(view, (v, what) => settingsChanged(v, what), {});
  const chartsEl = h("div.chart-grid");
  const aside = h("aside.findings", { "aria-label": "Findings" }, h("p.muted", "Diagnosing…"));
  const main = h("div.run-layout", h("div.charts-col", bar, chartsEl), aside);
  const reportEl = h("div.report-pane");
  root.append(head, tabs, main, reportEl);

  let weightTimer = null;
  function settingsChanged(v, what) {
    if (!board) return;
    clearTimeout(weightTimer);
    weightTimer = setTimeout(
      () => board.refresh(v).catch((e) => app.error(e.message)),
      what === "weight" ? 150 : 0,
    );
  }

  async function load() {
    try {
      detail = await get("/api/run", { run: id });
    } catch (err) {
      root.replaceChildren(h("p.error-box", err.message), h("p", h("a", { href: "#/" }, "← all runs")));
      return;
    }
    if (disposed) return;
    renderHead();
    renderTabs();
    if (reportName) showReport(reportName);
    else showCharts();
    loadDiagnosis();
  }

  function renderHead() {
    const d = detail;
    const facts = factChips(d.facts);
    const stop = d.job && d.job.state !== "exited" ? stopButton(d.job, app, "stop-run") : null;
    fill(
      head,
      h(
        "div.run-title",
        h("a.back", { href: "#/", title: "All runs (g)" }, "←"),
        h("h1", d.name || d.id),
        statusBadge(d.status),
        h("span.kind", d.protocol ?? (d.kind === "import" ? d.format : "run")),
        h("span.spacer"),
        stop,
        h(
          "a.button",
          { href: compareHref([d.id, ...(app.selection ?? []).filter((x) => x !== d.id)]) },
          "Compare…",
        ),
      ),
      h(
        "div.run-meta",
        h("code.run-id", d.id),
        d.source ? h("span.source", { title: "source" }, d.source) : null,
      ),
      facts.length ? h("div.facts", facts) : null,
      d.parent ? h("div.parent", "part of ", h("a", { href: runHref(d.parent) }, d.parent)) : null,
      d.children?.length
        ? h(
            "div.children",
            "runs inside: ",
            d.children.map((c) => h("a.child-link", { href: runHref(c.id) }, c.name || c.id)),
          )
        : null,
    );
  }

  /** The reports of a run: its diagnosis report (built on demand by src/report), then the files beside it. */
  function reports() {
    return [
      { name: "diagnosis", label: "Diagnosis report", url: `/api/report?run=${encodeURIComponent(id)}` },
      ...detail.reports.map((r) => ({ name: r.name, label: r.name, url: r.url })),
    ];
  }

  function renderTabs() {
    const items = [
      h("a.tab", { href: runHref(id), "aria-selected": String(!reportName), role: "tab" }, "Charts"),
    ];
    for (const r of reports())
      items.push(
        h(
          "a.tab",
          { href: reportHref(id, r.name), "aria-selected": String(reportName === r.name), role: "tab" },
          r.label,
        ),
      );
    tabs.replaceChildren(...items);
  }

  function showReport(name) {
    const rep = reports().find((r) => r.name === name);
    main.hidden = true;
    if (!rep) {
      reportEl.replaceChildren(h("p.error-box", `no report ${name} for this run`));
      return;
    }
    reportEl.replaceChildren(
      h(
        "div.report-bar",
        h("a", { href: rep.url, target: "_blank", rel: "noopener" }, "open in a new tab ↗"),
      ),
      h("iframe.report", { src: rep.url, title: `report ${name}`, sandbox: "allow-scripts allow-popups" }),
    );
  }

  function showCharts() {
    reportEl.replaceChildren();
    main.hidden = false;
    const names = detail.series.map((s) => s.name);
    const has = (k) => detail.series.some((s) => s[k]);
    bar.querySelector("#xaxis option[value=tokens]").disabled = !has("tokens");
    bar.querySelector("#xaxis option[value=time]").disabled = !has("time");
    if ((view.x === "tokens" && !has("tokens")) || (view.x === "time" && !has("time"))) view.x = "step";
    board = new Board(chartsEl, {
      runs: [id],
      view,
      syncKey: `run-${id}`,
      onStatus: (s) => {
        if (s.run !== id) return;
        detail.status = s.status;
        renderHead();
        loadDiagnosis();
      },
    });
    const { main: groups, rest } = chartGroups(names);
    if (!groups.length && !rest.length) {
      chartsEl.append(h("p.muted", "This run has no series yet; charts appear as it logs."));
    }
    for (const g of groups) {
      board.addChart({
        key: g.key,
        title: g.title,
        lines: g.names.map((n, k) => ({
          run: id,
          series: n,
          label: LABELS[n] ?? n,
          color: PALETTE[k % PALETTE.length],
        })),
      });
    }
    const more = moreSeries(board, rest, (n) => ({
      key: n,
      title: n,
      height: 170,
      lines: [{ run: id, series: n, label: n, color: PALETTE[0] }],
    }));
    if (more) chartsEl.after(more);
    board.load().catch((err) => app.error(err.message));
    if (!groups.length) {
      // a run that has logged nothing yet (a job just started): draw it as soon as its first points arrive
      live.subscribe({ run: [id], from: [detail.offset ?? ""], t0: [detail.t0] });
      live.on("points", (list) => {
        if (!disposed && list.some((r) => r.run === id && r.series.length)) reload();
      });
    }
    live.on("runs", () => {
      if (!groups.length && !disposed) reload();
    });
    live.on("jobs", (jobs) => {
      const j = jobs.find((x) => x.run === id);
      if (j && detail) {
        detail.job = j;
        renderHead();
      }
    });
  }

  async function reload() {
    if (board) board.dispose();
    board = null;
    chartsEl.replaceChildren();
    root.querySelector("details.more")?.remove();
    await load();
  }

  async function loadDiagnosis() {
    clearTimeout(diagTimer);
    try {
      diag = await get("/api/diagnosis", { run: id });
    } catch (err) {
      aside.replaceChildren(h("p.muted", `No diagnosis: ${err.message}`));
      return;
    }
    if (disposed) return;
    renderFindings();
    if (detail?.status === "running") diagTimer = setTimeout(loadDiagnosis, 15000);
  }

  function regions() {
    const out = [];
    for (const f of diag?.findings ?? [])
      for (const [from, to] of f.steps ?? []) out.push({ from, to, severity: f.severity, finding: f });
    return out;
  }

  function renderFindings() {
    const findings = diag.findings;
    const hyps = diag.hypotheses;
    const cards = findings.map((f, k) => {
      const ranges = (f.steps ?? []).map(([a, b]) =>
        a === b ? `step ${fmtCount(a)}` : `steps ${fmtCount(a)}–${fmtCount(b)}`,
      );
      const card = h(
        `article.finding.sev-border-${f.severity}`,
        {
          tabIndex: 0,
          dataset: { rule: f.rule },
          onmouseenter: () => highlight(k),
          onmouseleave: () => highlight(-1),
          onfocus: () => highlight(k),
          onblur: () => highlight(-1),
          onclick: () => zoomTo(f),
          onkeydown: (e) => {
            if (e.key === "Enter") zoomTo(f);
          },
        },
        h(
          "header",
          severityDot(f.severity),
          h("b.rule", f.rule),
          h("span.conf", `${Math.round(f.confidence * 100)}%`),
        ),
        h("p", f.evidence.summary),
        ranges.length
          ? h(
              "div.ranges",
              ranges.slice(0, 4).join(", "),
              ranges.length > 4 ? ` (+${ranges.length - 4})` : "",
            )
          : null,
        evidenceTable(f.evidence),
      );
      return card;
    });
    const hypCards = hyps.map((hy, k) => {
      const evidence = [
        hy.evidence_for.length
          ? h(
              "ul.for",
              hy.evidence_for.map((e) => h("li", e)),
            )
          : null,
        hy.evidence_against.length
          ? h(
              "ul.against",
              hy.evidence_against.map((e) => h("li", e)),
            )
          : null,
      ];
      const n = hy.evidence_for.length + hy.evidence_against.length;
      const pct = `${Math.round(hy.confidence * 100)}%`;
      return h(
        "article.hypothesis",
        h(
          "header",
          h("b", hy.cause),
          h("span.bar", h("span.fill", { style: { width: pct } })),
          h("span.conf", pct),
        ),
        // the two leading causes show their evidence; the others keep it one click away
        k < 2 || n === 0 ? evidence : h("details.evidence", h("summary", `evidence (${n})`), evidence),
        h(
          "div.next",
          h("span.muted", "next: "),
          h("code", hy.next.command),
          hy.next.available
            ? null
            : h("span.planned", { title: "this command is planned, not built yet" }, "planned"),
          h(
            "button.copy",
            { title: "copy the command", onclick: () => navigator.clipboard?.writeText(hy.next.command) },
            "copy",
          ),
        ),
        h("p.why", hy.next.why),
      );
    });
    fill(
      aside,
      h("h2", `Findings (${findings.length})`),
      findings.length ? cards : h("p.muted", "Nothing stands out in this run."),
      h("h2", "Hypotheses"),
      hypCards.length ? hypCards : h("p.muted", "No hypothesis."),
      h("p.muted.small", `diagnosed in ${diag.ms} ms`),
    );
    board?.setRegions(regions(), -1);
    board?.setOverlays(diag.overlays);
  }

  function highlight(k) {
    if (!board || !diag) return;
    const regs = regions();
    const f = diag.findings[k];
    const idx = f ? regs.findIndex((r) => r.finding === f) : -1;
    board.setRegions(regs, idx);
  }

  function zoomTo(f) {
    if (!board || !f.steps?.length) return;
    const a = Math.min(...f.steps.map((s) => s[0]));
    const b = Math.max(...f.steps.map((s) => s[1]));
    const c = board.charts[0];
    let x0 = c ? c.stepToX(a) : a;
    let x1 = c ? c.stepToX(b) : b;
    const pad = Math.max((x1 - x0) * 0.5, 1);
    x0 = Math.max(view.logx ? x0 / 2 : x0 - pad, view.logx ? 1e-9 : Number.NEGATIVE_INFINITY);
    x1 += pad;
    board.zoom([x0, x1]);
  }

  load();

  return {
    keys: {
      ...bar.keys,
      f: () => aside.querySelector(".finding")?.focus(),
      z: () => board?.zoom(null),
    },
    charts: () => board?.debug() ?? [],
    dispose() {
      disposed = true;
      clearTimeout(diagTimer);
      board?.dispose();
    },
  };
}

function factChips(f) {
  if (!f) return [];
  const chips = [];
  const add = (k, v) => {
    if (v === undefined || v === null || v === "") return;
    chips.push(h("span.fact", h("span.k", k), " ", h("span.v", String(v))));
  };
  add("params", f.model?.params ? fmtCount(f.model.params) : null);
  add("arch", f.model?.architecture);
  add("vocab", f.vocab_size ?? f.tokenizer?.vocab_size);
  add("tokens/step", f.tokens_per_step ? fmtCount(f.tokens_per_step) : null);
  add("seq", f.seq_len);
  add("lr", f.lr?.peak !== undefined ? fmtValue(f.lr.peak) : null);
  add("schedule", f.lr?.schedule);
  add("warmup", f.lr?.warmup_steps);
  add("optimizer", f.optimizer?.name);
  add("precision", f.precision);
  add("max steps", f.max_steps);
  add("data", f.data?.path ?? f.data?.description);
  return chips;
}

function evidenceTable(ev) {
  const rows = Object.entries(ev).filter(
    ([k, v]) =>
      k !== "run" &&
      k !== "summary" &&
      (typeof v === "number" || typeof v === "string" || typeof v === "boolean"),
  );
  if (!rows.length) return null;
  return h(
    "details.evidence",
    h("summary", "evidence"),
    h(
      "table",
      rows
        .slice(0, 24)
        .map(([k, v]) => h("tr", h("th", k), h("td", typeof v === "number" ? fmtValue(v) : String(v)))),
    ),
  );
}
