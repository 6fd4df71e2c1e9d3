import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { APP_CSP, send } from "./http.js";

/**
 * The page's files: plain ES modules, CSS and one HTML file from src/server/client (no build step), and uPlot
 * from its npm package. All are read once at start-up into memory (gzipped too), served by exact name only
 * (a fixed table, so no URL ever reaches the file system here), with ETags so a reload costs a 304.
 */

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The package root (holds package.json), from src/server or dist/src/server alike. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "src", "server", "client"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("plateau serve: cannot find the package's src/server/client folder");
}

export class Assets {
  private readonly table = new Map<string, Asset>();

  constructor() {
    const root = packageRoot();
    const client = join(root, "src", "server", "client");
    for (const name of readdirSync(client)) {
      const ext = name.slice(name.lastIndexOf("."));
      if (!TYPES[ext] || !/^[a-z0-9-]+\.[a-z]+$/.test(name)) continue;
      this.add(name === "index.html" ? "/" : `/assets/${name}`, readFileSync(join(client, name)), TYPES[ext]);
    }
    const uplotDir = dirname(createRequire(import.meta.url).resolve("uplot"));
    this.add("/assets/uplot.js", readFileSync(join(uplotDir, "uPlot.esm.js")), TYPES[".js"]);
    this.add("/assets/uplot.css", readFileSync(join(uplotDir, "uPlot.min.css")), TYPES[".css"]);
  }

  has(path: string): boolean {
    return this.table.has(path);
  }

  names(): string[] {
    return [...this.table.keys()];
  }

  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const a = this.table.get(path);
    if (!a) return false;
    const headers: Record<string, string> = { ETag: a.etag, "Cache-Control": "no-cache" };
    if (path === "/") headers["Content-Security-Policy"] = APP_CSP;
    if (req.headers["if-none-match"] === a.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const gz = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    if (gz) {
      headers["Content-Encoding"] = "gzip";
      headers.Vary = "Accept-Encoding";
    }
    send(res, 200, gz ? a.gzip : a.body, a.type, headers);
    return true;
  }

  private add(path: string, body: Buffer, type: string): void {
    const etag = `"${createHash("sha1").update(body).digest("base64url").slice(0, 16)}"`;
    this.table.set(path, { body, gzip: gzipSync(body), type, etag });
  }
}
