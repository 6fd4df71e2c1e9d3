import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll } from "vitest";
import { RunWriter } from "../../src/runs/rundir.js";
import { type RunningServer, type ServeOptions, startServer } from "../../src/server/index.js";

/** The plateau CLI from its TypeScript sources, for jobs the server starts in tests. */
export const TEST_CLI = [process.execPath, "--import", "tsx", resolve("test/server/plateau-cli.mjs")];

/** A temporary folder that lives for the whole describe block (removed after it). */
export function tmpRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), "plateau-serve-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function serve(root: string, opts: Partial<ServeOptions> = {}): Promise<RunningServer> {
  return startServer({ root, port: 0, cli: TEST_CLI, log: () => {}, ...opts });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * An HTTP request with the target sent exactly as given (fetch and URL would normalise `..` and
 * percent-encodings away before the server ever saw them).
 */
export function raw(
  port: number,
  target: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: opts.method ?? "GET",
        path: target,
        headers: { Host: `127.0.0.1:${port}`, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export async function getJson<T = Record<string, unknown>>(port: number, target: string): Promise<T> {
  const r = await raw(port, target);
  if (r.status !== 200) throw new Error(`GET ${target}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

/** A completed plateau run with a loss curve (optionally with spikes and NaN) in `root/dir`. */
export function writeRun(
  root: string,
  dir: string,
  opts: {
    id?: string;
    name?: string;
    steps?: number;
    tags?: string[];
    spikes?: number[];
    nanAt?: number;
    finish?: boolean;
    evalEvery?: number;
  } = {},
): RunWriter {
  const w = RunWriter.create(join(root, dir), {
    id: opts.id ?? dir,
    name: opts.name ?? dir,
    tags: opts.tags,
    protocol: "train",
  });
  const steps = opts.steps ?? 200;
  for (let s = 1; s <= steps; s++) {
    let loss = 2 + 6 / Math.sqrt(s) + 0.05 * Math.sin(s * 1.7);
    if (opts.spikes?.includes(s)) loss += 5;
    if (opts.nanAt === s) loss = Number.NaN;
    const values: Record<string, number> = {
      "train/loss": loss,
      "train/lr": 1e-3,
      "train/grad_norm": 1 + 0.1 * Math.cos(s),
    };
    if (opts.evalEvery && s % opts.evalEvery === 0) values["eval/loss"] = loss + 0.1;
    w.log(s, values, { tokens: s * 1024, wall_time: 1_700_000_000 + s });
  }
  if (opts.finish !== false) w.finish("completed");
  return w;
}

/** Poll until `pred` holds (the machine may be busy: no fixed sleeps in assertions). */
export async function waitFor(
  pred: () => boolean | Promise<boolean>,
  ms = 15_000,
  what = "condition",
): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A Qwen2 small enough to train in seconds on one thread, and a corpus for it (byte tokenizer). */
export function tinyTraining(dir: string): string[] {
  const config = join(dir, "tiny.json");
  writeFileSync(
    config,
    JSON.stringify({
      model_type: "qwen2",
      architectures: ["Qwen2ForCausalLM"],
      vocab_size: 260,
      hidden_size: 32,
      intermediate_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      max_position_embeddings: 256,
      rope_theta: 10000,
      tie_word_embeddings: true,
      rms_norm_eps: 1e-6,
    }),
  );
  const corpus = join(dir, "corpus.txt");
  const lines = [];
  for (let i = 0; i < 300; i++)
    lines.push(`the quick brown fox ${i} jumps over the lazy dog number ${(i * 7) % 13}`);
  writeFileSync(corpus, lines.join("\n"));
  return [
    "--corpus",
    corpus,
    "--tokenizer",
    "bytes",
    "--config",
    config,
    "--seq",
    "32",
    "--batch",
    "4",
    "--threads",
    "1",
  ];
}
