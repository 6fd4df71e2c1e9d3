import { describe, expect, it } from "vitest";
import { generate } from "../../src/engine/generate.js";
import { createRefOps } from "../../src/engine/ref/index.js";
import {
  type MemorizationProbe,
  memorizationProbe,
  scoreMemorization,
} from "../../src/protocols/memorize.js";
import { randomQwen2, tinyQwen2 } from "../engine/tiny-qwen2.js";

const config = tinyQwen2;

describe("scoreMemorization", () => {
  const m = randomQwen2(createRefOps("f64"), config, 11, 0.3);
  const greedy = (p: number[], n: number) => generate(m, p, { maxNewTokens: n, greedy: true });

  it("scores each prompt's greedy continuation against its reference, at exact positions and as a prefix", () => {
    const prompts = [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
      [13, 14],
    ];
    const g = prompts.map((p) => greedy(p, 6));
    const off = (t: number) => (t + 1) % config.vocab_size;
    const probe: MemorizationProbe = {
      prompts,
      references: [
        g[0], // all 6 reproduced: 1, prefix 1
        [g[1][0], g[1][1], off(g[1][2]), g[1][3], g[1][4], g[1][5]], // 5 of 6, prefix 2 of 6
        [off(g[2][0]), g[2][1], g[2][2]], // a shorter reference: 2 of 3, prefix 0
        [g[3][0], off(g[3][1])], // another prompt length: 1 of 2, prefix 1 of 2
      ],
      blocks: [0, 1, 2, 3],
    };
    const res = scoreMemorization(m, probe);
    expect(res.completions).toEqual([g[0], g[1], g[2].slice(0, 3), g[3].slice(0, 2)]);
    expect(res.perPrompt).toEqual([1, 5 / 6, 2 / 3, 1 / 2]);
    expect(res.score).toBeCloseTo((1 + 5 / 6 + 2 / 3 + 1 / 2) / 4, 14);
    expect(res.prefix).toBeCloseTo((1 + 2 / 6 + 0 + 1 / 2) / 4, 14);
  });

  it("takes prompts from the start of evenly spread blocks", () => {
    const ids = Int32Array.from({ length: 5 * 8 }, (_, i) => i % config.vocab_size);
    const probe = memorizationProbe({ seqLen: 8, count: 5, ids, labels: null }, 2, 3, 4);
    expect(probe.blocks).toEqual([0, 2]);
    expect(probe.prompts).toEqual([
      [0, 1, 2],
      [16, 17, 18],
    ]);
    expect(probe.references).toEqual([
      [3, 4, 5, 6],
      [19, 20, 21, 22],
    ]);
  });
});
