/**
 * Errors that map to the CLI's exit codes (README "Exit codes").
 *
 * A UserError is something the user can fix (bad input file, bad flag, bad config field): the CLI prints one
 * line, `where: message`, and exits 2 — no stack trace unless --debug. A CheckFailed is a verdict that came out
 * negative (an overfit test that failed, a strict audit with bad lines): exit 1. Anything else is a bug in
 * plateau: exit 3 with the stack.
 */

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, internal: 3 } as const;

/** Where a user error points: a file (with optional 1-based line and column), a field path, or both. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  field?: string;
}

export function formatLocation(loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) {
    let f = loc.file;
    if (loc.line !== undefined) f += `:${loc.line}`;
    if (loc.line !== undefined && loc.column !== undefined) f += `:${loc.column}`;
    parts.push(f);
  }
  if (loc.field !== undefined && loc.field !== "") parts.push(loc.field);
  return parts.join(": ");
}

export class UserError extends Error {
  readonly exitCode: number = EXIT.usage;
  constructor(
    message: string,
    readonly location: ErrorLocation = {},
  ) {
    super(message);
    this.name = "UserError";
  }

  /** The single line the CLI prints. */
  oneLine(): string {
    const where = formatLocation(this.location);
    return where ? `${where}: ${this.message}` : this.message;
  }
}

export class CheckFailed extends Error {
  readonly exitCode: number = EXIT.checkFailed;
  constructor(message: string) {
    super(message);
    this.name = "CheckFailed";
  }
}

/** Node's own errors for missing or unreadable files are user errors, not bugs. */
export function asUserError(err: unknown, file?: string): UserError | undefined {
  if (err instanceof UserError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const path = (err as NodeJS.ErrnoException | undefined)?.path ?? file;
  switch (code) {
    case "ENOENT":
      return new UserError("no such file or directory", { file: path });
    case "EACCES":
    case "EPERM":
      return new UserError("permission denied", { file: path });
    case "EISDIR":
      return new UserError("is a directory, expected a file", { file: path });
    case "ENOTDIR":
      return new UserError("not a directory", { file: path });
    case "ENOSPC":
      return new UserError("no space left on device", { file: path });
    default:
      return undefined;
  }
}
