import net from 'node:net';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startTestPictor, type TestPictor } from '../../pictor/src/testing/harness.js';
import { launchBrowser, type TestBrowser } from '../../pictor/src/testing/browser.js';

/** The "Text" tab and the paste pages in Chromium against a whole Pictor (`--target=all`). */
const WEB_INDEX = new URL('../dist/index.html', import.meta.url);

let pictor: TestPictor;
let browser: TestBrowser;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  if (!existsSync(WEB_INDEX)) {
    throw new Error('apps/web/dist is not built: run `npm run build -w @pictor/web` (npm test builds it first)');
  }
  const port = await freePort();
  pictor = await startTestPictor({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_PASSES: '1',
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pictor?.stop();
});

// Headless Chromium says "HeadlessChrome", which counts as a crawler (it would never burn a paste);
// these pages stand for people, so they carry an ordinary browser's user agent.
const PERSON = {
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
};

async function createInPage(
  page: Page,
  text: string,
  title: string,
  options: { burn?: boolean; language?: string } = {},
): Promise<Record<string, string>> {
  await page.goto(`${pictor.url}/`);
  await page.locator('#paste-expires-in option').first().waitFor({ state: 'attached' });
  await page.getByRole('tab', { name: 'Text' }).click();
  await page.getByLabel('Text to share').fill(text);
  await page.locator('#paste-title').fill(title);
  if (options.language) await page.getByLabel('Language').selectOption(options.language);
  if (options.burn) await page.getByLabel('Burn after reading').check();
  await page.getByRole('button', { name: 'Create paste' }).click();
  await page.locator('#paste-result a').first().waitFor();
  const links: Record<string, string> = {};
  for (const item of await page.locator('#paste-result li').all()) {
    const label = (await item.textContent())!.split(':')[0]!.trim();
    links[label] = (await item.locator('a').getAttribute('href'))!;
  }
  return links;
}

describe('pastes in the browser', () => {
  it('when a signed-in person pastes in the Text tab, then its title link and its short link show the text, highlighted and escaped', async () => {
    const page = await browser.newPage(PERSON);
    const name = `web_${Date.now().toString(36)}`;
    await page.goto(`${pictor.url}/`);
    const registered = await page.request.post(`${pictor.url}/api/v1/auth/register`, {
      data: { username: name, email: `${name}@example.org`, password: 'a browser passphrase' },
    });
    expect(registered.status()).toBe(201);
    const login = await page.request.post(`${pictor.url}/api/v1/auth/login`, {
      data: { login: name, password: 'a browser passphrase' },
    });
    expect(login.status()).toBe(200);

    const links = await createInPage(page, 'def hello():\n    return "<b>hi</b>"\n', 'Hello World', {
      language: 'python',
    });
    expect(new URL(links.Link!).pathname).toBe(`/${name}/hello-world`);
    await browser.screenshot(page, 'paste-created');

    await page.goto(links['Short link']!);
    expect(await page.locator('pre.paste').textContent()).toContain('return "<b>hi</b>"');
    expect(await page.locator('pre.paste b').count()).toBe(0);
    expect(await page.locator('pre.paste .hljs-keyword').first().textContent()).toBe('def');
    await page.goto(links.Link!);
    expect(await page.locator('h1').textContent()).toBe('Hello World');
    expect(await page.locator('pre.paste .line').count()).toBe(3);
    await browser.screenshot(page, 'paste-view');
  });

  it('when a burn-after-reading paste is opened from a second browser, then it shows once and is gone after', async () => {
    const author = await browser.newPage(PERSON);
    const links = await createInPage(author, 'the secret is 42', 'Secret', { burn: true });
    const reader = await browser.newPage(PERSON);
    await reader.goto(links.Link!);
    expect(await reader.locator('pre.paste').textContent()).toContain('the secret is 42');
    const again = await (await browser.newPage(PERSON)).goto(links.Link!);
    expect(again?.status()).toBe(404);
  });
});
