import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/**
 * Browser tests drive Debian's chromium through playwright-core — never `playwright install`, nothing is
 * downloaded. The binary is $PLATEAU_CHROMIUM or /usr/bin/chromium. When it is missing the browser tests skip
 * with a message, unless PLATEAU_REQUIRE_BROWSER=1 (set by .ci/run, which installs chromium): then they fail.
 *
 *   const browser = browserOrSkip();            // at the top of a describe file
 *   describe.skipIf(!browser.available)(…, () => { const ctx = await launchBrowser(); … await ctx.close(); });
 */

export const CHROMIUM = process.env.PLATEAU_CHROMIUM ?? "/usr/bin/chromium";

export interface BrowserAvailability {
  available: boolean;
  reason?: string;
}

export function browserOrSkip(): BrowserAvailability {
  if (existsSync(CHROMIUM)) return { available: true };
  const reason = `chromium not found at ${CHROMIUM} (install Debian's chromium or set PLATEAU_CHROMIUM)`;
  if (process.env.PLATEAU_REQUIRE_BROWSER === "1") throw new Error(`browser tests required: ${reason}`);
  process.stderr.write(`skipping browser tests: ${reason}\n`);
  return { available: false, reason };
}

/** The flags every plateau browser test runs chromium with: headless, offline, no first-run or sync noise. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

export interface LaunchedBrowser {
  context: BrowserContext;
  /** Close the browser and delete its profile. */
  close(): Promise<void>;
}

/**
 * Launch chromium with a fresh profile (--user-data-dir in a new temporary folder, passed the way playwright
 * requires: as launchPersistentContext's first argument). The viewport defaults to 1280×900.
 */
export async function launchBrowser(
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "plateau-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: opts.viewport ?? { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where browser tests save screenshots for people to look at (git-ignored: test/.tmp/). */
export function screenshotDir(): string {
  const dir = join("test", ".tmp", "screenshots");
  mkdirSync(dir, { recursive: true });
  return dir;
}
