import { type Command, InvalidArgumentError, Option } from "commander";
import { createOps } from "../../engine/backend.js";
import { PRESETS, preset, type Qwen2Config, readQwen2Config } from "../../engine/config.js";
import { estimateModel } from "../../engine/estimate.js";
import { trainRate } from "../../protocols/timing.js";
import { UserError } from "../../util/errors.js";
import { fmtBytes, fmtCount, fmtInt, paint, say, table } from "../../util/term.js";
import { action, examples } from "../context.js";

/** commander argParser for a positive integer option. */
export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/** commander argParser for a non-negative integer option. */
export function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a non-negative integer");
  return n;
}

/** commander argParser for a finite number. */
export function finiteNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("must be a number");
  return n;
}

/** The engine options every engine command shares. */
export function addEngineOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--threads <n>", "worker threads (default: available cores)").argParser(positiveInt),
    )
    .addOption(
      new Option("--backend <name>", "compute backend: WebAssembly SIMD, or the plain TypeScript reference")
        .choices(["wasm", "ref"])
        .default("wasm"),
    );
}

export interface EngineCliOpts {
  threads?: number;
  backend: "wasm" | "ref";
}

/**
 * The WebAssembly backend addresses at most 4 GiB (wasm32), part of it taken by kernel scratch: refuse a job
 * that cannot fit up front, with the way out, rather than fail halfway through loading.
 */
const WASM_MEMORY_LIMIT = 4 * 2 ** 30 - 256 * 2 ** 20;

export function checkBackendMemory(backend: string, bytes: number): void {
  if (backend === "wasm" && bytes > WASM_MEMORY_LIMIT)
    throw new UserError(
      `this needs ${fmtBytes(bytes)} of memory, more than the WebAssembly backend's 4 GiB: use --backend ref (plain TypeScript, much slower) or a smaller batch`,
      { field: "--backend" },
    );
}

/** Model config from --config FILE (HF config.json) or --preset NAME. */
export function modelConfigFrom(
  opts: { config?: string; preset?: string },
  fallbackPreset?: string,
): Qwen2Config {
  if (opts.config && opts.preset)
    throw new UserError("give either --config or --preset, not both", { field: "--config" });
  if (opts.config) return readQwen2Config(opts.config);
  const name = opts.preset ?? fallbackPreset;
  if (!name) throw new UserError("give --config FILE or --preset NAME", { field: "--preset" });
  return preset(name);
}

/** The model a protocol targets: from --config / --preset, or null when neither is given (a default proxy). */
export function modelTargetFrom(opts: {
  config?: string;
  preset?: string;
}): { name: string; config: Qwen2Config } | null {
  return opts.config || opts.preset
    ? { name: opts.config ?? `preset ${opts.preset}`, config: modelConfigFrom(opts) }
    : null;
}

export function register(program: Command): void {
  const model = program
    .command("model")
    .description("Qwen2 model configurations: sizes, FLOPs, memory, speed");
  examples(
    addEngineOptions(
      model
        .command("estimate")
        .description(
          "exact parameter count, training FLOPs per token, memory for weights/gradients/AdamW/activations, and the expected tokens/s on this engine",
        )
        .option("--config <file>", "a HF config.json (Qwen2)")
        .addOption(new Option("--preset <name>", "a named configuration").choices(Object.keys(PRESETS)))
        .addOption(new Option("--batch <n>", "sequences per micro-batch").argParser(positiveInt).default(8))
        .addOption(new Option("--seq <n>", "tokens per sequence").argParser(positiveInt).default(256))
        .option(
          "--no-measure",
          "skip the short timing (two real steps, or an sgemm probe for large models) that predicts tokens/s",
        ),
    ).action(
      action(
        async (
          ctx,
          opts: {
            config?: string;
            preset?: string;
            batch: number;
            seq: number;
            measure: boolean;
          } & EngineCliOpts,
        ) => {
          const config = modelConfigFrom(opts);
          const e = estimateModel(config, opts.batch, opts.seq);
          let speed:
            | { backend: string; basis: string; gflops: number; expected_tokens_per_s: number }
            | undefined;
          if (opts.measure) {
            const ops = await createOps(opts);
            try {
              const r = trainRate(ops, config, opts.batch, opts.seq);
              speed = {
                backend: ops.name,
                basis: r.basis,
                gflops: round(r.gflops, 1),
                expected_tokens_per_s: round(r.tokensPerSecond, 1),
              };
            } finally {
              ops.dispose();
            }
          }
          const doc = {
            source: opts.config ?? `preset ${opts.preset}`,
            config,
            ...e,
            /** Whether a training run fits the WebAssembly backend's 4 GiB (wasm32). */
            fits_wasm: e.memory_bytes.total <= WASM_MEMORY_LIMIT,
            ...(speed ? { speed } : {}),
          };
          if (ctx.json) {
            ctx.emit(doc);
            return;
          }
          const c = config;
          say(paint("bold", `${doc.source}`, ctx.color));
          say(
            `  Qwen2: vocab ${fmtInt(c.vocab_size)}, hidden ${c.hidden_size}, ${c.num_hidden_layers} layers, ${c.num_attention_heads}/${c.num_key_value_heads} heads × ${c.head_dim}, SwiGLU ${c.intermediate_size}, ${c.tie_word_embeddings ? "tied" : "untied"} embeddings`,
          );
          const m = e.memory_bytes;
          say(
            table(
              [
                ["parameters", fmtInt(e.params.total), fmtCount(e.params.total)],
                ["  embedding", fmtInt(e.params.embedding), ""],
                ["  non-embedding", fmtInt(e.params.non_embedding), ""],
                [
                  "FLOPs/token (train)",
                  fmtInt(e.flops_per_token.total),
                  `6N ${fmtCount(e.flops_per_token.dense)} + attention ${fmtCount(e.flops_per_token.attention)} (T=${e.seq})`,
                ],
                ["tokens/step", fmtInt(e.batch * e.seq), `batch ${e.batch} × seq ${e.seq}`],
                ["memory weights", fmtBytes(m.weights), "float32"],
                ["memory gradients", fmtBytes(m.gradients), ""],
                ["memory AdamW", fmtBytes(m.optimizer), "m and v"],
                ["memory activations", fmtBytes(m.activations), `per micro-batch of ${e.batch}×${e.seq}`],
                [
                  "memory total",
                  fmtBytes(m.total),
                  doc.fits_wasm ? "" : "more than the WebAssembly backend's 4 GiB: train with --backend ref",
                ],
                ...(speed
                  ? [
                      [
                        "expected speed",
                        `${fmtInt(speed.expected_tokens_per_s)} tokens/s`,
                        `training at ${speed.gflops} GFLOP/s on ${speed.backend} (${speed.basis === "timed" ? "two timed steps" : "sgemm probe × a whole step's share of it"})`,
                      ],
                    ]
                  : []),
              ],
              { align: ["l", "r", "l"], indent: "  " },
            ),
          );
        },
      ),
    ),
    [
      "plateau model estimate --preset bench-5m",
      "plateau model estimate --preset qwen2-0.5b --batch 4 --seq 1024 --json",
      "plateau model estimate --config path/to/config.json --no-measure",
    ],
  );
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
