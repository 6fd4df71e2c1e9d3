import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Start a worker thread on a module (used by the audit workers and the dashboard's diagnosis worker). Built code (dist/) runs the .js file directly; when
 * plateau runs from its TypeScript sources (tests, tsx) the module is a .ts file, which a worker cannot load
 * by itself, so a two-line bootstrap registers tsx's loader in the worker first (tsx is a dev dependency,
 * present wherever sources are run).
 */
export function spawnModuleWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith(".ts")) return new Worker(moduleUrl, options);
  const api = tsxEsmApi();
  const code = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(
    moduleUrl.href,
  )}, ${JSON.stringify(pathToFileURL(fileURLToPath(moduleUrl)).href)}));`;
  return new Worker(code, { ...options, eval: true });
}

/** The ESM entry of tsx's API (require.resolve would give the CommonJS one, which cannot register ESM hooks). */
function tsxEsmApi(): string {
  const pkgPath = createRequire(import.meta.url).resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as {
    exports: Record<string, { import?: string | { default?: string } }>;
  };
  const entry = pkg.exports["./esm/api"]?.import;
  const rel = typeof entry === "string" ? entry : (entry?.default ?? "./dist/esm/api/index.mjs");
  return pathToFileURL(join(dirname(pkgPath), rel)).href;
}
