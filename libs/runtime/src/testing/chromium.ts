/**
 * Debian's Chromium driven by playwright-core, for the browser tests of the
 * web view: headless, no sandbox (CI runs as root), nothing fetched from the
 * network, a fresh profile per launch that is removed on close. Its own entry
 * point (`@mcpspy/runtime/testing/chromium`) so that only browser tests load
 * playwright-core.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.MCPSPY_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined. */
export function browserSkipReason(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (scripts/setup.sh installs Debian's chromium)`;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'mcpspy-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 820 },
      args: ARGS,
      timeout: 60_000,
    });
    return {
      context,
      close: async () => {
        await context.close().catch(() => undefined);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
