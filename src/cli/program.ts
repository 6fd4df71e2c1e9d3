import { Command, Option } from "commander";
import { commands } from "./commands/index.js";

/** The `plateau` program with every command registered. Exported separately from main() for tests. */
export function buildProgram(): Command {
  const program = new Command("plateau");
  // Must precede the subcommands so they inherit it: usage errors become exceptions main() maps to exit 2.
  program.exitOverride();
  program
    .description(
      "A workbench for LLM pretraining runs whose loss has stopped going down: diagnose the logs, audit the data, run the overfit test and the probes, report.",
    )
    .version(VERSION, "-V, --version")
    .addOption(
      new Option("--json", "print exactly one JSON document on stdout (human output stays on stderr)"),
    )
    .addOption(new Option("--runs-dir <dir>", "runs root (default: ./runs, or $PLATEAU_RUNS_DIR)"))
    .addOption(new Option("--debug", "show stack traces for errors"))
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addHelpText(
      "after",
      `
Exit codes: 0 ok · 1 a check or verdict failed · 2 usage or input error · 3 internal error.
Colour follows the terminal; NO_COLOR=1 turns it off.`,
    );
  for (const register of commands) register(program);
  return program;
}

export const VERSION = "0.1.0";
