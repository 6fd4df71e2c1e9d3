import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../util/errors.js";
import { LLAMA3_PATTERN, QWEN2_PATTERN } from "./pretokenize.js";
import { type AddedToken, Tokenizer, type TokenizerSpec } from "./tokenizer.js";

/**
 * Reading and writing Hugging Face `tokenizer.json` (the `tokenizers` library's serialisation) for byte-level
 * BPE models of the Qwen2 / Llama 3 family: NFC or no normaliser, the Split(regex) + ByteLevel(use_regex=false)
 * pre-tokenizer, a BPE model without byte_fallback, dropout or subword affixes. Anything else is refused with
 * the field named, rather than encoded almost right.
 */

type Json = Record<string, unknown>;

/** Load a tokenizer from a tokenizer.json file, or a folder holding one (and maybe tokenizer_config.json). */
export function loadTokenizer(path: string, name?: string): Tokenizer {
  let file = path;
  if (existsSync(path) && statSync(path).isDirectory()) file = join(path, "tokenizer.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(`cannot read tokenizer: ${(e as Error).message}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`not valid JSON: ${(e as Error).message}`, { file });
  }
  const spec = specFromTokenizerJson(json, file);
  spec.name = name ?? file;
  const cfgFile = join(dirname(file), "tokenizer_config.json");
  if (existsSync(cfgFile)) Object.assign(spec, readTokenizerConfig(cfgFile));
  try {
    return new Tokenizer(spec);
  } catch (e) {
    throw new UserError((e as Error).message, { file });
  }
}

/** eos / pad / bos token names from a tokenizer_config.json (each may be a string or {content}). */
export function readTokenizerConfig(file: string): Pick<TokenizerSpec, "eos" | "pad" | "bos"> {
  let cfg: Json;
  try {
    cfg = JSON.parse(readFileSync(file, "utf8")) as Json;
  } catch (e) {
    throw new UserError(`cannot read tokenizer config: ${(e as Error).message}`, { file });
  }
  const name = (v: unknown): string | undefined =>
    typeof v === "string"
      ? v
      : v && typeof v === "object" && typeof (v as Json).content === "string"
        ? ((v as Json).content as string)
        : undefined;
  return { eos: name(cfg.eos_token), pad: name(cfg.pad_token), bos: name(cfg.bos_token) };
}

export function specFromTokenizerJson(json: unknown, file = "tokenizer.json"): TokenizerSpec {
  const bad = (field: string, msg: string) => new UserError(msg, { file, field });
  if (!json || typeof json !== "object") throw bad("", "expected a JSON object");
  const j = json as Json;

  const model = j.model as Json | undefined;
  if (model?.type !== "BPE")
    throw bad("model.type", `only BPE models are supported (got ${JSON.stringify(model?.type)})`);
  if (model.byte_fallback === true)
    throw bad("model.byte_fallback", "byte_fallback BPE (SentencePiece style) is not byte-level BPE");
  if (model.dropout !== null && model.dropout !== undefined)
    throw bad("model.dropout", "BPE dropout is not supported");
  for (const f of ["continuing_subword_prefix", "end_of_word_suffix"] as const)
    if (model[f] !== null && model[f] !== undefined && model[f] !== "")
      throw bad(`model.${f}`, "subword affixes are not supported");
  if (model.ignore_merges === true) throw bad("model.ignore_merges", "ignore_merges is not supported");

  const normalizer = j.normalizer as Json | null | undefined;
  let norm: "NFC" | null = null;
  if (normalizer) {
    if (normalizer.type !== "NFC")
      throw bad(
        "normalizer.type",
        `only the NFC normalizer is supported (got ${JSON.stringify(normalizer.type)})`,
      );
    norm = "NFC";
  }

  const maxDigits = preTokenizerDigits(j.pre_tokenizer, bad);

  const vocab = model.vocab as Record<string, number> | undefined;
  if (!vocab || typeof vocab !== "object") throw bad("model.vocab", "missing vocabulary");
  const tokens: (string | undefined)[] = [];
  for (const t in vocab) {
    const id = vocab[t];
    if (!Number.isInteger(id) || id < 0) throw bad(`model.vocab.${t}`, `bad id ${id}`);
    if (tokens[id] !== undefined) throw bad(`model.vocab.${t}`, `id ${id} used twice`);
    tokens[id] = t;
  }

  const rawMerges = model.merges as unknown[] | undefined;
  if (!Array.isArray(rawMerges)) throw bad("model.merges", "missing merges");
  const merges: [string, string][] = rawMerges.map((m, r) => {
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === "string" && typeof m[1] === "string")
      return m as [string, string];
    if (typeof m === "string") {
      const k = m.indexOf(" ", 1);
      if (k > 0) return [m.slice(0, k), m.slice(k + 1)];
    }
    throw bad(`model.merges[${r}]`, `expected [left, right] or "left right", got ${JSON.stringify(m)}`);
  });

  const added: AddedToken[] = [];
  const rawAdded = (j.added_tokens ?? []) as Json[];
  rawAdded.forEach((a, k) => {
    if (typeof a.id !== "number" || typeof a.content !== "string")
      throw bad(`added_tokens[${k}]`, "needs id and content");
    for (const f of ["lstrip", "rstrip", "single_word"] as const)
      if (a[f] === true) throw bad(`added_tokens[${k}].${f}`, `${f} added tokens are not supported`);
    // A token that is also in the model vocabulary keeps that id; HF matches it as an added token all the same.
    added.push({ id: a.id, content: a.content, special: a.special === true });
  });
  return { tokens, merges, added, normalizer: norm, maxDigits };
}

function preTokenizerDigits(pt: unknown, bad: (field: string, msg: string) => UserError): 1 | 3 {
  const p = pt as Json | null | undefined;
  const list = p?.type === "Sequence" ? (p.pretokenizers as Json[]) : p ? [p] : [];
  const split = list[0];
  const bl = list[1];
  const ok =
    list.length === 2 &&
    split?.type === "Split" &&
    split.behavior === "Isolated" &&
    split.invert === false &&
    bl?.type === "ByteLevel" &&
    bl.use_regex === false &&
    bl.add_prefix_space === false;
  const pattern = (split?.pattern as Json | undefined)?.Regex;
  if (ok && pattern === QWEN2_PATTERN) return 1;
  if (ok && pattern === LLAMA3_PATTERN) return 3;
  throw bad(
    "pre_tokenizer",
    "unsupported pre-tokenizer: plateau implements the Qwen2 and Llama 3 byte-level ones (Split on their regex, then ByteLevel without a prefix space)",
  );
}

/** The tokenizer.json (HF tokenizers format, version 1.0) of a spec: loadable by HF tokenizers and by plateau. */
export function tokenizerJsonOf(spec: TokenizerSpec): Json {
  const pattern = spec.maxDigits === 3 ? LLAMA3_PATTERN : QWEN2_PATTERN;
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false };
  const vocab: Record<string, number> = {};
  spec.tokens.forEach((t, id) => {
    if (t !== undefined) vocab[t] = id;
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: spec.added.map((a) => ({
      id: a.id,
      content: a.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: a.special,
    })),
    normalizer: spec.normalizer ? { type: spec.normalizer } : null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false },
        byteLevel,
      ],
    },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: spec.merges,
    },
  };
}
