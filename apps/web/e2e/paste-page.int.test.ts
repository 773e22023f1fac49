import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { launchBrowser, type TestBrowser } from '@pictor/test-harness/browser';
import { freePort } from '@pictor/test-harness/processes';
import { png } from '@pictor/test-harness/images';

/** The "Text" tab and the paste pages in Chromium against a whole Pictor (`--target=all`). */
const WEB_INDEX = new URL('../dist/index.html', import.meta.url);

let pictor: TestPictor;
let browser: TestBrowser;

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
    VIEWS_FLUSH_SECONDS: '1',
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
  it('when a signed-in person pastes in the Text tab, then its title link and its short link show the text, highlighted and escaped, and its author finds it under My pastes and Most viewed', async () => {
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

    // Opened by someone else twice and by its author: one view, shown to the author, with the
    // paste under "My pastes" and first under "Most viewed", before an image nobody opened.
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const uploaded = await page.request.post(`${pictor.url}/api/v1/images`, {
      headers: { Origin: pictor.url, 'X-CSRF-Token': csrfToken },
      multipart: {
        file: { name: 'photo.png', mimeType: 'image/png', buffer: await png(64, 48) },
        title: 'Unseen photo',
      },
    });
    expect(uploaded.status()).toBe(201);
    const imageId = ((await uploaded.json()) as { images: { id: string }[] }).images[0]!.id;
    const visitor = await browser.newPage(PERSON);
    await visitor.goto(links['Short link']!);
    await visitor.goto(links['Short link']!);
    const id = new URL(links['Short link']!).pathname.split('/')[2]!;
    await page.goto(`${pictor.url}/#/account`);
    const mine = page.locator('#my-pastes .own-paste');
    await mine.first().waitFor();
    expect(await mine.count()).toBe(1);
    expect(await mine.first().getByRole('link').textContent()).toBe('Hello World');
    expect(new URL((await mine.first().getByRole('link').getAttribute('href'))!).pathname).toBe(`/${name}/hello-world`);
    let mostViewed = '';
    for (let i = 0; i < 30 && !/1 view$/.test(mostViewed); i++) {
      // Views reach the database every VIEWS_FLUSH_SECONDS: reopen the page until the total is there.
      if (i > 0) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        await page.reload();
      }
      const first = page.locator(`#most-viewed li[data-id="${id}"]`);
      await first.waitFor();
      mostViewed = (await first.textContent())!.trim();
    }
    expect(mostViewed).toBe('Hello World · paste · 1 view');
    expect(
      await page.locator('#most-viewed li').evaluateAll((items) => items.map((i) => i.getAttribute('data-id'))),
    ).toEqual([id, imageId]);
    expect((await page.locator(`#most-viewed li[data-id="${imageId}"]`).textContent())!.trim()).toBe(
      'Unseen photo · image · 0 views',
    );
    expect(await page.locator(`#my-uploads .own-image[data-id="${imageId}"] .own-image-views`).textContent()).toBe(
      '0 views',
    );
    await browser.screenshot(page, 'paste-account');
  });

  it('when someone pastes without an account, then the paste is listed under "My recent pastes" in this browser, also after a reload', async () => {
    const page = await browser.newPage(PERSON);
    await page.goto(`${pictor.url}/`);
    expect(await page.locator('#recent-pastes-section').isHidden()).toBe(true);
    const links = await createInPage(page, 'remember me', 'Kept <here>');
    const item = page.locator('#recent-pastes .recent-paste');
    await item.first().waitFor();
    await page.reload();
    await item.first().waitFor();
    expect(await item.count()).toBe(1);
    expect(await item.getByRole('link').textContent()).toBe('Kept <here>');
    expect(await item.getByRole('link').getAttribute('href')).toBe(links.Link);
    await browser.screenshot(page, 'paste-recent');
    page.once('dialog', (dialog) => void dialog.accept());
    await item.getByRole('button', { name: 'Delete Kept <here>' }).click();
    await page.locator('#recent-pastes-section').waitFor({ state: 'hidden' });
    expect((await page.request.get(links.Link!)).status()).toBe(404);
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

  it('when Copy is pressed, then the clipboard holds the exact text (no line numbers, CRLF kept); line numbers show and Wrap lines wraps', async () => {
    const page = await browser.newPage({ ...PERSON, permissions: ['clipboard-read', 'clipboard-write'] });
    const text = `first line\r\nsecond <i>line</i> & "quotes"\n${'long '.repeat(400)}\n\ttabbed 🐘\n`;
    const created = await page.request.post(`${pictor.url}/api/v1/pastes`, {
      data: { content: text, title: 'Copy me', language: 'plaintext' },
    });
    expect(created.status()).toBe(201);
    const { links } = (await created.json()) as { links: { view: string } };
    await page.goto(links.view);

    const lines = page.locator('pre.paste .line');
    expect(await lines.count()).toBe(5);
    // Line numbers are CSS counters: shown beside each line, never part of the text.
    const numbers = await lines.evaluateAll((all) =>
      all.map((line) => {
        const style = getComputedStyle(line, '::before');
        return `${style.content} ${style.userSelect}`;
      }),
    );
    expect(numbers[0]).toBe('counter(line) none');
    expect(new Set(numbers).size).toBe(1);

    const pre = page.locator('pre.paste');
    const width = await pre.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(width.scroll).toBeGreaterThan(width.client);
    await page.getByLabel('Wrap lines').check();
    expect(await pre.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre-wrap');
    const wrapped = await pre.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(wrapped.scroll).toBeLessThanOrEqual(wrapped.client);
    await page.getByLabel('Wrap lines').uncheck();
    expect(await pre.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre');

    const copy = page.getByRole('button', { name: 'Copy' });
    await copy.click();
    await page.getByRole('status').filter({ hasText: 'Text copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);
    expect(await page.getByRole('link', { name: 'Raw' }).getAttribute('href')).toMatch(/\/p\/\w+\/raw$/);
    expect(browser.errorsOf(page)).toEqual([]);
  });

  it('when a Markdown paste is shown Rendered, then headings and lists render and none of its script, handlers, frames or svg reach the page', async () => {
    const page = await browser.newPage(PERSON);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const text = [
      '# Release notes',
      '',
      '- fixed **bugs**',
      '- [docs](https://example.org/docs)',
      '',
      '```',
      'const a = 1 < 2;',
      '```',
      '',
      '<script>alert("script")</script>',
      '',
      '<img src=x onerror=alert("onerror")>',
      '',
      '[click me](javascript:alert("href"))',
      '',
      '<iframe src="https://evil.example/"></iframe>',
      '',
      '<svg onload=alert("svg")><circle r=5 /></svg>',
      '',
      '<div onmouseover=alert("hover") style="position:fixed;inset:0">cover</div>',
      '',
      '![tracker](https://evil.example/pixel.png)',
      '',
      'the end',
    ].join('\n');
    const created = await page.request.post(`${pictor.url}/api/v1/pastes`, {
      data: { content: text, title: 'Notes', language: 'markdown' },
    });
    const { links } = (await created.json()) as { links: { view: string } };

    await page.goto(links.view);
    // Source first: the text as text, highlighted.
    expect(await page.locator('pre.paste').textContent()).toContain('<script>alert("script")</script>');
    await page.getByRole('link', { name: 'Rendered' }).click();
    await page.waitForURL(/\?render=markdown$/);
    const article = page.locator('article.markdown');
    expect(await article.locator('h1').textContent()).toBe('Release notes');
    expect(await article.locator('li').count()).toBe(2);
    expect(await article.locator('li strong').textContent()).toBe('bugs');
    expect(await article.locator('pre code').textContent()).toBe('const a = 1 < 2;\n');
    expect(await article.locator('script, iframe, svg, img, [onerror], [onload], [onmouseover], [style]').count()).toBe(
      0,
    );
    expect(await article.locator('a[href^="javascript:" i]').count()).toBe(0);
    expect(await article.getByRole('link', { name: 'tracker' }).getAttribute('href')).toBe(
      'https://evil.example/pixel.png',
    );
    expect(await article.textContent()).toContain('the end');
    await article.locator('text=cover').hover();
    await article.getByText('click me').click();
    expect(dialogs).toEqual([]);
    expect(page.url()).toMatch(/\?render=markdown$/);
    expect(browser.errorsOf(page)).toEqual([]);
    await browser.screenshot(page, 'paste-markdown-rendered');

    await page.getByRole('link', { name: 'Source' }).click();
    expect(await page.locator('pre.paste .line').count()).toBe(text.split('\n').length);
    expect((await page.goto(`${links.view}?render=html`))?.status()).toBe(400);
  });

  it('when axe checks the paste page, its rendered Markdown, the recent pastes and the account page, then it finds no serious or critical violation', async () => {
    const page = await browser.newPage(PERSON);
    const serious = async (label: string) => {
      const results = await new AxeBuilder({ page }).analyze();
      return results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${label}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
    };
    const name = `axe_${Date.now().toString(36)}`;
    await page.goto(`${pictor.url}/`);
    await page.request.post(`${pictor.url}/api/v1/auth/register`, {
      data: { username: name, email: `${name}@example.org`, password: 'a browser passphrase' },
    });
    expect(
      (
        await page.request.post(`${pictor.url}/api/v1/auth/login`, {
          data: { login: name, password: 'a browser passphrase' },
        })
      ).status(),
    ).toBe(200);
    const links = await createInPage(
      page,
      '# Heading\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n',
      'Axe notes',
      {
        language: 'markdown',
      },
    );
    const found = [...(await serious('Text tab with recent pastes'))];
    await page.goto(links.Link!);
    found.push(...(await serious('paste page')));
    await page.getByRole('link', { name: 'Rendered' }).click();
    await page.locator('article.markdown h1').waitFor();
    found.push(...(await serious('rendered Markdown')));
    await page.goto(`${pictor.url}/#/account`);
    await page.locator('#most-viewed').waitFor();
    found.push(...(await serious('account page')));
    expect(found).toEqual([]);
  });
});
