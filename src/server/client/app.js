// The page: a header, one view at a time (run list, run page, comparison) chosen by the URL hash, keyboard
// shortcuts, light/dark theme, and the tab's one live connection.

import { loadView } from "./controls.js";
import { parseRoute } from "./links.js";
import * as live from "./live.js";
import { compareView } from "./view-compare.js";
import { listView } from "./view-list.js";
import { runView } from "./view-run.js";

const main = document.getElementById("main");
const liveDot = document.getElementById("live-state");
const toast = document.getElementById("toast");
let current = null;
let currentKey = "";

const app = {
  view: loadView(),
  selection: [],
  go(hash) {
    location.hash = hash;
  },
  error(message) {
    toast.textContent = message;
    toast.hidden = false;
    clearTimeout(app.toastTimer);
    app.toastTimer = setTimeout(() => {
      toast.hidden = true;
    }, 6000);
  },
};

function route() {
  const r = parseRoute(location.hash);
  const key = `${r.view}\u0000${r.ids.join("\u0000")}\u0000${r.report ?? ""}`;
  if (key === currentKey) return;
  currentKey = key;
  current?.dispose?.();
  main.replaceChildren();
  main.dataset.view = r.view;
  window.scrollTo(0, 0);
  if (r.view === "run") current = runView(main, app, r.ids[0], r.report);
  else if (r.view === "compare") current = compareView(main, app, r.ids);
  else current = listView(main, app);
  document.title = r.view === "list" ? "plateau · runs" : `plateau · ${r.ids.join(" vs ")}`;
}

// Theme: follows the system unless the user picked one (t).
function applyTheme(t) {
  if (t) document.documentElement.dataset.theme = t;
  else delete document.documentElement.dataset.theme;
}
function toggleTheme() {
  const dark =
    document.documentElement.dataset.theme === "dark" ||
    (!document.documentElement.dataset.theme && matchMedia("(prefers-color-scheme: dark)").matches);
  const next = dark ? "light" : "dark";
  try {
    localStorage.setItem("plateau.theme", next);
  } catch {}
  applyTheme(next);
  // charts read their colours from CSS variables when built
  currentKey = "";
  route();
}
try {
  applyTheme(localStorage.getItem("plateau.theme"));
} catch {}
document.getElementById("theme").addEventListener("click", toggleTheme);

live.onState((s) => {
  liveDot.dataset.state = s;
  liveDot.title =
    s === "live" ? "live updates on" : s === "reconnecting" ? "reconnecting…" : "live updates off";
});

const help = document.getElementById("help");
const GLOBAL_KEYS = {
  g: () => app.go("#/"),
  t: () => toggleTheme(),
  "?": () => {
    help.hidden = !help.hidden;
  },
  Escape: () => {
    help.hidden = true;
    toast.hidden = true;
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  },
};

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  const typing =
    t instanceof HTMLInputElement && !["checkbox", "range", "radio"].includes(t.type)
      ? true
      : t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
  if (typing && e.key !== "Escape") return;
  const fn = current?.keys?.[e.key] ?? GLOBAL_KEYS[e.key];
  if (fn) {
    e.preventDefault();
    fn();
  }
});

document.getElementById("help-close").addEventListener("click", () => {
  help.hidden = true;
});
document.getElementById("help-open").addEventListener("click", () => {
  help.hidden = !help.hidden;
});

window.addEventListener("hashchange", route);
// for tests and the console: the tab's EventSource count (always 0 or 1) and what the charts hold
window.plateau = { liveConnections: () => live.count(), charts: () => current?.charts?.() ?? [], app };
route();
