// The run list: plateau's runs and imported logs, with status, headline finding and reports; selection for
// comparison; the protocols started from the page.

import { get } from "./api.js";
import { clear, fmtWhen, h, severityDot, statusBadge } from "./dom.js";
import { jobsPanel } from "./jobs.js";
import { compareHref, reportHref, runHref } from "./links.js";
import * as live from "./live.js";

export function listView(root, app) {
  const selected = new Set(app.selection ?? []);
  let data = null;
  let filter = "";
  let disposed = false;
  const queue = [];
  let diagnosing = false;

  const filterInput = h("input#filter", {
    type: "search",
    placeholder: "Filter runs (/)",
    "aria-label": "Filter runs",
    oninput: () => {
      filter = filterInput.value.toLowerCase();
      render();
    },
  });
  const compareBtn = h("button#compare.primary", { onclick: () => compare(), disabled: true }, "Compare");
  const body = h("tbody");
  const table = h(
    "table.runs",
    h(
      "thead",
      h(
        "tr",
        h("th.sel", h("span.sr", "Select")),
        h("th", "Run"),
        h("th", "Status"),
        h("th", "Kind"),
        h("th", "Headline finding"),
        h("th", "Updated"),
        h("th", "Report"),
      ),
    ),
    body,
  );
  const problems = h("details.problems");
  const empty = h("p.empty");
  const jobs = jobsPanel(app);
  root.append(
    h(
      "section.list-head",
      h("h1", "Runs"),
      h("span.root-path", { title: "runs root" }, ""),
      h("span.spacer"),
      filterInput,
      compareBtn,
    ),
    jobs.el,
    table,
    empty,
    problems,
  );

  function compare() {
    if (selected.size >= 1) app.go(compareHref([...selected]));
  }

  async function load() {
    try {
      data = await get("/api/runs");
    } catch (err) {
      app.error(err.message);
      return;
    }
    if (disposed) return;
    root.querySelector(".root-path").textContent = data.root;
    render();
    for (const r of flat(data.runs)) if (!r.diagnosed && !queue.includes(r.id)) queue.push(r.id);
    diagnoseNext();
  }

  async function diagnoseNext() {
    if (diagnosing || disposed) return;
    const id = queue.shift();
    if (!id) return;
    diagnosing = true;
    try {
      const d = await get("/api/diagnosis", { run: id });
      const r = flat(data.runs).find((x) => x.id === id);
      if (r) {
        r.headline = d.headline;
        r.diagnosed = true;
        const cell = body.querySelector(`tr[data-id="${CSS.escape(id)}"] .headline`);
        if (cell) cell.replaceChildren(...headlineCell(r));
      }
    } catch {
      // a run that cannot be diagnosed simply shows no headline
    } finally {
      diagnosing = false;
      diagnoseNext();
    }
  }

  function flat(runs) {
    return runs.flatMap((r) => [r, ...flat(r.children ?? [])]);
  }

  function headlineCell(r) {
    if (!r.diagnosed) return [h("span.muted", "…")];
    if (!r.headline) return [h("span.muted", "no findings")];
    return [
      severityDot(r.headline.severity),
      h("b", r.headline.rule),
      " ",
      h("span.summary", r.headline.summary),
    ];
  }

  function row(r, depth) {
    const check = h("input", {
      type: "checkbox",
      checked: selected.has(r.id),
      "aria-label": `select ${r.name} for comparison`,
      onchange: () => {
        if (check.checked) selected.add(r.id);
        else selected.delete(r.id);
        app.selection = [...selected];
        updateCompare();
      },
    });
    const link = h("a.run-link", { href: runHref(r.id) }, r.name || r.id);
    return h(
      "tr",
      {
        dataset: { id: r.id },
        tabIndex: 0,
        class: depth ? "child" : "",
        onkeydown: (e) => {
          if (e.key === "Enter" && e.target === e.currentTarget) app.go(runHref(r.id));
        },
      },
      h("td.sel", check),
      h(
        "td.name",
        { style: { paddingLeft: `${0.6 + depth * 1.4}rem` } },
        link,
        h("div.run-id", r.id),
        r.tags?.length
          ? h(
              "div.tags",
              r.tags.map((t) => h("span.tag", t)),
            )
          : null,
      ),
      h("td", statusBadge(r.status)),
      h("td.kind", r.protocol ?? (r.kind === "import" ? (r.format ?? "import") : "run")),
      h("td.headline", ...headlineCell(r)),
      h("td.when", { title: r.updated }, fmtWhen(r.updated)),
      h(
        "td.reports",
        r.reports.map((rep) => h("a", { href: reportHref(r.id, rep.name) }, rep.name)),
      ),
    );
  }

  function render() {
    if (!data) return;
    const rows = [];
    const match = (r) =>
      !filter ||
      [r.name, r.id, r.protocol, r.format, ...(r.tags ?? [])].some((s) =>
        (s ?? "").toLowerCase().includes(filter),
      );
    const walk = (runs, depth) => {
      for (const r of runs) {
        const kids = r.children ?? [];
        if (match(r) || flat(kids).some(match)) {
          rows.push(row(r, depth));
          walk(kids, depth + 1);
        }
      }
    };
    walk(data.runs, 0);
    body.replaceChildren(...rows);
    empty.textContent =
      data.runs.length === 0
        ? `No runs yet in ${data.root}. Start one below, run \`plateau train …\` in a terminal, or drop a folder of logs into the runs root.`
        : rows.length === 0
          ? "No run matches the filter."
          : "";
    clear(problems);
    problems.hidden = data.problems.length === 0;
    if (data.problems.length) {
      problems.append(
        h("summary", `${data.problems.length} item(s) in the runs root could not be read`),
        h(
          "ul",
          data.problems.map((p) => h("li", p)),
        ),
      );
    }
    updateCompare();
  }

  function updateCompare() {
    compareBtn.disabled = selected.size < 1;
    compareBtn.textContent = selected.size ? `Compare (${selected.size})` : "Compare";
  }

  live.on("runs", () => load());
  live.on("jobs", (list) => jobs.update(list));
  live.on("points", () => {});
  live.subscribe({});
  load();

  return {
    keys: {
      "/": () => filterInput.focus(),
      c: () => compare(),
      j: () => moveFocus(1),
      k: () => moveFocus(-1),
      x: () => {
        const tr = document.activeElement?.closest?.("tr[data-id]");
        tr?.querySelector("input[type=checkbox]")?.click();
      },
    },
    dispose() {
      disposed = true;
    },
  };

  function moveFocus(d) {
    const rows = [...body.querySelectorAll("tr[data-id]")];
    if (!rows.length) return;
    const i = rows.indexOf(document.activeElement);
    rows[Math.max(0, Math.min(rows.length - 1, i < 0 ? 0 : i + d))].focus();
  }
}
