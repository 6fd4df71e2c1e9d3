// Chart settings shared by every view (kept in localStorage), and the toolbar that edits them.

import { h } from "./dom.js";

const KEY = "plateau.view";
const DEFAULTS = { smooth: "density", weight: 0.6, x: "step", logx: false, logy: false };

export const SMOOTHING_LABELS = {
  density: "Density-aware EMA",
  tb: "TensorBoard EMA",
  none: "No smoothing",
};

export function loadView() {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return {
      smooth: ["density", "tb", "none"].includes(v.smooth) ? v.smooth : DEFAULTS.smooth,
      weight: Number.isFinite(v.weight) ? Math.min(0.999, Math.max(0, v.weight)) : DEFAULTS.weight,
      x: ["step", "tokens", "time"].includes(v.x) ? v.x : DEFAULTS.x,
      logx: Boolean(v.logx),
      logy: Boolean(v.logy),
    };
  } catch {
    return { ...DEFAULTS };
  }
}

export function saveView(v) {
  try {
    localStorage.setItem(KEY, JSON.stringify(v));
  } catch {
    // private mode: settings last for this page only
  }
}

/**
 * The toolbar: smoothing kind and weight, x axis, log x, log y. `onChange(view, what)` gets the new settings;
 * `what` is "weight" while the slider moves (the caller may debounce).
 */
export function toolbar(view, onChange, opts = {}) {
  const set = (patch, what) => {
    Object.assign(view, patch);
    saveView(view);
    sync();
    onChange(view, what);
  };
  const smooth = h(
    "select#smooth",
    {
      title: "Smoothing (s)",
      "aria-label": "Smoothing",
      onchange: () => set({ smooth: smooth.value }, "smooth"),
    },
    Object.entries(SMOOTHING_LABELS).map(([k, label]) => h("option", { value: k }, label)),
  );
  const weight = h("input#weight", {
    type: "range",
    min: "0",
    max: "0.99",
    step: "0.01",
    title: "Smoothing weight ([ and ])",
    "aria-label": "Smoothing weight",
    oninput: () => set({ weight: Number(weight.value) }, "weight"),
  });
  const weightOut = h("output.weight-out");
  const x = h(
    "select#xaxis",
    { title: "X axis", "aria-label": "X axis", onchange: () => set({ x: x.value }, "x") },
    h("option", { value: "step" }, "Step"),
    h("option", { value: "tokens", disabled: opts.tokens === false }, "Tokens"),
    h("option", { value: "time", disabled: opts.time === false }, "Relative time"),
  );
  const logx = h("input#logx", { type: "checkbox", onchange: () => set({ logx: logx.checked }, "logx") });
  const logy = h("input#logy", { type: "checkbox", onchange: () => set({ logy: logy.checked }, "logy") });
  const sync = () => {
    smooth.value = view.smooth;
    weight.value = String(view.weight);
    weight.disabled = view.smooth === "none";
    weightOut.textContent = view.smooth === "none" ? "" : view.weight.toFixed(2);
    x.value = view.x;
    logx.checked = view.logx;
    logy.checked = view.logy;
  };
  sync();
  const bar = h(
    "div.toolbar",
    { role: "toolbar", "aria-label": "Chart settings" },
    h("label.ctl", "Smoothing ", smooth),
    h("label.ctl", weight, weightOut),
    h("label.ctl", "x ", x),
    h("label.ctl.check", logx, " log x"),
    h("label.ctl.check", logy, " log y"),
  );
  bar.keys = {
    s: () => {
      const order = ["density", "tb", "none"];
      set({ smooth: order[(order.indexOf(view.smooth) + 1) % order.length] }, "smooth");
    },
    l: () => set({ logx: !view.logx }, "logx"),
    y: () => set({ logy: !view.logy }, "logy"),
    "[": () => set({ weight: Math.max(0, Math.round((view.weight - 0.05) * 100) / 100) }, "weight-key"),
    "]": () => set({ weight: Math.min(0.99, Math.round((view.weight + 0.05) * 100) / 100) }, "weight-key"),
  };
  return bar;
}
