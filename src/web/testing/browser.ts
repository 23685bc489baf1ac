/**
 * Debian's Chromium (`/usr/bin/chromium`, scripts/install-deps.sh), driven headless by
 * playwright-core for the web view's tests and benchmark: never a downloaded browser. Each
 * launch gets a fresh profile directory, removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';

export const CHROMIUM = process.env.QUARK_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that work on these machines (no GPU, no sandbox as root, nothing fetched in the background). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Page errors and console errors seen so far (a test asserts there are none). */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1600, height: 1000 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'quark-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    return {
      context,
      page,
      errors,
      async close() {
        await context.close().catch(() => undefined);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

/** Signs in through the page's own form. */
export async function signIn(
  page: Page,
  url: string,
  login: { username: string; password: string; project: string },
): Promise<void> {
  await page.goto(`${url}/ui/`);
  await page.fill('input[name=user]', login.username);
  await page.fill('input[name=password]', login.password);
  await page.fill('input[name=project]', login.project);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#view-logical svg g.el');
}
