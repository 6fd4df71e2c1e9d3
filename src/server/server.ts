import { closeSync, constants, createReadStream, fstatSync, openSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { UserError } from "../util/errors.js";
import { type ApiContext, GET_ROUTES, POST_ROUTES } from "./api.js";
import { Assets, packageRoot } from "./assets.js";
import { DiagnosisCache } from "./diagnoses.js";
import { Guard, isLoopback, newToken } from "./guard.js";
import { FILE_CSP, HttpError, LIMITS, send, sendError } from "./http.js";
import { JobManager } from "./jobs.js";
import { LiveHub, type LiveOptions } from "./live.js";
import { resolveServable } from "./safe-path.js";
import { RunStore } from "./store.js";

/**
 * `plateau serve`: a node:http server (no framework) for the dashboard. Routes: `/` and `/assets/*` (the page),
 * `/api/*` (JSON and the live stream, api.ts), `/files/*` (reports and other files under the runs root,
 * safe-path.ts). Every request passes the guard (guard.ts) and the size limits (http.ts) first.
 */

export interface ServeOptions {
  /** The runs root. */
  root: string;
  /** Address to bind (default 127.0.0.1). Anything but loopback turns on the access token. */
  host?: string;
  /** Port (0 = any free one). */
  port?: number;
  /** Log files and folders to show beside the runs (`--logs`). */
  logs?: string[];
  /** argv that runs the plateau CLI for jobs (default: this package's bin/plateau.js under this node). */
  cli?: string[];
  /** Commands the page may start (the protocols this build has). */
  protocols?: string[];
  /** The plateau commands this build has (for the diagnosis's next steps). */
  commands?: string[];
  version?: string;
  /** A fixed token (tests); default random when the host is not loopback. */
  token?: string;
  live?: LiveOptions;
  /** One line per unexpected server error (default stderr). */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  /** The URL with the token, to print (same as url on loopback). */
  openUrl: string;
  host: string;
  port: number;
  token: string | undefined;
  store: RunStore;
  jobs: JobManager;
  live: LiveHub;
  server: Server;
  /** Stop accepting, end live streams, stop jobs (SIGINT, they checkpoint), close. */
  close(): Promise<void>;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const token = isLoopback(host) ? undefined : (opts.token ?? newToken());
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const store = new RunStore(opts.root, { logs: opts.logs });
  const assets = new Assets();
  const cli = opts.cli ?? [process.execPath, join(packageRoot(), "bin", "plateau.js")];
  const jobs = new JobManager(opts.root, cli, opts.protocols ?? []);
  const live = new LiveHub(store, jobs, opts.live);
  const diagnoses = new DiagnosisCache(opts.commands ?? [], opts.version);
  const ctx: ApiContext = {
    root: opts.root,
    version: opts.version ?? "0",
    store,
    diagnoses,
    jobs,
    live,
  };
  let guard: Guard | undefined;

  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    res.on("error", () => {}); // a client gone mid-response is not the server's problem
    handle(req, res).catch((err) => {
      if (err instanceof HttpError) sendError(res, err);
      else {
        log(`plateau serve: ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
        sendError(res, new HttpError(500, "internal error (see the server's output)"));
      }
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxConnections = 256;
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    const status =
      err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? "/";
    if (raw.length > LIMITS.urlBytes) throw new HttpError(414, "request URL too long");
    if (!raw.startsWith("/")) throw new HttpError(400, "bad request target");
    const url = new URL(raw, "http://plateau.invalid");
    if (!guard) throw new HttpError(503, "starting");
    if (guard.check(req, res, url)) return;
    const method = req.method ?? "GET";
    const path = url.pathname;
    if (method === "GET" || method === "HEAD") {
      if (assets.serve(req, res, path)) return;
      const h = GET_ROUTES[path];
      if (h) return h(ctx, req, res, url);
      if (raw.startsWith("/files/")) return serveFile(req, res, raw.slice("/files/".length).split("?")[0]);
      if (POST_ROUTES[path]) throw new HttpError(405, "use POST", { Allow: "POST" });
      throw new HttpError(404, "not found");
    }
    if (method === "POST") {
      const h = POST_ROUTES[path];
      if (h) return h(ctx, req, res, url);
      throw new HttpError(GET_ROUTES[path] ? 405 : 404, GET_ROUTES[path] ? "use GET" : "not found");
    }
    throw new HttpError(405, "method not allowed", { Allow: "GET, HEAD, POST" });
  }

  /** A file under the runs root (the raw, still-encoded path after /files/), sandboxed by its CSP. */
  function serveFile(req: IncomingMessage, res: ServerResponse, rawPath: string): void {
    const f = resolveServable(opts.root, rawPath);
    let fd: number;
    try {
      fd = openSync(f.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      throw new HttpError(404, "no such file");
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      throw new HttpError(404, "no such file");
    }
    const headers = {
      "Content-Type": f.type,
      "Content-Length": String(st.size),
      "Content-Security-Policy": FILE_CSP,
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-cache",
    };
    if (req.method === "HEAD") {
      closeSync(fd);
      send(res, 200, "", f.type, headers);
      return;
    }
    res.writeHead(200, headers);
    const stream = createReadStream("", { fd, autoClose: true });
    stream.on("error", () => res.destroy());
    res.on("close", () => stream.destroy());
    stream.pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE")
        reject(new UserError(`port ${opts.port} is in use (--port 0 picks a free one)`, { field: "--port" }));
      else if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND")
        reject(new UserError(`cannot bind address ${host}`, { field: "--host" }));
      else if (err.code === "EACCES")
        reject(new UserError(`no permission to bind ${host}:${opts.port}`, { field: "--port" }));
      else reject(err);
    };
    server.once("error", onError);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  guard = new Guard(host, port, token);
  const shown = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shown}:${port}/`;
  let closing: Promise<void> | undefined;
  return {
    url,
    openUrl: token ? `${url}?token=${token}` : url,
    host,
    port,
    token,
    store,
    jobs,
    live,
    server,
    close() {
      closing ??= (async () => {
        live.close();
        await Promise.all([jobs.shutdown(), diagnoses.close(), store.close()]);
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
