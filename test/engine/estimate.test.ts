import { describe, expect, it } from "vitest";
import { PRESETS, preset } from "../../src/engine/config.js";
import { estimateModel } from "../../src/engine/estimate.js";

describe("model estimate", () => {
  it.each([
    ["bench-5m", 5_050_624],
    ["qwen2-0.5b", 494_032_768],
    ["qwen2.5-1.5b", 1_543_714_304],
    ["case-1.1b", 1_104_010_240],
  ])("%s has exactly %i parameters", (name, n) => {
    expect(estimateModel(preset(name), 1, 1).params.total).toBe(n);
  });

  it("non-embedding counts match the published 0.36B / 1.31B", () => {
    expect(estimateModel(preset("qwen2-0.5b"), 1, 1).params.non_embedding).toBe(357_898_112);
    expect(estimateModel(preset("qwen2.5-1.5b"), 1, 1).params.non_embedding).toBe(1_310_340_608);
  });

  it("FLOPs per token of the bench model: 6N + 12·L·H·D·T, as the PyTorch peer counts them", () => {
    const e = estimateModel(preset("bench-5m"), 8, 256);
    // the peer: n_matmul = params − norm gains = 5,050,624 − 9·256; attention 12·4·4·64·256
    expect(e.flops_per_token.dense).toBe(6 * (5_050_624 - 9 * 256));
    expect(e.flops_per_token.attention).toBe(12 * 4 * 4 * 64 * 256);
    expect(e.flops_per_token.total).toBe(33_435_648);
    expect(e.memory_bytes.optimizer).toBe(2 * e.memory_bytes.weights);
    expect(e.memory_bytes.weights).toBeGreaterThanOrEqual(4 * 5_050_624);
  });

  it("every preset is described", () => {
    for (const p of Object.values(PRESETS)) expect(p.description.length).toBeGreaterThan(10);
  });
});
