import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { HttpError } from "./http.js";

/**
 * Who may talk to the server.
 *
 * On a loopback address (the default, 127.0.0.1) only this machine can connect, but any web page the user opens
 * could still aim requests at it. So: the Host header must name the loopback address and port (a DNS-rebinding
 * page sends its own host name), and every POST must come from this origin (Origin / Sec-Fetch-Site) with a
 * JSON body (a cross-site form cannot send one without a preflight, which is never granted).
 *
 * On any other address (`--host`), every request must carry the random access token printed at start-up: as
 * `?token=` once (answered with a cookie and a redirect that drops it from the URL), then the cookie, or an
 * `Authorization: Bearer` header for scripts.
 */

export function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

export class Guard {
  readonly cookie: string;

  constructor(
    readonly bindHost: string,
    readonly port: number,
    readonly token: string | undefined,
  ) {
    this.cookie = `plateau_token_${port}`;
  }

  /** Throws an HttpError, or returns true when it has answered the request itself (the token redirect). */
  check(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if (this.token === undefined) this.checkHost(req);
    else if (this.checkToken(req, res, url)) return true;
    if (req.method === "POST") this.checkOrigin(req);
    return false;
  }

  private checkHost(req: IncomingMessage): void {
    const host = (req.headers.host ?? "").toLowerCase();
    const ok = [`127.0.0.1:${this.port}`, `localhost:${this.port}`, `[::1]:${this.port}`];
    if (isLoopback(this.bindHost) && this.bindHost.startsWith("127.") && this.bindHost !== "127.0.0.1")
      ok.push(`${this.bindHost}:${this.port}`);
    if (!ok.includes(host))
      throw new HttpError(403, "unexpected Host header (this server answers only on its loopback address)");
  }

  private checkOrigin(req: IncomingMessage): void {
    const site = req.headers["sec-fetch-site"];
    if (typeof site === "string" && site !== "same-origin" && site !== "none")
      throw new HttpError(403, "cross-site request refused");
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`)
      throw new HttpError(403, "cross-origin request refused");
  }

  private checkToken(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const given = url.searchParams.get("token");
    if (given !== null && this.matches(given)) {
      if (req.method === "GET") {
        url.searchParams.delete("token");
        res.writeHead(303, {
          Location: `${url.pathname}${url.search}`,
          "Set-Cookie": `${this.cookie}=${this.token}; HttpOnly; SameSite=Strict; Path=/`,
          "Cache-Control": "no-store",
        });
        res.end();
        return true;
      }
      return false;
    }
    const auth = req.headers.authorization;
    if (typeof auth === "string" && auth.startsWith("Bearer ") && this.matches(auth.slice(7))) return false;
    const cookies = String(req.headers.cookie ?? "").split(";");
    for (const c of cookies) {
      const eq = c.indexOf("=");
      if (eq > 0 && c.slice(0, eq).trim() === this.cookie && this.matches(c.slice(eq + 1).trim()))
        return false;
    }
    throw new HttpError(401, "access token required (open the URL plateau serve printed)");
  }

  private matches(given: string): boolean {
    if (this.token === undefined) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
