import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RunWriter } from "../../src/runs/rundir.js";
import { runCli } from "../helpers/cli.js";
import { tmpDir } from "../helpers/tmp.js";

describe("CLI conventions", () => {
  it("--help lists commands and exit codes, and exits 0", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    const help = r.stdout + r.stderr;
    expect(help).toMatch(/Usage: plateau/);
    expect(help).toMatch(/runs/);
    expect(help).toMatch(/Exit codes: 0 ok/);
  });

  it("every command's --help shows examples", async () => {
    const r = await runCli(["runs", "list", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ plateau runs list/);
  });

  it("an unknown command or option is a usage error (exit 2)", async () => {
    expect((await runCli(["no-such-command"])).code).toBe(2);
    expect((await runCli(["runs", "list", "--no-such-flag"])).code).toBe(2);
  });

  it("a user error prints one line, no stack trace, exit 2; --debug adds the stack", async () => {
    const root = tmpDir();
    const r = await runCli(["runs", "show", "missing", "--runs-dir", root], { NO_COLOR: "1" });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: run: no run `missing`/);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    const d = await runCli(["runs", "show", "missing", "--runs-dir", root, "--debug"], { NO_COLOR: "1" });
    expect(d.stderr).toMatch(/\n\s+at /);
  });

  it("--json prints exactly one JSON document on stdout, errors included", async () => {
    const root = tmpDir();
    RunWriter.create(join(root, "r"), { id: "r-1", name: "first" }).finish("completed");
    const ok = await runCli(["runs", "list", "--json", "--runs-dir", root]);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.stdout);
    expect(doc.runs).toHaveLength(1);
    expect(doc.runs[0]).toMatchObject({ id: "r-1", name: "first", status: "completed" });

    const bad = await runCli(["runs", "show", "nope", "--json", "--runs-dir", root]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { exit_code: 2, field: "run" } });
  });

  it("respects NO_COLOR", async () => {
    const root = tmpDir();
    RunWriter.create(join(root, "r"), { id: "r-1", name: "first" }).finish("completed");
    const r = await runCli(["runs", "list", "--runs-dir", root], { NO_COLOR: "1", FORCE_COLOR: undefined });
    expect(r.stderr).not.toContain("\u001b[");
    const c = await runCli(["runs", "list", "--runs-dir", root], { NO_COLOR: undefined, FORCE_COLOR: "1" });
    expect(c.stderr).toContain("\u001b[");
  });
});
