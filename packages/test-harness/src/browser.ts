import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { repoPath } from '@pictor/test-engines';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's Chromium, installed by the engines' provisioning (@pictor/test-engines, `chromium`). */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * Where browser tests write their screenshots: `test-artifacts/browser/` at the repository root
 * (git-ignored), kept after the run so a failure can be looked at.
 */
export const BROWSER_ARTIFACTS_DIR = `${repoPath('test-artifacts/browser')}/`;

/**
 * Chromium's switches for tests: headless, no sandbox (tests run as root in CI), no GPU, and
 * nothing that talks to the outside on its own (QUIC, first-run pages, background networking,
 * component updates, sync). Every host but loopback resolves to nothing, so a page that
 * reaches beyond the machine fails instead of waiting on a network that is not there.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.*, EXCLUDE [::1]',
] as const;

export interface TestBrowser {
  browser: Browser;
  /**
   * A page in a fresh context (its own cookies, storage and permissions), closed with the
   * browser. Errors the page throws, console errors (a CSP violation is one) and responses of
   * 400 or more are collected in `errorsOf(page)`.
   */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  /** Uncaught page errors, console errors and failed responses seen on a page of `newPage`, in order. */
  errorsOf(page: Page): string[];
  /** Saves a full-page PNG as `<BROWSER_ARTIFACTS_DIR>/<name>.png` and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export interface LaunchBrowserOptions {
  /** Default: PICTOR_CHROMIUM_BIN (set by the integration tests' global setup), else /usr/bin/chromium. */
  executablePath?: string;
  artifactsDir?: string;
}

/**
 * Launches Debian's Chromium through playwright-core (never a browser Playwright downloads).
 * Playwright gives every launch a fresh user-data-dir in the temp directory and removes it on
 * close, so no state carries over between launches; each `newPage` is a fresh context too.
 * A missing Chromium is a loud failure naming how to provision it.
 */
export async function launchBrowser(options: LaunchBrowserOptions = {}): Promise<TestBrowser> {
  const executablePath = options.executablePath ?? process.env.PICTOR_CHROMIUM_BIN ?? DEFAULT_CHROMIUM;
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is missing (${executablePath}): provision it with ` +
        '`npm run engines -- provision --only chromium` (Debian package chromium)',
    );
  }
  const artifactsDir = options.artifactsDir ?? BROWSER_ARTIFACTS_DIR;
  const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
  const errors = new WeakMap<Page, string[]>();
  return {
    browser,
    async newPage(contextOptions = {}) {
      const context = await browser.newContext(contextOptions);
      const page = await context.newPage();
      const seen: string[] = [];
      errors.set(page, seen);
      page.on('pageerror', (error) => seen.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') seen.push(`console error: ${message.text()}`);
      });
      // The console names no URL for a failed load: the response does.
      page.on('response', (response) => {
        if (response.status() >= 400) seen.push(`HTTP ${response.status()}: ${response.url()}`);
      });
      return page;
    },
    errorsOf(page) {
      return errors.get(page) ?? [];
    },
    async screenshot(page, name) {
      await mkdir(artifactsDir, { recursive: true });
      const file = path.join(artifactsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await browser.close();
    },
  };
}
