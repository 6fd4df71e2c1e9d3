// Compiles the AssemblyScript kernels into dist/wasm/ (run by `npm run build:wasm`, part of `npm run build`,
// which `npm ci` runs through `prepare`). Two builds of the same sources: with relaxed SIMD (fused multiply-add)
// and plain SIMD for runtimes without it. Nothing is downloaded: assemblyscript and binaryen are npm packages.
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const asc = join(
  dirname(createRequire(import.meta.url).resolve("assemblyscript/package.json")),
  "bin",
  "asc.js",
);
const out = join(root, "dist", "wasm");
mkdirSync(out, { recursive: true });

const common = [
  join(root, "asm", "index.ts"),
  "-O3",
  "--noAssert",
  "--runtime",
  "stub",
  "--use",
  "abort=",
  "--importMemory",
  "--sharedMemory",
  "--initialMemory",
  "1",
  "--maximumMemory",
  "65536",
];
const builds = [
  ["kernels-relaxed.wasm", "simd,relaxed-simd,threads"],
  ["kernels-simd.wasm", "simd,threads"],
];
const run = promisify(execFile);
await Promise.all(
  builds.map(([file, features]) =>
    run(process.execPath, [asc, ...common, "--enable", features, "-o", join(out, file)]).catch((e) => {
      process.stderr.write(`build:wasm: ${file} failed\n${e.stderr ?? e.message}\n`);
      process.exit(1);
    }),
  ),
);
