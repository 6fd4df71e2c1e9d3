import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hfConfigJson, preset } from "../../src/engine/config.js";
import { SafetensorsFile } from "../../src/engine/safetensors.js";
import { runCli } from "../helpers/cli.js";
import { tmpDir } from "../helpers/tmp.js";

const FIX = join(import.meta.dirname, "../fixtures/engine/tied");

describe("plateau eval", () => {
  it("loss, logits and gradients of a HF checkpoint match the PyTorch reference", async () => {
    const dir = tmpDir();
    const { input_ids } = JSON.parse(readFileSync(join(FIX, "tokens.json"), "utf8"));
    const tokens = join(dir, "ids.json");
    writeFileSync(tokens, JSON.stringify(input_ids));
    const logitsPath = join(dir, "logits.f32");
    const gradsPath = join(dir, "grads.safetensors");
    const r = await runCli([
      "eval",
      "--checkpoint",
      FIX,
      "--tokens",
      tokens,
      "--dump-logits",
      logitsPath,
      "--dump-grads",
      gradsPath,
      "--batch",
      "1",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const expected = new SafetensorsFile(join(FIX, "expected-f32.safetensors"));
    const B = input_ids.length;
    const T = input_ids[0].length;
    expect(doc.n_tokens).toBe(B * (T - 1));
    expect(doc.loss).toBeCloseTo(expected.readFloat32("loss")[0], 5);
    // raw little-endian float32 [B, T, V]
    const raw = readFileSync(logitsPath);
    const want = expected.readFloat32("logits");
    expect(raw.length).toBe(4 * want.length);
    for (let i = 0; i < want.length; i++) expect(raw.readFloatLE(4 * i)).toBeCloseTo(want[i], 4);
    // gradients under HF names; the tied embedding's includes the lm_head part
    const g = new SafetensorsFile(gradsPath);
    expect(g.tensors.has("lm_head.weight")).toBe(false);
    for (const name of g.tensors.keys()) {
      const got = g.readFloat32(name);
      const exp = expected.readFloat32(`grad.${name}`);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - exp[i]), name).toBeLessThan(2e-6);
    }
  });

  it("bad token data is a one-line user error naming the element", async () => {
    const dir = tmpDir();
    const tokens = join(dir, "ids.json");
    writeFileSync(
      tokens,
      JSON.stringify([
        [1, 2, 3],
        [4, 5, 64],
      ]),
    );
    const r = await runCli(["eval", "--checkpoint", FIX, "--tokens", tokens], { NO_COLOR: "1" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /ids\.json: \[1\]\[2\]: token id 64 is outside the model's vocabulary \[0, 64\)/,
    );
    writeFileSync(
      tokens,
      JSON.stringify([
        [1, 2, 3],
        [4, 5],
      ]),
    );
    const r2 = await runCli(["eval", "--checkpoint", FIX, "--tokens", tokens], { NO_COLOR: "1" });
    expect(r2.stderr).toMatch(/\[1\]: sequence has 2 tokens, the first has 3/);
    const r3 = await runCli(["eval", "--checkpoint", dir, "--tokens", tokens], { NO_COLOR: "1" });
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/no config\.json here/);
    // a model that cannot fit the WebAssembly backend's 4 GiB is refused before anything is loaded
    writeFileSync(join(dir, "config.json"), JSON.stringify(hfConfigJson(preset("qwen2.5-1.5b"))));
    writeFileSync(tokens, JSON.stringify([[1, 2, 3]]));
    const r4 = await runCli(
      ["eval", "--checkpoint", dir, "--tokens", tokens, "--dump-grads", join(dir, "g")],
      {
        NO_COLOR: "1",
      },
    );
    expect(r4.code).toBe(2);
    expect(r4.stderr).toMatch(
      /--backend: this needs 12\.\d GB of memory, more than the WebAssembly backend's 4 GiB/,
    );
  });
});

describe("plateau model estimate", () => {
  it("prints exact counts as JSON", async () => {
    const r = await runCli(["model", "estimate", "--preset", "qwen2.5-1.5b", "--no-measure", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.params.total).toBe(1_543_714_304);
    expect(doc.config.head_dim).toBe(128);
  });

  it("reads a HF config.json and names a bad field", async () => {
    const dir = tmpDir();
    const cfg = join(dir, "config.json");
    writeFileSync(cfg, readFileSync(join(FIX, "config.json")));
    const ok = await runCli(["model", "estimate", "--config", cfg, "--no-measure", "--json"]);
    expect(JSON.parse(ok.stdout).config.vocab_size).toBe(64);
    writeFileSync(cfg, '{\n  "model_type": "qwen2",\n  "num_attention_heads": 0\n}\n');
    const bad = await runCli(["model", "estimate", "--config", cfg, "--no-measure"], { NO_COLOR: "1" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/config\.json:3: num_attention_heads: /);
  });
});
