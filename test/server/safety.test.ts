import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server/index.js";
import { getJson, raw, serve, tmpRoot, writeRun } from "./helpers.js";

/**
 * Nothing outside the runs root is ever served: `..` in every spelling, absolute paths, symlinks that lead
 * out, run ids that are paths. Requests are bounded; the Host, Origin and token checks hold.
 */

const SECRET = "TOP-SECRET-CONTENT";

describe("paths outside the runs root", () => {
  let server: RunningServer;
  let root: string;
  let outside: string;
  let port: number;

  beforeAll(async () => {
    const base = tmpRoot();
    root = join(base, "runs");
    outside = join(base, "outside");
    mkdirSync(root, { recursive: true });
    mkdirSync(join(outside, "evil-run"), { recursive: true });
    writeFileSync(join(outside, "secret.html"), SECRET);
    writeFileSync(join(outside, "secret.txt"), SECRET);
    writeRun(root, "good");
    writeFileSync(join(root, "good", "report.html"), "<p>the report</p>");
    writeFileSync(join(root, "good", ".hidden.html"), SECRET);
    // a symlinked file and a symlinked run directory, both leading out of the root
    symlinkSync(join(outside, "secret.html"), join(root, "good", "link.html"));
    writeRun(outside, "evil-run", { id: "evil" });
    writeFileSync(join(outside, "evil-run", "report.html"), SECRET);
    symlinkSync(join(outside, "evil-run"), join(root, "evil-link"));
    server = await serve(root);
    port = server.port;
  });
  afterAll(() => server.close());

  it("serves a report that is inside the root", async () => {
    const r = await raw(port, "/files/good/report.html");
    expect(r.status).toBe(200);
    expect(r.body).toBe("<p>the report</p>");
    expect(r.headers["content-security-policy"]).toContain("sandbox");
  });

  const attacks = [
    "/files/../outside/secret.html",
    "/files/good/../../outside/secret.html",
    "/files/%2e%2e/outside/secret.html",
    "/files/%2E%2E/%2E%2E/outside/secret.txt",
    "/files/good/%2e%2e%2f%2e%2e%2foutside%2fsecret.html",
    "/files/..%2Foutside%2Fsecret.html",
    "/files/..%5Coutside%5Csecret.html",
    "/files/%2Ftmp%2Fsecret.html",
    "/files//etc/passwd",
    "/files/good/.hidden.html",
    "/files/good/report.html%00.txt",
    "/files/good/link.html",
    "/files/evil-link/report.html",
    "/files/good/run.json/../../outside/secret.html",
  ];
  for (const target of attacks) {
    it(`refuses ${target}`, async () => {
      const r = await raw(port, target);
      expect([400, 403, 404]).toContain(r.status);
      expect(r.body).not.toContain(SECRET);
    });
  }

  it("a double-encoded `..` is a literal name, not a parent", async () => {
    const r = await raw(port, "/files/%252e%252e/outside/secret.html");
    expect(r.status).toBe(404);
  });

  it("an absolute path in the URL is refused", async () => {
    const r = await raw(port, `/files/${encodeURIComponent(join(outside, "secret.html"))}`);
    expect(r.status).toBe(403);
    expect(r.body).not.toContain(SECRET);
  });

  it("files of a kind that is not served are refused", async () => {
    mkdirSync(join(root, "good", "checkpoints", "step-1"), { recursive: true });
    writeFileSync(join(root, "good", "checkpoints", "step-1", "model.safetensors"), "x");
    expect((await raw(port, "/files/good/checkpoints/step-1/model.safetensors")).status).toBe(403);
  });

  it("a run directory that is a symlink out of the root is not listed, and its id is unknown", async () => {
    const list = await getJson<{ runs: { id: string }[]; problems: string[] }>(port, "/api/runs");
    expect(list.runs.map((r) => r.id)).toEqual(["good"]);
    expect(list.problems.join("\n")).toContain("leads outside the runs root");
    expect((await raw(port, "/api/run?run=evil")).status).toBe(404);
  });

  it("run ids are ids, never paths", async () => {
    for (const id of [
      join(outside, "evil-run"),
      "../outside/evil-run",
      "good/../../outside/evil-run",
      "/etc",
    ]) {
      const r = await raw(port, `/api/run?run=${encodeURIComponent(id)}`);
      expect(r.status).toBe(404);
      expect((await raw(port, `/api/series?run=${encodeURIComponent(id)}&name=train/loss`)).status).toBe(404);
    }
  });
});

