import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hfConfigJson, parseQwen2Config, preset } from "../../src/engine/config.js";
import { loadHfCheckpoint, saveHfModel } from "../../src/engine/hf-checkpoint.js";
import { Qwen2Model } from "../../src/engine/model.js";
import { createRefOps } from "../../src/engine/ref/index.js";
import { SafetensorsFile, writeSafetensors } from "../../src/engine/safetensors.js";
import { UserError } from "../../src/util/errors.js";
import { halfToFloat } from "../../src/util/float16.js";
import { Rng } from "../../src/util/rng.js";
import { tmpDir } from "../helpers/tmp.js";

const FIX = join(import.meta.dirname, "../fixtures/engine/tied");
const ops = createRefOps("f32");

/**
 * A safetensors reader written from the format description alone (and nothing of src/): 8 bytes little-endian
 * header length N, N bytes of JSON, then the data; offsets are relative to the end of the header.
 */
function specRead(path: string) {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const headerText = buf.subarray(8, 8 + n).toString("utf8");
  const header = JSON.parse(headerText) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const data = buf.subarray(8 + n);
  const tensor = (name: string): number[] => {
    const e = header[name];
    const bytes = data.subarray(e.data_offsets[0], e.data_offsets[1]);
    const out: number[] = [];
    for (let i = 0; i < bytes.length; i += 4) out.push(bytes.readFloatLE(i));
    return out;
  };
  return { n, headerText, header, dataLength: data.length, tensor };
}

