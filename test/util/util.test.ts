import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfigFile } from "../../src/util/config-file.js";
import { UserError } from "../../src/util/errors.js";
import { readJsonl } from "../../src/util/jsonl.js";
import { Rng } from "../../src/util/rng.js";
import { tmpDir } from "../helpers/tmp.js";

const Schema = z.object({
  name: z.string(),
  optimizer: z.object({ lr: z.number().positive(), betas: z.tuple([z.number(), z.number()]).optional() }),
});

function expectUserError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error("expected a UserError");
}

describe("config files", () => {
  it("loads YAML and JSON", () => {
    const d = tmpDir();
    writeFileSync(join(d, "a.yaml"), "name: x\noptimizer:\n  lr: 0.001\n");
    writeFileSync(join(d, "a.json"), '{"name": "x", "optimizer": {"lr": 1e-3}}');
    expect(loadConfigFile(join(d, "a.yaml"), Schema)).toEqual({ name: "x", optimizer: { lr: 0.001 } });
    expect(loadConfigFile(join(d, "a.json"), Schema).optimizer.lr).toBe(0.001);
  });

  it("names the file, line and field of a bad value", () => {
    const d = tmpDir();
    const f = join(d, "train.yaml");
    writeFileSync(f, "name: x\noptimizer:\n  betas: [0.9, 0.95]\n  lr: fast\n");
    const e = expectUserError(() => loadConfigFile(f, Schema));
    expect(e.oneLine()).toMatch(new RegExp(`^${f}:4: optimizer\\.lr: .*number`));
  });

  it("names a missing field and a syntax error's line", () => {
    const d = tmpDir();
    const f = join(d, "c.json");
    writeFileSync(f, '{"name": "x", "optimizer": {}}');
    expect(expectUserError(() => loadConfigFile(f, Schema)).location.field).toBe("optimizer.lr");
    writeFileSync(f, '{\n  "name": "x",\n  "optimizer": {"lr": }\n}');
    const e = expectUserError(() => loadConfigFile(f, Schema));
    expect(e.location.line).toBe(3);
    expect(e.message).toMatch(/invalid JSON/);
    expect(expectUserError(() => loadConfigFile(join(d, "none.yaml"), Schema)).message).toMatch(
      /no such file/,
    );
  });
});

describe("jsonl", () => {
  it("reports bad middle lines with their line numbers and tolerates a torn last line", () => {
    const f = join(tmpDir(), "m.jsonl");
    writeFileSync(f, '{"a":1}\n\nnot json\n{"a":2}\n{"a":');
    const r = readJsonl<{ a: number }>(f);
    expect(r.lines.map((l) => [l.line, l.value.a])).toEqual([
      [1, 1],
      [4, 2],
    ]);
    expect(r.problems.map((p) => p.line)).toEqual([3]);
    expect(r.torn?.line).toBe(5);
  });

  it("accepts a complete last line without a newline", () => {
    const f = join(tmpDir(), "m.jsonl");
    writeFileSync(f, '{"a":1}\n{"a":2}');
    expect(readJsonl(f).lines).toHaveLength(2);
  });
});

describe("Rng", () => {
  it("is deterministic per seed and restores its state exactly", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(new Rng(43).nextU32()).not.toBe(xs[0]);
    a.normal();
    const st = a.getState();
    const next = [a.normal(), a.float(), a.int(1000)];
    expect([Rng.fromState(st).normal(), 0, 0].slice(0, 1)).toEqual(next.slice(0, 1));
    const c = Rng.fromState(st);
    expect([c.normal(), c.float(), c.int(1000)]).toEqual(next);
  });

  it("matches the published xoshiro128** stream", () => {
    // Reference: xoshiro128** with state {1, 2, 3, 4} (the C reference implementation by Blackman & Vigna)
    // produces 11520, 0, 5927040, 70819200, 2031721883, 1637235492, ...
    const r = new Rng(0);
    r.setState({ s: [1, 2, 3, 4], spare: null });
    expect(Array.from({ length: 6 }, () => r.nextU32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492,
    ]);
  });

  it("draws normals with mean 0 and variance 1, and unbiased ints", () => {
    const r = new Rng(7);
    let s = 0;
    let s2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.01);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[r.int(3)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });
});
