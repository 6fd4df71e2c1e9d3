import { BYTE_TO_CHAR } from "./bytelevel.js";
import type { AddedToken, TokenizerSpec } from "./tokenizer.js";

/**
 * A K-token sub-vocabulary of a byte-level BPE tokenizer, for small proxy models that must share the big
 * model's tokenizer family: the 256 byte tokens, the tokens made by the first K − 256 merges (in merge order),
 * and all added tokens renumbered to K, K + 1, …. It is itself a complete byte-level BPE (every byte has a
 * token), so decode(encode(x)) === NFC(x) for every string; encoding it is exactly BPE with the merge list cut
 * after K − 256 merges.
 *
 * In Qwen's vocabulary ids 0–255 are the byte tokens and merge r creates id 256 + r, so a sub-vocabulary keeps
 * every id below K unchanged: ids from the sub-vocabulary mean the same bytes in the full model.
 */
export function subVocabSpec(spec: TokenizerSpec, k: number): TokenizerSpec {
  const idOf = new Map<string, number>();
  spec.tokens.forEach((t, id) => {
    if (t !== undefined) idOf.set(t, id);
  });
  // byte tokens in the parent's id order, so Qwen's ids 0–255 stay 0–255
  const bytes = BYTE_TO_CHAR.slice().sort((a, b) => (idOf.get(a) ?? 0) - (idOf.get(b) ?? 0));
  const tokens: string[] = bytes.slice();
  const have = new Set(tokens);
  const merges: [string, string][] = [];
  for (const [a, b] of spec.merges) {
    if (tokens.length >= k) break;
    if (!have.has(a) || !have.has(b)) continue; // cannot happen in a well-formed merge list
    merges.push([a, b]);
    const ab = a + b;
    if (!have.has(ab)) {
      have.add(ab);
      tokens.push(ab);
    }
  }
  const added: AddedToken[] = spec.added
    .slice()
    .sort((x, y) => x.id - y.id)
    .map((a, i) => ({ ...a, id: tokens.length + i }));
  return { ...spec, tokens, merges, added };
}
