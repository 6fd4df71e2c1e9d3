import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { raw, TEST_CLI, tmpRoot, writeRun } from "./helpers.js";

/** `plateau serve` as a user runs it: prints where it listens, serves, stops cleanly on Ctrl-C. */

describe("plateau serve (CLI)", () => {
  const root = tmpRoot();
  writeRun(root, "r1");

  it("--help shows examples", async () => {
    const r = await runCli(["serve", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("plateau serve --runs-dir");
    expect(r.stdout).toContain("--host");
  });

  it("listens on loopback, prints one JSON document with --json, and exits 0 on SIGINT", async () => {
    const child = spawn(
      TEST_CLI[0],
      [...TEST_CLI.slice(1), "serve", "--port", "0", "--json", "--runs-dir", root],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const t0 = Date.now();
    const parsed = () => {
      try {
        JSON.parse(out);
        return true;
      } catch {
        return false;
      }
    };
    while (!parsed()) {
      if (Date.now() - t0 > 60_000) throw new Error(`no output from plateau serve: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const doc = JSON.parse(out) as {
      url: string;
      host: string;
      port: number;
      token: string | null;
      runs_dir: string;
    };
    expect(doc.host).toBe("127.0.0.1");
    expect(doc.token).toBeNull();
    expect(doc.url).toBe(`http://127.0.0.1:${doc.port}/`);
    expect(doc.runs_dir).toBe(root);
    const list = await raw(doc.port, "/api/runs");
    expect(JSON.parse(list.body).runs.map((r: { id: string }) => r.id)).toEqual(["r1"]);
    expect(err).toContain("plateau serve: http://127.0.0.1:");
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(JSON.parse(out)).toEqual(doc); // stdout held that one document and nothing else
  });

  it("a port in use is a usage error naming --port", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli(["serve", "--port", String(port), "--runs-dir", root]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--port: port ${port} is in use`);
    } finally {
      blocker.close();
    }
  });
});
