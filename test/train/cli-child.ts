// Runs the CLI in a child process (for the Ctrl-C test): argv after the script are the plateau arguments.
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
