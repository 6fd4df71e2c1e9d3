import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Start a worker thread on a module of this folder. Built code (dist/) runs the .js module directly; from the
 * TypeScript sources (tests, tsx) the worker first registers tsx's ESM loader, which it cannot do by itself.
 * (src/data/audit/spawn.ts does the same for the audit workers; the server may not import src/data.)
 */
export function startWorker(moduleUrl: URL): Worker {
  if (!moduleUrl.pathname.endsWith(".ts")) return new Worker(moduleUrl);
  // tsx's ESM API entry, from its exports map (require.resolve would give the CommonJS one)
  const pkgPath = createRequire(import.meta.url).resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { exports: Record<string, { import?: unknown }> };
  const entry = pkg.exports["./esm/api"]?.import;
  const rel =
    typeof entry === "string"
      ? entry
      : ((entry as { default?: string })?.default ?? "./dist/esm/api/index.mjs");
  const api = pathToFileURL(join(dirname(pkgPath), rel)).href;
  const url = JSON.stringify(moduleUrl.href);
  return new Worker(`import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${url}, ${url}));`, {
    eval: true,
  });
}
