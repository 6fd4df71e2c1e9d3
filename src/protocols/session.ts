import { Progress, type ProgressOptions } from "../util/progress.js";
import { say } from "../util/term.js";

/**
 * What a protocol needs from whoever runs it: where human lines go, progress bars, and whether the user asked
 * it to stop (Ctrl-C). The CLI makes one per command (`interactiveSession`); tests and the benchmark make a
 * quiet one.
 */
export interface Session {
  /** A line of human output (stderr), or nothing when quiet. */
  log(line: string): void;
  /** A progress bar (drawn only on a TTY). */
  progress(opts: ProgressOptions): Progress;
  /** True once the user asked to stop: the running job checkpoints and the protocol returns "interrupted". */
  stopRequested(): boolean;
}

export function quietSession(stop: () => boolean = () => false): Session {
  return {
    log: () => {},
    progress: (o) => new Progress({ ...o, enabled: false }),
    stopRequested: stop,
  };
}

/**
 * A session for a terminal command: lines to stderr (unless quiet), progress bars on a TTY, and Ctrl-C handled
 * as "finish this step, checkpoint, stop"; a second Ctrl-C exits at once (the last checkpoint stays intact).
 * Call dispose() when the command ends.
 */
export function interactiveSession(quiet: boolean): Session & { dispose(): void; interrupted(): boolean } {
  let interrupts = 0;
  const bars = new Set<Progress>();
  const onSigint = () => {
    interrupts++;
    for (const b of bars) b.finish();
    if (interrupts > 1) {
      say("second Ctrl-C: exiting now (the last checkpoint is intact)");
      process.exit(130);
    }
    say("Ctrl-C: finishing this step and writing a checkpoint (Ctrl-C again to exit at once)");
  };
  process.on("SIGINT", onSigint);
  return {
    log: (line) => {
      if (quiet) return;
      for (const b of bars) b.finish();
      say(line);
    },
    progress: (o) => {
      const p = new Progress(quiet ? { ...o, enabled: false } : o);
      bars.add(p);
      return p;
    },
    stopRequested: () => interrupts > 0,
    interrupted: () => interrupts > 0,
    dispose: () => {
      process.off("SIGINT", onSigint);
      for (const b of bars) b.finish();
    },
  };
}
