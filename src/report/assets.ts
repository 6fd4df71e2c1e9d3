import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * uPlot's browser build and stylesheet, read from node_modules once, for inlining into self-contained reports
 * (a report opened from a file, mailed, or archived with the run must not fetch anything).
 */
let cache: { js: string; css: string } | undefined;

export function uplotAssets(): { js: string; css: string } {
  if (!cache) {
    const dir = dirname(createRequire(import.meta.url).resolve("uplot/dist/uPlot.iife.min.js"));
    cache = {
      js: readFileSync(join(dir, "uPlot.iife.min.js"), "utf8"),
      css: readFileSync(join(dir, "uPlot.min.css"), "utf8"),
    };
    // inlined inside <script>: a literal "</script" would end it early (uPlot 1.6 has none; keep it that way)
    if (/<\/script/i.test(cache.js)) cache.js = cache.js.replace(/<\/script/gi, "<\\/script");
  }
  return cache;
}
