import type { Command } from "commander";
import { resolveRunsDir } from "../runs/root.js";
import { EXIT } from "../util/errors.js";
import { colorEnabled } from "../util/term.js";

/**
 * What every command gets: the global flags resolved once, and the two output channels. Human text and
 * progress go to stderr; with --json, stdout carries exactly one JSON document (emit), nothing else.
 */
export interface Ctx {
  json: boolean;
  debug: boolean;
  color: boolean;
  runsDir: string;
  /** Write the command's single JSON document to stdout (only in --json mode; at most once). */
  emit(doc: unknown): void;
  /** Whether emit() has been called (the error handler emits an error document otherwise). */
  readonly emitted: boolean;
}

export interface GlobalOpts {
  json?: boolean;
  debug?: boolean;
  runsDir?: string;
}

export function makeCtx(cmd: Command): Ctx {
  const g = cmd.optsWithGlobals() as GlobalOpts;
  let emitted = false;
  return {
    json: Boolean(g.json),
    debug: Boolean(g.debug),
    color: colorEnabled(),
    runsDir: resolveRunsDir(g.runsDir),
    emit(doc: unknown) {
      if (emitted) throw new Error("internal: a command emitted two JSON documents");
      emitted = true;
      process.stdout.write(`${stringifyJson(doc)}\n`);
    },
    get emitted() {
      return emitted;
    },
  };
}

/** JSON.stringify that keeps NaN and ±Infinity visible as strings (JSON has no such numbers). */
export function stringifyJson(doc: unknown, indent = 2): string {
  return JSON.stringify(
    doc,
    (_k, v) => {
      if (typeof v === "number" && !Number.isFinite(v))
        return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
      return v;
    },
    indent,
  );
}

/** The context of the command currently running, for the top-level error handler. */
export let currentCtx: Ctx | undefined;

/**
 * Wrap a command's implementation: builds the context, runs it, and turns its return value into the exit code
 * (undefined → 0). Errors propagate to main(), which maps them to exit codes and one-line messages.
 */
export function action<A extends unknown[]>(
  // biome-ignore lint/suspicious/noConfusingVoidType: commands without a verdict simply return nothing
  fn: (ctx: Ctx, ...args: A) => Promise<number | undefined | void> | number | undefined | void,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const ctx = makeCtx(cmd);
    currentCtx = ctx;
    const code = await fn(ctx, ...(args.slice(0, -1) as A));
    process.exitCode = code ?? EXIT.ok;
  };
}

/** Standard help footer with examples, so every command's --help shows how it is used. */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText("after", `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`);
}
