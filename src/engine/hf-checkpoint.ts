import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "../util/atomic.js";
import { UserError } from "../util/errors.js";
import { hfConfigJson, readQwen2Config } from "./config.js";
import { Qwen2Model } from "./model.js";
import type { Ops } from "./ops.js";
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from "./safetensors.js";

export const MODEL_FILE = "model.safetensors";
export const INDEX_FILE = "model.safetensors.index.json";
export const CONFIG_FILE = "config.json";

/** The weight files of a HF checkpoint directory: one model.safetensors, or the shards an index names. */
export function weightFiles(dir: string): string[] {
  if (existsSync(join(dir, MODEL_FILE))) return [join(dir, MODEL_FILE)];
  const indexPath = join(dir, INDEX_FILE);
  if (!existsSync(indexPath))
    throw new UserError(`no ${MODEL_FILE} or ${INDEX_FILE} (is this a HF model directory?)`, { file: dir });
  let index: { weight_map?: Record<string, string> };
  try {
    index = JSON.parse(readFileSync(indexPath, "utf8"));
  } catch (err) {
    throw new UserError(`invalid JSON: ${(err as Error).message}`, { file: indexPath });
  }
  if (!index.weight_map || typeof index.weight_map !== "object")
    throw new UserError("missing weight_map", { file: indexPath, field: "weight_map" });
  return [...new Set(Object.values(index.weight_map))].map((f) => join(dir, f));
}

/**
 * Load a HF Qwen2 checkpoint (config.json + model.safetensors, or a sharded index) into a new model on `ops`.
 * F32, F64, BF16 and F16 weights are widened to the backend's precision. With tied embeddings a stored
 * lm_head.weight is ignored (HF ties it to embed_tokens); RoPE inv_freq buffers that old checkpoints carry are
 * skipped; any other unknown tensor, a missing tensor or a wrong shape is an error naming the tensor.
 */
export function loadHfCheckpoint(dir: string, ops: Ops): Qwen2Model {
  const config = readQwen2Config(join(dir, CONFIG_FILE));
  const model = new Qwen2Model(ops, config);
  loadWeightsInto(model, weightFiles(dir));
  return model;
}

export function loadWeightsInto(model: Qwen2Model, files: string[]): void {
  const seen = new Set<string>();
  for (const path of files) {
    const f = new SafetensorsFile(path);
    try {
      for (const t of f.tensors.values()) {
        const p = model.layout.get(t.name);
        if (!p) {
          if (t.name.endsWith("rotary_emb.inv_freq")) continue;
          if (t.name === "lm_head.weight" && model.config.tie_word_embeddings) continue;
          throw new UserError(`unexpected tensor ${t.name} (not a parameter of this Qwen2ForCausalLM)`, {
            file: path,
          });
        }
        if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i]))
          throw new UserError(`tensor ${t.name} has shape [${t.shape}], the config needs [${p.shape}]`, {
            file: path,
          });
        f.readFloat32(t.name, model.param(p));
        seen.add(t.name);
      }
    } finally {
      f.close();
    }
  }
  const missing = model.layout.tensors.filter((t) => !seen.has(t.name)).map((t) => t.name);
  if (missing.length)
    throw new UserError(`${missing.length} tensor(s) missing from the checkpoint, first ${missing[0]}`, {
      file: files[0],
    });
}

/** The model's tensors under their HF names, as views of the flat buffer (no copy). */
export function namedTensors(model: Qwen2Model, source: "params" | "grads" = "params"): TensorToWrite[] {
  return model.layout.tensors.map((t) => ({
    name: t.name,
    shape: t.shape,
    data: source === "params" ? model.param(t) : model.grad(t),
  }));
}

/**
 * Write `dir`/model.safetensors and `dir`/config.json so HF's AutoModelForCausalLM.from_pretrained(dir) loads
 * them as Qwen2ForCausalLM. Each file is written atomically.
 */
export function saveHfModel(dir: string, model: Qwen2Model): void {
  writeSafetensors(join(dir, MODEL_FILE), namedTensors(model), { format: "pt" });
  writeJsonAtomic(join(dir, CONFIG_FILE), hfConfigJson(model.config));
}
