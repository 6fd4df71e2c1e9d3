import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeDemoRunLog } from "../../src/diagnose/demo.js";
import { syntheticRun } from "../../src/diagnose/synthetic.js";
import { RunWriter } from "../../src/runs/rundir.js";
import { runCli } from "../helpers/cli.js";
import { tmpDir } from "../helpers/tmp.js";

describe("plateau diagnose", () => {
  it("reads the demo HF output folder and prints exactly the documented JSON shape", async () => {
    const dir = tmpDir();
    const demo = writeDemoRunLog(join(dir, "outputs"), { seed: 1, steps: 4000 });
    const r = await runCli(["diagnose", demo.dir, "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(["runs", "findings", "hypotheses"]);
    expect(Object.keys(doc.runs[0])).toEqual(["id", "source", "format", "series", "facts"]);
    expect(doc.runs[0].format).toBe("hf-trainer-state");
    expect(doc.runs[0].series).toEqual(
      expect.arrayContaining(["train/loss", "eval/loss", "train/lr", "train/grad_norm"]),
    );
    for (const f of doc.findings) {
      expect(Object.keys(f)).toEqual(["rule", "severity", "confidence", "evidence", "steps"]);
      expect(typeof f.evidence.summary).toBe("string");
      expect(f.evidence.run).toBe(doc.runs[0].id);
    }
    for (const h of doc.hypotheses) {
      expect(Object.keys(h)).toEqual([
        "cause",
        "confidence",
        "evidence_for",
        "evidence_against",
        "next",
        "run",
      ]);
      expect(Object.keys(h.next)).toEqual(["command", "why", "available"]);
    }
    const rules = doc.findings.map((f: { rule: string }) => f.rule);
    // the demo's problems: the GA logging bug and a plateau at constant LR
    expect(rules).toContain("ga-inflation");
    expect(rules).toContain("schedule-plateau");
    expect(doc.hypotheses.map((h: { cause: string }) => h.cause).sort()).toEqual([
      "capacity",
      "data-quality",
      "not-a-problem",
      "optimizer",
      "pipeline-bug",
      "training-strategy",
    ]);
    // the checkpoint folders of the output dir become the cooldown's --checkpoint
    expect(
      doc.hypotheses.some((h: { next: { command: string } }) => h.next.command.includes("checkpoint-4000")),
    ).toBe(true);
    expect(r.stderr).not.toContain("error");
  });

  it("writes a self-contained report.html, report.md and diagnosis.json with --out, and a terminal summary", async () => {
    const dir = tmpDir();
    const s = syntheticRun({ scenario: "frozen", seed: 0, steps: 500, logEvery: 1, noise: 0.05 });
    const w = RunWriter.create(join(dir, "run"), {
      id: "frozen-run",
      name: "frozen <run>",
      facts: s.run.manifest.facts,
    });
    const t = s.run.get("train/loss");
    const g = s.run.get("train/grad_norm");
    for (let i = 0; i < (t?.length ?? 0); i++)
      w.log(t?.step[i] ?? 0, { "train/loss": t?.value[i] ?? 0, "train/grad_norm": g?.value[i] ?? 0 });
    w.finish("completed");
    const out = join(dir, "report");
    const r = await runCli(["diagnose", join(dir, "run"), "--out", out], { NO_COLOR: "1" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("critical frozen");
    expect(r.stderr).toContain("likely causes");
    expect(r.stderr).toContain("1. pipeline-bug");
    expect(r.stderr).toContain("next: plateau overfit --data <DATA> -n 1000 --epochs 10");
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("frozen &lt;run&gt;");
    expect(html).toContain('id="plateau-charts"');
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain("`frozen`");
    expect(JSON.parse(readFileSync(join(out, "diagnosis.json"), "utf8")).findings[0].rule).toBe("frozen");
  });

  it("--fail-on exits 1 when a finding is that severe; --fact fills what the logs lack", async () => {
    const dir = tmpDir();
    const demo = writeDemoRunLog(join(dir, "outputs"));
    const r = await runCli(["diagnose", demo.dir, "--fail-on", "critical", "--json"]);
    expect(r.code).toBe(1);
    const f = await runCli([
      "diagnose",
      demo.dir,
      "--json",
      "--fact",
      "data.eval_is_train=true",
      "--project",
      "1e9",
    ]);
    const doc = JSON.parse(f.stdout);
    expect(doc.findings.some((x: { rule: string }) => x.rule === "eval-on-train")).toBe(true);
    const plateau = doc.findings.find((x: { rule: string }) => x.rule === "plateau");
    expect(plateau.evidence.projection_more).toBe(1e9);
    expect(plateau.evidence.projection_unit).toBe("tokens");
    expect(plateau.evidence.projected_loss_ci_low).toBeLessThanOrEqual(plateau.evidence.projected_loss);
  });

  it("bad input: one line naming the file or field, exit 2", async () => {
    const dir = tmpDir();
    const missing = await runCli(["diagnose", join(dir, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain("nope");
    const junk = join(dir, "notes.bin");
    writeFileSync(junk, Buffer.from([0, 1, 2, 3, 255]));
    const j = await runCli(["diagnose", junk]);
    expect(j.code).toBe(2);
    const fact = await runCli(["diagnose", dir, "--fact", "nonsense"]);
    expect(fact.code).toBe(2);
    expect(fact.stderr).toContain("--fact");
    const json = await runCli(["diagnose", join(dir, "nope"), "--json"]);
    expect(JSON.parse(json.stdout).error.exit_code).toBe(2);
  });

  it("--help lists examples", async () => {
    const r = await runCli(["diagnose", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain("Examples:");
    expect(existsSync("src/cli/commands/diagnose.ts")).toBe(true);
  });
});