describe("safetensors", () => {
  it("writes what the format describes: padded header, __metadata__, F32 little-endian, contiguous offsets", () => {
    const dir = tmpDir();
    const path = join(dir, "t.safetensors");
    const a = Float32Array.from([1.5, -2, 3.25]);
    const b = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    writeSafetensors(path, [
      { name: "a", shape: [3], data: a },
      { name: "b.weight", shape: [2, 3], data: b },
    ]);
    const r = specRead(path);
    expect(r.n % 8).toBe(0);
    expect(/^\{.*\} *$/s.test(r.headerText)).toBe(true); // JSON, then space padding only
    expect(r.header.__metadata__).toEqual({ format: "pt" });
    expect(r.header.a).toEqual({ dtype: "F32", shape: [3], data_offsets: [0, 12] });
    expect(r.header["b.weight"]).toEqual({ dtype: "F32", shape: [2, 3], data_offsets: [12, 36] });
    expect(r.dataLength).toBe(36);
    expect(r.tensor("a")).toEqual([1.5, -2, 3.25]);
    expect(r.tensor("b.weight")).toEqual(Array.from(b));
  });

  it("reads files written by Python (the PyTorch reference script), F32, BF16 and F16", () => {
    const f32 = new SafetensorsFile(join(FIX, "model.safetensors"));
    expect(f32.metadata).toEqual({ format: "pt" });
    expect(f32.tensors.get("model.embed_tokens.weight")?.shape).toEqual([64, 16]);
    for (const tag of ["bf16", "f16"]) {
      const low = new SafetensorsFile(join(FIX, `model.${tag}.safetensors`));
      const wide = new SafetensorsFile(join(FIX, `model.${tag}-as-f32.safetensors`));
      for (const name of low.tensors.keys()) {
        expect(low.tensors.get(name)?.dtype).toBe(tag.toUpperCase());
        // torch's own widening of its rounded tensors is the reference
        expect(Array.from(low.readFloat32(name))).toEqual(Array.from(wide.readFloat32(name)));
      }
    }
  });

  it("binary16 decoding: normals, subnormals, infinities, NaN", () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(halfToFloat(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it("rejects malformed files with a UserError naming the file", () => {
    const dir = tmpDir();
    const bad = (name: string, bytes: Buffer, msg: RegExp) => {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      expect(() => new SafetensorsFile(p)).toThrow(UserError);
      expect(() => new SafetensorsFile(p)).toThrow(msg);
    };
    const make = (header: object, dataLen: number) => {
      const h = Buffer.from(JSON.stringify(header));
      const n = Buffer.alloc(8);
      n.writeBigUInt64LE(BigInt(h.length));
      return Buffer.concat([n, h, Buffer.alloc(dataLen)]);
    };
    bad("short", Buffer.alloc(3), /shorter/);
    bad("huge", make({}, 0).fill(0xff, 0, 8), /exceeds/);
    bad("hole", make({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8), /hole/);
    bad("size", make({ a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, 4), /needs 8/);
    bad("dtype", make({ a: { dtype: "Q4", shape: [1], data_offsets: [0, 4] } }, 4), /unknown dtype/);
    bad("trail", make({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 8), /after the last tensor/);
  });
});

describe("HF checkpoints", () => {
  it("config.json has what AutoModelForCausalLM needs to build Qwen2ForCausalLM", () => {
    const j = hfConfigJson(preset("bench-5m"));
    expect(j.architectures).toEqual(["Qwen2ForCausalLM"]);
    expect(j.model_type).toBe("qwen2");
    expect(j.torch_dtype).toBe("float32");
    for (const k of [
      "vocab_size",
      "hidden_size",
      "intermediate_size",
      "num_hidden_layers",
      "num_attention_heads",
      "num_key_value_heads",
      "head_dim",
      "max_position_embeddings",
      "rms_norm_eps",
      "rope_theta",
      "tie_word_embeddings",
      "hidden_act",
      "use_sliding_window",
    ])
      expect(j, k).toHaveProperty(k);
    expect(j.hidden_act).toBe("silu");
    expect(j.use_sliding_window).toBe(false);
  });

  it("save → load round-trips every weight exactly; tied models store no lm_head", () => {
    const dir = tmpDir();
    for (const tied of [true, false]) {
      const c = {
        ...preset("bench-5m"),
        vocab_size: 50,
        hidden_size: 8,
        intermediate_size: 12,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        head_dim: 4,
        tie_word_embeddings: tied,
      };
      const m = new Qwen2Model(ops, c);
      m.initWeights(new Rng(1));
      saveHfModel(dir, m);
      const names = [...new SafetensorsFile(join(dir, "model.safetensors")).tensors.keys()];
      expect(names.includes("lm_head.weight")).toBe(!tied);
      expect(names).toContain("model.layers.0.self_attn.q_proj.bias");
      expect(names).not.toContain("model.layers.0.self_attn.o_proj.bias");
      const back = loadHfCheckpoint(dir, ops);
      expect(back.config).toEqual(m.config);
      expect(Array.from(back.params)).toEqual(Array.from(m.params));
    }
  });

  it("loads BF16, F16 and sharded checkpoints", () => {
    const f32 = loadHfCheckpoint(FIX, ops);
    const dir = tmpDir();
    writeFileSync(join(dir, "config.json"), readFileSync(join(FIX, "config.json")));
    for (const tag of ["bf16", "f16"]) {
      writeFileSync(join(dir, "model.safetensors"), readFileSync(join(FIX, `model.${tag}.safetensors`)));
      const low = loadHfCheckpoint(dir, ops);
      const wide = new SafetensorsFile(join(FIX, `model.${tag}-as-f32.safetensors`));
      for (const t of low.layout.tensors)
        expect(Array.from(low.param(t))).toEqual(Array.from(wide.readFloat32(t.name)));
    }
    const sharded = loadHfCheckpoint(join(FIX, "sharded"), ops);
    expect(Array.from(sharded.params)).toEqual(Array.from(f32.params));
  });

  it("names the tensor that is missing, unexpected or of the wrong shape", () => {
    const dir = tmpDir();
    const config = parseQwen2Config(readFileSync(join(FIX, "config.json"), "utf8"), "config.json");
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({ ...hfConfigJson(config), intermediate_size: 25 }),
    );
    writeFileSync(join(dir, "model.safetensors"), readFileSync(join(FIX, "model.safetensors")));
    expect(() => loadHfCheckpoint(dir, ops)).toThrow(
      /mlp\.gate_proj\.weight has shape \[24,16\], the config needs \[25,16\]/,
    );
    const m = new Qwen2Model(ops, config);
    writeSafetensors(join(dir, "model.safetensors"), [
      { name: "model.norm.weight", shape: [16], data: m.param("model.norm.weight") },
    ]);
    writeFileSync(join(dir, "config.json"), JSON.stringify(hfConfigJson(config)));
    expect(() => loadHfCheckpoint(dir, ops)).toThrow(
      /missing from the checkpoint, first model\.embed_tokens\.weight/,
    );
    writeSafetensors(join(dir, "model.safetensors"), [
      { name: "extra", shape: [1], data: new Float32Array(1) },
    ]);
    expect(() => loadHfCheckpoint(dir, ops)).toThrow(/unexpected tensor extra/);
  });

  it("config errors name the field", () => {
    const line = (o: object): string => {
      try {
        parseQwen2Config(JSON.stringify(o), "config.json");
      } catch (e) {
        return (e as UserError).oneLine();
      }
      return "no error";
    };
    expect(line({ model_type: "llama" })).toMatch(/^config\.json:1: model_type: expected "qwen2"/);
    expect(line({ hidden_size: 10, num_attention_heads: 3 })).toMatch(/head_dim: absent/);
    expect(line({ num_attention_heads: 4, num_key_value_heads: 3, hidden_size: 8 })).toMatch(
      /num_key_value_heads: 3 does not divide/,
    );
    expect(line({ use_sliding_window: true })).toMatch(/use_sliding_window: sliding-window/);
    expect(line({ rope_scaling: { type: "yarn", factor: 4 } })).toMatch(/rope_scaling: RoPE type "yarn"/);
    expect(line({ hidden_size: "big" })).toMatch(/^config\.json:1: hidden_size: /);
    // HF defaults apply to absent fields; rope_parameters (newer transformers) is read
    const c = parseQwen2Config(
      JSON.stringify({ rope_parameters: { rope_type: "default", rope_theta: 5e5 } }),
      "c.json",
    );
    expect(c.hidden_size).toBe(4096);
    expect(c.rope_theta).toBe(5e5);
    expect(c.num_key_value_heads).toBe(32);
  });
});
