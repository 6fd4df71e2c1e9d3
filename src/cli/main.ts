import { CommanderError } from "commander";
import { asUserError, CheckFailed, EXIT } from "../util/errors.js";
import { paint } from "../util/term.js";
import { currentCtx } from "./context.js";
import { buildProgram } from "./program.js";

/**
 * Entry point: run the program and map every outcome to an exit code. User errors print one line (no stack
 * unless --debug); commander's usage errors exit 2; anything unexpected is an internal error (exit 3).
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes("--debug");
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (err) {
    return report(err, debug);
  }
}

function report(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // help and version end with code 0; commander has already printed the usage message for real errors.
    if (
      err.code === "commander.helpDisplayed" ||
      err.code === "commander.version" ||
      err.code === "commander.help"
    )
      return EXIT.ok;
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const ctx = currentCtx;
  const userErr = asUserError(err);
  let code: number;
  let line: string;
  if (userErr) {
    code = EXIT.usage;
    line = userErr.oneLine();
  } else if (err instanceof CheckFailed) {
    code = EXIT.checkFailed;
    line = err.message;
  } else {
    code = EXIT.internal;
    line = `internal error: ${(err as Error)?.message ?? String(err)}${debug ? "" : " (run with --debug for the stack trace)"}`;
  }
  process.stderr.write(`${paint("red", "error:")} ${line}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  if (ctx?.json && !ctx.emitted) {
    const loc = userErr?.location ?? {};
    ctx.emit({ error: { message: userErr ? userErr.message : line, exit_code: code, ...loc } });
  }
  return code;
}
