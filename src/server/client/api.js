// The server's JSON API. Numbers that JSON cannot carry arrive as the strings "NaN" / "Infinity".

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function request(path, init) {
  let res;
  try {
    res = await fetch(path, { credentials: "same-origin", ...init });
  } catch (err) {
    throw new ApiError(0, `the server is not reachable (${err.message})`);
  }
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, `bad response from the server (${res.status})`);
  }
  if (!res.ok) throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

/** A query string: arrays repeat their key (run=a&run=b), null and undefined are left out. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, String(x));
    else q.append(k, String(v));
  }
  return q.toString();
}

export function get(path, params) {
  const s = query(params);
  return request(s ? `${path}?${s}` : path);
}

export function post(path, body) {
  return request(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** The chart-option query parameters shared by /api/series and /api/live. */
export function chartParams(view) {
  return {
    smooth: view.smooth,
    weight: view.weight,
    x: view.x,
    logx: view.logx ? 1 : 0,
  };
}
