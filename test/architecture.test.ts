import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The import rules of ARCHITECTURE.md ("What may import what"), checked on every source file.
const allowed: Record<string, string[]> = {
  util: [],
  runs: ["util"],
  curves: ["util"],
  logs: ["runs", "util"],
  diagnose: ["runs", "curves", "logs", "util"],
  data: ["util"],
  tokenizer: ["data", "util"],
  engine: ["util"],
  train: ["engine", "tokenizer", "data", "runs", "logs", "util"],
  report: ["runs", "curves", "diagnose", "util"],
  protocols: ["train", "engine", "tokenizer", "data", "diagnose", "curves", "logs", "runs", "report", "util"],
  server: ["protocols", "report", "diagnose", "curves", "logs", "runs", "util"],
  cli: ["*"],
};

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

describe("architecture", () => {
  it("every src folder imports only what ARCHITECTURE.md allows", () => {
    const violations: string[] = [];
    for (const file of files("src")) {
      const folder = relative("src", file).split("/")[0];
      const rules = allowed[folder];
      if (!rules) {
        violations.push(`${file}: folder src/${folder} is not in the table`);
        continue;
      }
      if (rules.includes("*")) continue;
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.[^"']+)["']/g)) {
        const target = relative("src", join(file, "..", m[1])).split("/")[0];
        if (target !== folder && !rules.includes(target))
          violations.push(`${file}: imports src/${target} (${m[1]})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