describe("request bounds and origin checks", () => {
  let server: RunningServer;
  let port: number;

  beforeAll(async () => {
    const root = tmpRoot();
    writeRun(root, "r1");
    server = await serve(root, { protocols: ["train"] });
    port = server.port;
  });
  afterAll(() => server.close());

  it("refuses a URL over 4 KiB", async () => {
    expect((await raw(port, `/api/runs?x=${"a".repeat(5000)}`)).status).toBe(414);
  });

  it("refuses a body over 16 KiB, before reading it all", async () => {
    const r = await raw(port, "/api/jobs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ command: "train", args: ["x".repeat(20_000)] }),
    });
    expect(r.status).toBe(413);
  });

  it("refuses POSTs that are not JSON, or come from another origin or site", async () => {
    const stop = (headers: Record<string, string>) =>
      raw(port, "/api/jobs/stop", { method: "POST", headers, body: JSON.stringify({ id: "job-1" }) });
    const json = { "Content-Type": "application/json" };
    expect((await stop({ "Content-Type": "text/plain" })).status).toBe(415);
    expect((await stop({ ...json, Origin: "http://evil.example" })).status).toBe(403);
    expect((await stop({ ...json, "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    // same origin: reaches the handler (no such job)
    expect((await stop({ ...json, Origin: `http://127.0.0.1:${port}` })).status).toBe(404);
  });

  it("refuses oversized headers", async () => {
    const r = await raw(port, "/api/runs", { headers: { "X-Big": "a".repeat(20_000) } });
    expect(r.status).toBe(431);
    expect((await raw(port, "/api/health")).status).toBe(200);
  });

  it("answers only to its own Host (DNS rebinding)", async () => {
    expect((await raw(port, "/api/runs", { headers: { Host: "evil.example" } })).status).toBe(403);
    expect((await raw(port, "/api/runs", { headers: { Host: `localhost:${port}` } })).status).toBe(200);
  });

  it("refuses unknown methods and bad parameters with a status, not a crash", async () => {
    expect((await raw(port, "/api/runs", { method: "DELETE" })).status).toBe(405);
    expect((await raw(port, "/api/series?run=r1&name=train/loss&smooth=bogus")).status).toBe(400);
    expect((await raw(port, "/api/series?run=r1&name=train/loss&width=abc")).status).toBe(400);
    expect((await raw(port, "/api/series?run=r1")).status).toBe(400);
    const many = Array.from({ length: 40 }, (_, i) => `name=s${i}`).join("&");
    expect((await raw(port, `/api/series?run=r1&${many}`)).status).toBe(400);
    expect((await raw(port, "/api/nope")).status).toBe(404);
    expect((await raw(port, "/api/health")).status).toBe(200);
  });

  it("job arguments cannot redirect the runs root, and only the build's protocols start", async () => {
    const post = (body: unknown) =>
      raw(port, "/api/jobs", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await post({ command: "rm", args: [] })).status).toBe(400);
    expect((await post({ command: "train", args: ["--runs-dir", "/"] })).status).toBe(400);
    expect((await post({ command: "train", args: ["--runs-dir=/"] })).status).toBe(400);
    expect((await post({ command: "train", args: [1, 2] })).status).toBe(400);
    expect((await post({ command: "train", args: "--steps 5" })).status).toBe(400);
  });
});

describe("bound to a non-loopback address", () => {
  let server: RunningServer;
  let port: number;
  const token = "test-token-0123456789abcdef";

  beforeAll(async () => {
    const root = tmpRoot();
    writeRun(root, "r1");
    server = await serve(root, { host: "0.0.0.0", token });
    port = server.port;
  });
  afterAll(() => server.close());

  it("every request needs the token", async () => {
    expect(server.token).toBe(token);
    expect(server.openUrl).toContain(`?token=${token}`);
    for (const path of ["/", "/api/runs", "/assets/app.js", "/files/r1/run.json", "/api/live"]) {
      const r = await raw(port, path);
      expect(r.status).toBe(401);
    }
    expect((await raw(port, "/api/runs?token=wrong-token-0123456789abcd")).status).toBe(401);
  });

  it("?token= once sets a cookie and drops the token from the URL; then the cookie or a bearer header works", async () => {
    const r = await raw(port, `/?token=${token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe("/");
    const cookie = String(r.headers["set-cookie"]).split(";")[0];
    expect(cookie).toBe(`plateau_token_${port}=${token}`);
    expect(String(r.headers["set-cookie"])).toContain("HttpOnly");
    expect((await raw(port, "/api/runs", { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await raw(port, "/api/runs", { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    expect((await raw(port, "/api/runs", { headers: { Cookie: `plateau_token_${port}=nope` } })).status).toBe(
      401,
    );
  });
});
