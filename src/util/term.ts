/**
 * Terminal conventions shared by every command: human output goes to stderr (stdout is reserved for the one
 * JSON document of --json, or for data a command is asked to print), colour only on a TTY and never when
 * NO_COLOR is set (https://no-color.org), FORCE_COLOR forces it.
 */

export function colorEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;

export type Style = keyof typeof codes;

export function paint(style: Style, s: string, enabled = colorEnabled()): string {
  if (!enabled) return s;
  const [a, b] = codes[style];
  return `\u001b[${a}m${s}\u001b[${b}m`;
}

/** One line of human output on stderr. */
export function say(s = ""): void {
  process.stderr.write(`${s}\n`);
}

export function warn(s: string): void {
  process.stderr.write(`${paint("yellow", "warning:")} ${s}\n`);
}

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(r).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function fmtBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let x = n;
  while (Math.abs(x) >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${i === 0 ? x : x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)} ${units[i]}`;
}

/** 1234567 → "1.23M"; for parameter and token counts in prose. */
export function fmtCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e12) return `${(n / 1e12).toFixed(2)}T`;
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** 1234567 → "1,234,567"; for exact counts. */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point
const ANSI = /\u001b\[[0-9;]*m/g;

/** Simple aligned table for terminal output. */
export function table(rows: string[][], opts: { align?: ("l" | "r")[]; indent?: string } = {}): string {
  if (rows.length === 0) return "";
  const strip = (s: string) => s.replace(ANSI, "");
  const widths: number[] = [];
  for (const r of rows) {
    for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i] ?? 0, strip(r[i]).length);
  }
  const indent = opts.indent ?? "";
  return rows
    .map(
      (r) =>
        indent +
        r
          .map((c, i) => {
            const pad = " ".repeat(widths[i] - strip(c).length);
            return opts.align?.[i] === "r" ? pad + c : c + pad;
          })
          .join("  ")
          .trimEnd(),
    )
    .join("\n");
}
