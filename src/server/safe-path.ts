import { realpathSync } from "node:fs";
import { extname, join, sep } from "node:path";
import { HttpError } from "./http.js";

/**
 * The one gate between a URL and the file system: a path under the runs root, or an error. Nothing outside
 * the root is ever reachable, whatever the URL says:
 *  - the raw path is split on "/" before decoding, so an encoded slash (%2F) stays inside its segment and is
 *    then refused; each segment is decoded exactly once (a double-encoded "..", %252e%252e, is the literal
 *    name "%2e%2e", not a parent);
 *  - empty, ".", ".." and hidden (leading ".") segments, backslashes and NUL are refused;
 *  - the file's real path (symlinks resolved) must still lie under the root's real path, so a symlink inside
 *    the root that points outside it is refused too.
 */

/** What may be served from the runs root, and as what. */
const SERVABLE_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".jsonl": "text/plain; charset=utf-8",
  ".csv": "text/plain; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** The decoded segments of a raw (still percent-encoded) relative URL path, or a 400/403. */
function urlSegments(rawPath: string): string[] {
  if (rawPath.length === 0) throw new HttpError(404, "no such file");
  const out: string[] = [];
  for (const raw of rawPath.split("/")) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, "malformed percent-encoding in path");
    }
    if (seg === "" || seg === "." || seg === "..")
      throw new HttpError(403, "path segments may not be empty, `.` or `..`");
    if (seg.startsWith(".")) throw new HttpError(403, "hidden files are not served");
    if (/[/\\\0]/.test(seg)) throw new HttpError(403, "path segments may not contain `/`, `\\` or NUL");
    out.push(seg);
  }
  return out;
}

/** The real path of the runs root (created or not: a missing root has nothing to serve). */
export function realRoot(root: string): string | undefined {
  try {
    return realpathSync(root);
  } catch {
    return undefined;
  }
}

/** True if `real` (a resolved path) lies strictly under `rootReal`. */
export function isUnder(rootReal: string, real: string): boolean {
  const prefix = rootReal.endsWith(sep) ? rootReal : rootReal + sep;
  return real.startsWith(prefix);
}

/**
 * Resolve a raw URL path (relative to the runs root) to the real path of a servable file under the root, with
 * its content type. Throws 403 for anything that would leave the root, 404 for what does not exist.
 */
export function resolveServable(root: string, rawPath: string): { path: string; type: string } {
  const segments = urlSegments(rawPath);
  const type = SERVABLE_TYPES[extname(segments[segments.length - 1]).toLowerCase()];
  if (!type) throw new HttpError(403, "this kind of file is not served");
  const rootReal = realRoot(root);
  if (!rootReal) throw new HttpError(404, "no such file");
  const joined = join(rootReal, ...segments);
  if (!isUnder(rootReal, joined)) throw new HttpError(403, "outside the runs root");
  let real: string;
  try {
    real = realpathSync(joined);
  } catch {
    throw new HttpError(404, "no such file");
  }
  if (!isUnder(rootReal, real)) throw new HttpError(403, "outside the runs root (a symlink leads out)");
  return { path: real, type };
}

/** The URL path under /files/ of a file under the root (each segment encoded). */
export function fileUrl(rootReal: string, real: string): string | undefined {
  if (!isUnder(rootReal, real)) return undefined;
  const rel = real.slice(rootReal.length + (rootReal.endsWith(sep) ? 0 : 1));
  return `/files/${rel.split(sep).map(encodeURIComponent).join("/")}`;
}
