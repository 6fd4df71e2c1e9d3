import { type Command, Option } from "commander";
import { isLoopback, startServer } from "../../server/index.js";
import { paint, say } from "../../util/term.js";
import { action, examples } from "../context.js";
import { VERSION } from "../program.js";
import { nonNegativeInt } from "./model.js";

/** Commands the page may start: plateau's protocols, whichever of them this build has. */
const PROTOCOL_COMMANDS = [
  "train",
  "overfit",
  "ladder",
  "lr-sweep",
  "capacity",
  "optimizer",
  "cooldown",
  "doctor",
];

const DEFAULT_PORT = 6066;

interface ServeOpts {
  port: number;
  host: string;
  logs?: string[];
}

export function register(program: Command): void {
  const cmd = program
    .command("serve")
    .description(
      "the dashboard: runs and imported logs with status and findings, live curves, comparisons, reports, protocols started and stopped from the page",
    )
    .addOption(
      new Option("--port <n>", "port (0 = any free port)").argParser(nonNegativeInt).default(DEFAULT_PORT),
    )
    .addOption(
      new Option(
        "--host <address>",
        "address to bind; anything but loopback (e.g. 0.0.0.0) requires the random access token printed at start",
      ).default("127.0.0.1"),
    )
    .option(
      "--logs <paths...>",
      "also show these log files or folders (HF, TensorBoard, MLflow, CSV, text logs)",
    );
  examples(cmd, [
    "plateau serve",
    "plateau serve --runs-dir /data/plateau-runs --port 8080",
    "plateau serve --logs ~/runs/hf-output ~/tb/logdir",
    "plateau serve --host 0.0.0.0   # reachable from other machines, with an access token",
  ]).action(
    action(async (ctx, opts: ServeOpts) => {
      const names = program.commands.map((c) => c.name());
      const server = await startServer({
        root: ctx.runsDir,
        host: opts.host,
        port: opts.port,
        logs: opts.logs,
        protocols: PROTOCOL_COMMANDS.filter((c) => names.includes(c)),
        commands: names,
        version: VERSION,
      });
      if (ctx.json) {
        ctx.emit({
          url: server.openUrl,
          host: server.host,
          port: server.port,
          token: server.token ?? null,
          runs_dir: ctx.runsDir,
        });
      }
      say(`plateau serve: ${paint("bold", server.openUrl, ctx.color)}`);
      say(`  runs root ${ctx.runsDir}${opts.logs?.length ? ` · logs ${opts.logs.join(", ")}` : ""}`);
      if (!isLoopback(server.host))
        say(
          paint(
            "yellow",
            `  bound to ${server.host}: other machines can connect; every request needs the token in this URL`,
            ctx.color,
          ),
        );
      say("  Ctrl-C stops the server (protocols it started checkpoint and stop too)");
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          say("plateau serve: stopping");
          server.close().then(resolve, resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    }),
  );
}
