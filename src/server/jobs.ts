import { type ChildProcess, spawn } from "node:child_process";
import { hostname } from "node:os";
import { listRuns, type RunListing } from "../runs/root.js";
import { HttpError } from "./http.js";

/**
 * Protocols started from the page. Each is the plateau CLI in a child process (`plateau <command> ARGS
 * --runs-dir ROOT`), so training never runs in the server's event loop, and a crash there cannot take the
 * server down. Stop sends SIGINT, which the CLI treats as Ctrl-C: finish the step, checkpoint, exit; a second
 * stop sends it again (the CLI then exits at once, the last checkpoint intact). Arguments go to the process as
 * an argv array (never through a shell).
 */

export interface JobInfo {
  id: string;
  command: string;
  args: string[];
  pid: number | undefined;
  started: string;
  state: "running" | "stopping" | "exited";
  exit_code: number | null;
  signal: string | null;
  /** The run directory the job writes (found by its process id in run.json). */
  run: string | null;
  /** Stop was asked (the CLI then checkpoints and exits, usually with 0 and the run `interrupted`). */
  stopped: boolean;
  /** The last lines the job printed (stderr and stdout), for the page. */
  output: string;
}

interface Job extends JobInfo {
  child: ChildProcess;
}

const JOB_LIMITS = { args: 64, argChars: 4096, outputChars: 16 * 1024, jobs: 4 } as const;

export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private seq = 0;
  private readonly listeners = new Set<() => void>();

  /**
   * @param root runs root passed to every job as --runs-dir
   * @param cli the argv that runs plateau (e.g. [node, bin/plateau.js])
   * @param allowed commands that may be started (the protocols this build has)
   */
  constructor(
    readonly root: string,
    readonly cli: string[],
    readonly allowed: string[],
    private readonly cwd: string = process.cwd(),
  ) {}

  /** Called whenever a job starts, finds its run, or ends. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  list(): JobInfo[] {
    this.linkRuns();
    return [...this.jobs.values()].map(info).reverse();
  }

  get(id: string): JobInfo | undefined {
    this.linkRuns();
    const j = this.jobs.get(id);
    return j && info(j);
  }

  start(command: unknown, args: unknown): JobInfo {
    if (typeof command !== "string" || !this.allowed.includes(command))
      throw new HttpError(
        400,
        `command must be one of: ${this.allowed.join(", ") || "(none in this build)"}`,
      );
    if (!Array.isArray(args) || args.length > JOB_LIMITS.args || !args.every((a) => typeof a === "string"))
      throw new HttpError(400, `args must be an array of at most ${JOB_LIMITS.args} strings`);
    const argv = args as string[];
    for (const a of argv) {
      if (a.length > JOB_LIMITS.argChars) throw new HttpError(400, "an argument is too long");
      if (a.includes("\0")) throw new HttpError(400, "arguments may not contain NUL");
      if (a === "--runs-dir" || a.startsWith("--runs-dir=") || a === "--json")
        throw new HttpError(400, `\`${a}\` is set by the server`);
    }
    const running = [...this.jobs.values()].filter((j) => j.state !== "exited").length;
    if (running >= JOB_LIMITS.jobs) throw new HttpError(429, `at most ${JOB_LIMITS.jobs} jobs at once`);
    const [exe, ...pre] = this.cli;
    const child = spawn(exe, [...pre, command, ...argv, "--runs-dir", this.root], {
      cwd: this.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    const id = `job-${++this.seq}`;
    const job: Job = {
      id,
      command,
      args: argv,
      pid: child.pid,
      started: new Date().toISOString(),
      state: "running",
      exit_code: null,
      signal: null,
      run: null,
      stopped: false,
      output: "",
      child,
    };
    const keep = (chunk: Buffer) => {
      job.output = (job.output + chunk.toString("utf8")).slice(-JOB_LIMITS.outputChars);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("error", (err) => {
      job.output += `\n${err.message}`;
      job.state = "exited";
      this.changed();
    });
    child.on("exit", (code, signal) => {
      this.linkRuns();
      job.state = "exited";
      job.exit_code = code;
      job.signal = signal;
      this.changed();
    });
    this.jobs.set(id, job);
    this.changed();
    // look for the run the job creates until it appears (the page links to it) or the job ends
    const linker = setInterval(() => {
      if (job.run !== null || job.state === "exited") clearInterval(linker);
      else this.linkRuns();
    }, 300);
    linker.unref();
    return info(job);
  }

  stop(id: unknown): JobInfo {
    const job = typeof id === "string" ? this.jobs.get(id) : undefined;
    if (!job) throw new HttpError(404, "no such job");
    if (job.state !== "exited") {
      job.stopped = true;
      job.state = "stopping";
      job.child.kill("SIGINT");
      this.changed();
    }
    return info(job);
  }

  /** The job that writes run `runId`, if one of ours does. */
  jobForRun(runId: string): JobInfo | undefined {
    this.linkRuns();
    for (const j of this.jobs.values()) if (j.run === runId) return info(j);
    return undefined;
  }

  /** Stop every running job and wait (up to `ms`) for them to checkpoint and exit. */
  async shutdown(ms = 15_000): Promise<void> {
    const live = [...this.jobs.values()].filter((j) => j.state !== "exited");
    for (const j of live) j.child.kill("SIGINT");
    await Promise.race([
      Promise.all(
        live.map((j) => new Promise((r) => (j.state === "exited" ? r(null) : j.child.once("exit", r)))),
      ),
      new Promise((r) => setTimeout(r, ms).unref()),
    ]);
    for (const j of live) if (j.state !== "exited") j.child.kill("SIGKILL");
  }

  /** Find the run directory each job writes: the run.json whose pid is the job's process on this host. */
  private linkRuns(): void {
    const unlinked = [...this.jobs.values()].filter(
      (j) => j.run === null && j.pid !== undefined && j.state !== "exited",
    );
    if (unlinked.length === 0) return;
    const byPid = new Map<number, string>();
    const host = hostname();
    const walk = (ls: RunListing[]) => {
      for (const r of ls) {
        if (r.manifest.pid !== undefined && r.manifest.host === host && !r.manifest.parent)
          byPid.set(r.manifest.pid, r.manifest.id);
        walk(r.children);
      }
    };
    walk(listRuns(this.root).runs);
    let found = false;
    for (const j of unlinked) {
      const id = byPid.get(j.pid as number);
      if (id) {
        j.run = id;
        found = true;
      }
    }
    if (found) this.changed();
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}

function info(j: Job): JobInfo {
  return {
    id: j.id,
    command: j.command,
    args: j.args,
    pid: j.pid,
    started: j.started,
    state: j.state,
    exit_code: j.exit_code,
    signal: j.signal,
    run: j.run,
    stopped: j.stopped,
    output: j.output,
  };
}
