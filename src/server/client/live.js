// The tab's single EventSource. Views say what they show (runs, the offsets their snapshots were taken at,
// chart options); the browser resumes a dropped connection by itself, sending the last event id (the byte
// offsets it has seen) as Last-Event-ID, so no point is lost or repeated.

import { query } from "./api.js";

const handlers = new Map();
let source = null;
let currentUrl = "";
let stateListener = () => {};

export function on(event, fn) {
  handlers.set(event, fn);
}

export function onState(fn) {
  stateListener = fn;
}

function dispatch(event, e) {
  const fn = handlers.get(event);
  if (!fn) return;
  let data = null;
  try {
    data = JSON.parse(e.data);
  } catch {
    return;
  }
  fn(data);
}

/** (Re)connect for a new subscription; the previous stream closes first, so there is only ever one. */
export function subscribe(params) {
  const url = `/api/live?${query(params)}`;
  if (source && url === currentUrl && source.readyState !== EventSource.CLOSED) return;
  close();
  currentUrl = url;
  source = new EventSource(url);
  for (const ev of ["points", "status", "reset", "runs", "jobs"])
    source.addEventListener(ev, (e) => dispatch(ev, e));
  source.onopen = () => stateListener("live");
  source.onerror = () =>
    stateListener(source && source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
}

export function close() {
  if (source) source.close();
  source = null;
  currentUrl = "";
}

/** For tests and the status line: how many EventSources this tab holds (always 0 or 1). */
export function count() {
  return source ? 1 : 0;
}
