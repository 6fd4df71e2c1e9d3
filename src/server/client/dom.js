// DOM building without innerHTML: every string from a run or a log (names, tags, findings, job output) is
// untrusted, so text only ever enters the page through textContent / attribute setters, never as markup.

/**
 * h("div.card#id", {title: "x", onclick: fn, dataset: {k: "v"}}, child, "text", [more children])
 * Children: nodes, strings (as text), numbers, arrays, null/undefined/false (skipped).
 */
export function h(spec, attrs, ...children) {
  const m = /^([a-z0-9-]+)?((?:[.#][\w-]+)*)$/i.exec(spec);
  if (!m) throw new Error(`bad element spec ${spec}`);
  const el = document.createElement(m[1] || "div");
  for (const part of m[2].match(/[.#][\w-]+/g) ?? []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (k === "class") el.className = v;
    else if (k in el && typeof el[k] !== "function" && !k.includes("-")) el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replace an element's children (same rules as h: arrays flattened, null skipped, strings as text). */
export function fill(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** Axis tick labels: short, and in one notation per axis (0.001, 8e-4 …). */
export function fmtTick(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(2).replace(/\.?0+e/, "e");
  return Number(v.toPrecision(4)).toString();
}

/** Numbers for people: 3 significant digits for values, compact counts for steps and tokens. */
export function fmtValue(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

export function fmtCount(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e12) return `${trim(v / 1e12)}T`;
  if (a >= 1e9) return `${trim(v / 1e9)}B`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}k`;
  return Number.isInteger(v) ? String(v) : trim(v);
}

function trim(v) {
  return Number(v.toPrecision(3)).toString();
}

export function fmtDuration(sec) {
  if (!Number.isFinite(sec)) return "–";
  const s = Math.abs(sec);
  if (s < 60) return `${trim(sec)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}`;
  return `${trim(s / 86400)}d`;
}

export function fmtWhen(iso) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "";
  const d = (Date.now() - t) / 1000;
  if (d < 60) return "just now";
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return new Date(t).toISOString().slice(0, 10);
}

/** A status badge: running (pulsing), completed, failed, interrupted, imported. */
export function statusBadge(status) {
  return h(
    `span.badge.status-${/^[a-z]+$/.test(status) ? status : "unknown"}`,
    { title: `status: ${status}` },
    status,
  );
}

export function severityDot(sev) {
  const s = ["critical", "warning", "info"].includes(sev) ? sev : "info";
  return h(`span.sev.sev-${s}`, { title: s, "aria-label": s });
}
