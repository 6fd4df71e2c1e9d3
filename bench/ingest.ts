import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingestPaths } from "../src/logs/ingest.js";
import { crc32c } from "../src/logs/tfevents/crc32c.js";
import { readTfEventsFile } from "../src/logs/tfevents/reader.js";
import { TfEventsWriter } from "../src/logs/tfevents/writer.js";
import { measure, printHeader, row } from "./lib.js";

/**
 * Parse speed of each log format, through the whole ingestion path (detect, parse, build the Run, facts), on
 * generated files of ~20–40 MB. Peers measured in the same run: V8's JSON.parse on the same trainer_state text
 * (plateau cannot parse JSON faster than that), and a plain read + CRC-32C of the event file (the floor for a
 * reader that verifies every record).
 */
export async function benchIngest(): Promise<void> {
  printHeader("ingest: parse speed per format (full ingestPaths, median of 3)");
  const dir = mkdtempSync(join(tmpdir(), "plateau-bench-ingest-"));
  try {
    const files = writeInputs(dir);
    console.log(row(["format", "file", "points", "MB/s", "peer", "peer MB/s", "ratio", "clean samples"]));
    console.log(row(["---", "---", "---", "---", "---", "---", "---", "---"]));
    for (const f of files) {
      const bytes = statSync(f.path).size;
      let points = 0;
      const m = await measure(
        async () => {
          const r = await ingestPaths([f.path]);
          points = r.runs.reduce(
            (n, run) => n + [...run.series.values()].reduce((k, s) => k + s.length, 0),
            0,
          );
        },
        { n: 3, warmup: 1 },
      );
      const mbs = bytes / 1e6 / m.median_s;
      let peer = ["", "", ""];
      if (f.peer) {
        const p = await measure(f.peer.fn, { n: 3, warmup: 1 });
        const pmbs = bytes / 1e6 / p.median_s;
        peer = [f.peer.name, pmbs.toFixed(0), `${(mbs / pmbs).toFixed(2)}×`];
      }
      console.log(
        row([
          f.format,
          `${(bytes / 1e6).toFixed(1)} MB`,
          points.toLocaleString("en-US"),
          mbs.toFixed(1),
          ...peer,
          m.clean,
        ]),
      );
    }
    // The event reader alone (no Run building), to separate decoding from the run model's cost.
    const tf = files.find((f) => f.format === "tfevents")!;
    const bytes = statSync(tf.path).size;
    const r = await measure(() => readTfEventsFile(tf.path, { scalar() {} }), { n: 3, warmup: 1 });
    console.log(
      row([
        "tfevents (reader only)",
        `${(bytes / 1e6).toFixed(1)} MB`,
        "",
        (bytes / 1e6 / r.median_s).toFixed(1),
        "",
        "",
        "",
        r.clean,
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Input {
  format: string;
  path: string;
  peer?: { name: string; fn: () => unknown };
}

function writeInputs(dir: string): Input[] {
  const steps = 200_000;
  const loss = (s: number) => 2.5 + 8 / Math.sqrt(s + 1) + 0.01 * Math.sin(s * 12.9898);
  const out: Input[] = [];

  // tfevents: 3 scalars per step, TB 2.x tensor style (what plateau writes).
  const tfDir = join(dir, "tb");
  let t = 1.7e9;
  const w = new TfEventsWriter(tfDir, { now: () => (t += 0.01) });
  for (let s = 1; s <= steps; s++)
    w.scalars(s, { "train/loss": loss(s), "train/lr": 3e-4, "train/grad_norm": 1 + 1 / s });
  w.close();
  out.push({
    format: "tfevents",
    path: w.path,
    peer: { name: "read + CRC-32C", fn: () => crc32c(new Uint8Array(readFileSync(w.path))) },
  });

  // trainer_state.json: log every step (a large state), Python's indent=2 layout.
  const hist: string[] = [];
  for (let s = 1; s <= steps; s++) {
    hist.push(
      `    {\n      "epoch": ${(s / steps).toFixed(6)},\n      "grad_norm": ${1 + 1 / s},\n      "learning_rate": ${3e-4 * (1 - s / steps)},\n      "loss": ${loss(s)},\n      "step": ${s}\n    }`,
    );
  }
  const ts = join(dir, "hf/trainer_state.json");
  const text = `{\n  "epoch": 1.0,\n  "global_step": ${steps},\n  "log_history": [\n${hist.join(",\n")}\n  ],\n  "max_steps": ${steps}\n}\n`;
  mkdirSync(join(dir, "hf"), { recursive: true });
  writeFileSync(ts, text);
  out.push({
    format: "hf-trainer-state",
    path: ts,
    peer: { name: "JSON.parse", fn: () => JSON.parse(readFileSync(ts, "utf8")) },
  });

  const lines = (f: (s: number) => string) => {
    const a: string[] = [];
    for (let s = 1; s <= steps; s++) a.push(f(s));
    return `${a.join("\n")}\n`;
  };
  const put = (name: string, format: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    out.push({ format, path: p });
  };
  put(
    "megatron.log",
    "megatron",
    lines(
      (s) =>
        ` iteration ${String(s).padStart(8)}/ ${steps} | consumed samples: ${s * 512} | elapsed time per iteration (ms): 1234.5 | learning rate: 3.000E-04 | global batch size:   512 | lm loss: ${loss(s).toExponential(6)} | loss scale: 1.0 | grad norm: 1.234 | number of skipped iterations:   0 | number of nan iterations:   0 |`,
    ),
  );
  put(
    "main.log",
    "llmc",
    lines((s) => `s:${s} trl:${loss(s).toFixed(4)} lr:0.000300 norm:1.23`),
  );
  put("metrics.csv", "csv", `step,loss,lr,grad_norm\n${lines((s) => `${s},${loss(s)},0.0003,${1 + 1 / s}`)}`);
  put(
    "history.jsonl",
    "jsonl",
    lines((s) => `{"step": ${s}, "loss": ${loss(s)}, "lr": 0.0003, "grad_norm": ${1 + 1 / s}}`),
  );
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchIngest();
