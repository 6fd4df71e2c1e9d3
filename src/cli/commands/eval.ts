import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { AtomicFileWriter } from "../../engine/atomic-writer.js";
import { createOps } from "../../engine/backend.js";
import { readQwen2Config } from "../../engine/config.js";
import { estimateModel } from "../../engine/estimate.js";
import { CONFIG_FILE, loadHfCheckpoint, namedTensors } from "../../engine/hf-checkpoint.js";
import { littleEndianBytes, writeSafetensors } from "../../engine/safetensors.js";
import { shiftedTargets } from "../../engine/targets.js";
import { latestCheckpoint } from "../../train/checkpoint.js";
import { readTokenFile } from "../../train/data/token-file.js";
import { UserError } from "../../util/errors.js";
import { fmtInt, say } from "../../util/term.js";
import { action, examples } from "../context.js";
import { addEngineOptions, checkBackendMemory, type EngineCliOpts, positiveInt } from "./model.js";

/** A HF model directory, or a run / checkpoints folder (its newest checkpoint). */
export function resolveModelDir(dir: string): string {
  if (existsSync(join(dir, CONFIG_FILE))) return dir;
  const ckpt = latestCheckpoint(join(dir, "checkpoints")) ?? latestCheckpoint(dir);
  if (ckpt) return ckpt;
  throw new UserError("no config.json here, and no checkpoints (expected a HF model directory or a run)", {
    file: dir,
  });
}

interface EvalOpts extends EngineCliOpts {
  checkpoint: string;
  tokens: string;
  dumpLogits?: string;
  dumpGrads?: string;
  batch?: number;
}

export function register(program: Command): void {
  examples(
    addEngineOptions(
      program
        .command("eval")
        .description(
          "loss of a checkpoint on token data (mean cross-entropy of logits[:, :-1] against ids[:, 1:]); optionally dump logits and gradients to check the engine against HF",
        )
        .requiredOption(
          "--checkpoint <dir>",
          "HF model directory (config.json + safetensors), or a run / checkpoint",
        )
        .requiredOption("--tokens <file.json>", "JSON array of equal-length arrays of token ids")
        .option("--dump-logits <out.f32>", "write the logits as raw little-endian float32 [B, T, V]")
        .option(
          "--dump-grads <out.safetensors>",
          "write the gradient of the mean loss for every parameter (HF names)",
        )
        .option(
          "--batch <n>",
          "sequences per forward pass (default: as many as fit in 256 MB of logits)",
          positiveInt,
        ),
    ).action(
      action(async (ctx, opts: EvalOpts) => {
        const dir = resolveModelDir(opts.checkpoint);
        const config = readQwen2Config(join(dir, CONFIG_FILE));
        const V = config.vocab_size;
        const data = readTokenFile(opts.tokens, V);
        const { count: B, seqLen: T } = data;
        if (T > config.max_position_embeddings)
          throw new UserError(
            `sequences of ${T} tokens exceed max_position_embeddings ${config.max_position_embeddings}`,
            { file: opts.tokens },
          );
        const micro = Math.min(B, opts.batch ?? Math.max(1, Math.floor(2 ** 26 / (T * V))));
        const mem = estimateModel(config, micro, T).memory_bytes;
        checkBackendMemory(
          opts.backend,
          mem.weights + (opts.dumpGrads ? mem.gradients : 0) + mem.activations,
        );
        const ops = await createOps(opts);
        try {
          const model = loadHfCheckpoint(dir, ops);
          const targets = shiftedTargets(data.ids, B, T);
          const total = B * (T - 1);
          const wantGrads = opts.dumpGrads !== undefined;
          if (wantGrads) model.zeroGrads();
          const logitsOut = opts.dumpLogits ? new AtomicFileWriter(opts.dumpLogits) : undefined;
          let lossSum = 0;
          try {
            for (let b0 = 0; b0 < B; b0 += micro) {
              const n = Math.min(micro, B - b0);
              const batch = {
                ids: data.ids.subarray(b0 * T, (b0 + n) * T),
                targets: targets.subarray(b0 * T, (b0 + n) * T),
                B: n,
                T,
              };
              // logits first (the training forward overwrites them with their gradient)
              const r = model.forward(batch);
              lossSum += r.lossSum;
              if (logitsOut) logitsOut.write(littleEndianBytes(Float32Array.from(model.logits)));
              if (wantGrads) {
                model.forward(batch, 1 / total);
                model.backward();
              }
            }
            logitsOut?.commit();
          } finally {
            logitsOut?.abort();
          }
          if (opts.dumpGrads)
            writeSafetensors(opts.dumpGrads, namedTensors(model, "grads"), { format: "pt" });
          const loss = lossSum / total;
          if (ctx.json) {
            ctx.emit({
              loss,
              n_tokens: total,
              sequences: B,
              seq_len: T,
              checkpoint: dir,
              backend: ops.name,
              ...(opts.dumpLogits
                ? { logits: { path: opts.dumpLogits, shape: [B, T, V], dtype: "float32" } }
                : {}),
              ...(opts.dumpGrads
                ? { grads: { path: opts.dumpGrads, tensors: model.layout.tensors.length } }
                : {}),
            });
            return;
          }
          say(`loss ${loss.toFixed(6)} over ${fmtInt(total)} target tokens (${B} × ${T - 1})`);
          if (opts.dumpLogits) say(`logits [${B}, ${T}, ${V}] float32 → ${opts.dumpLogits}`);
          if (opts.dumpGrads) say(`gradients of ${model.layout.tensors.length} tensors → ${opts.dumpGrads}`);
        } finally {
          ops.dispose();
        }
      }),
    ),
    [
      "plateau eval --checkpoint runs/my-run --tokens held-out.json",
      "plateau eval --checkpoint ./Qwen2-0.5B --tokens ids.json --dump-logits logits.f32 --dump-grads grads.safetensors --json",
    ],
  );
}
