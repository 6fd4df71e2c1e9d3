import type { IncomingMessage, ServerResponse } from "node:http";
import { encodeNumber } from "../util/finite-json.js";

/**
 * Small HTTP helpers over node:http (no framework): typed errors that become status codes, JSON and text
 * responses with the headers every response carries, and a body reader with a hard size bound.
 */

/** An error that is the client's to see: status code and a one-line message (never a stack trace). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Upper bounds on what a client may send; anything larger is refused before it is read. */
export const LIMITS = {
  /** Request line target (path and query). */
  urlBytes: 4096,
  /** A POST body (JSON commands: start a job, stop one). */
  bodyBytes: 16 * 1024,
  /** Concurrent Server-Sent Event streams (one per browser tab). */
  streams: 64,
  /** Runs in one series request or live stream (a comparison). */
  runsPerRequest: 16,
  /** Series names in one request. */
  seriesPerRequest: 32,
  /** Chart width in device pixels (M4 buckets). */
  maxWidth: 8192,
  minWidth: 16,
} as const;

/**
 * Content-Security-Policy of the app: everything from this server, nothing inline, no eval. uPlot styles its
 * elements through the CSSOM (element.style), which style-src does not govern.
 */
export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/**
 * Files from the runs root (reports) run in a sandbox: their scripts may draw charts, but the document has an
 * opaque origin, so a report built from hostile logs cannot call this server's API with the user's cookie.
 */
export const FILE_CSP = "sandbox allow-scripts allow-popups; frame-ancestors 'self'";

const BASE_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) {
    if (!res.writableEnded && !res.destroyed) res.end();
    return;
  }
  const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.writeHead(status, {
    ...BASE_HEADERS,
    "Content-Type": contentType,
    "Content-Length": String(buf.length),
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : buf);
}

/** JSON response. `body` may be a pre-serialised string (the chart payloads build their own). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = typeof body === "string" ? body : JSON.stringify(body, finiteReplacer);
  send(res, status, text, "application/json; charset=utf-8", { "Cache-Control": "no-store", ...headers });
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: { status: err.status, message: err.message } }, err.headers);
}

/** JSON has no NaN or infinities: they travel as the strings plateau's files use ("NaN", "Infinity"). */
function finiteReplacer(_k: string, v: unknown): unknown {
  return typeof v === "number" ? encodeNumber(v) : v;
}

/** Read a JSON body of at most `limit` bytes; refuses other content types (which also forces a CORS preflight). */
export async function readJsonBody(req: IncomingMessage, limit: number = LIMITS.bodyBytes): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") throw new HttpError(415, "expected Content-Type: application/json");
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit)
    throw new HttpError(413, `request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}

/** A query parameter as an integer within [lo, hi], or the default. */
export function intParam(q: URLSearchParams, name: string, def: number, lo: number, hi: number): number {
  // rounding after the clamp is the same as before it: the bounds are integers
  return Math.round(numParam(q, name, def, lo, hi));
}

/** A query parameter as a number within [lo, hi], or the default. */
export function numParam(q: URLSearchParams, name: string, def: number, lo: number, hi: number): number {
  const raw = q.get(name);
  if (raw === null || raw === "") return def;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new HttpError(400, `query parameter \`${name}\` must be a number`);
  return Math.max(lo, Math.min(hi, v));
}

export function enumParam<T extends string>(
  q: URLSearchParams,
  name: string,
  allowed: readonly T[],
  def: T,
): T {
  const raw = q.get(name);
  if (raw === null || raw === "") return def;
  if (!(allowed as readonly string[]).includes(raw))
    throw new HttpError(400, `query parameter \`${name}\` must be one of ${allowed.join(", ")}`);
  return raw as T;
}
