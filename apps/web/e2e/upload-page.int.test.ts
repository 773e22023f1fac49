import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { launchBrowser, type TestBrowser } from '@pictor/test-harness/browser';
import { freePort } from '@pictor/test-harness/processes';

/**
 * The upload page in a real browser (Debian's Chromium through playwright-core) against a whole
 * Pictor (`--target=all`): what a person does with it, and what they get back.
 */
const WEB_INDEX = new URL('../dist/index.html', import.meta.url);

let pictor: TestPictor;
let browser: TestBrowser;

beforeAll(async () => {
  if (!existsSync(WEB_INDEX)) {
    throw new Error('apps/web/dist is not built: run `npm run build -w @pictor/web` (npm test builds it first)');
  }
  // A known port, so the links Pictor builds on PUBLIC_URL lead back to it.
  const port = await freePort();
  pictor = await startTestPictor({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
  browser = await launchBrowser();
});

afterEach(async () => {
  // Each test's pages go with it: a page left open would keep the focus to itself.
  await Promise.all(browser.browser.contexts().map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
  await pictor?.stop();
});

/** A photo-like PNG the worker will make variants of (wider than the smallest variant width). */
async function photo(width = 1200, height = 800, hue = 40): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 3;
      pixels[i] = (x * 255) / width;
      pixels[i + 1] = (y * 255) / height;
      pixels[i + 2] = hue;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

async function openUploadPage(page: Page): Promise<void> {
  // Playwright intercepts file choosers only once a listener exists, and turns interception on
  // asynchronously: listening from the start means a quick key press never races it.
  page.on('filechooser', () => undefined);
  await page.goto(`${pictor.url}/`);
  // The limits are loaded: the expiry choices come from the server.
  await page.locator('#expires-in option').first().waitFor({ state: 'attached' });
}

const card = (page: Page, name: string) => page.locator('.upload-card').filter({ hasText: name });

/** Waits until the card of `name` says Uploaded, and returns the links it shows. */
async function uploadedLinks(page: Page, name: string): Promise<Record<string, string>> {
  const done = card(page, name).and(page.locator('[data-state="done"]'));
  await done.waitFor({ timeout: 30_000 });
  const rows = done.locator('.copy-row');
  const links: Record<string, string> = {};
  for (let i = 0; i < (await rows.count()); i += 1) {
    const label = (await rows.nth(i).locator('label').textContent()) ?? '';
    links[label] = await rows.nth(i).locator('input').inputValue();
  }
  return links;
}

/** The direct link serves the uploaded image: what a person pasting the link would see. */
async function expectServedImage(url: string, width: number, height: number): Promise<void> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^image\//);
  const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
  expect({ width: meta.width, height: meta.height }).toEqual({ width, height });
}

/** Files the page can receive from a drop or a paste: built inside the page from bytes. */
async function dataTransferWith(page: Page, files: { name: string; type: string; bytes: Buffer }[]) {
  return page.evaluateHandle(
    (list) => {
      const transfer = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], f.name, { type: f.type }));
      }
      return transfer;
    },
    files.map((f) => ({ name: f.name, type: f.type, base64: f.bytes.toString('base64') })),
  );
}

async function waitUntilReady(id: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${pictor.url}/api/v1/images/${id}`);
    const body = (await res.json()) as { status?: string };
    if (body.status === 'ready') return;
    if (Date.now() > deadline) throw new Error(`image ${id} not ready: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const idOf = (directLink: string) => /\/i\/([^/.]+)/.exec(directLink)?.[1] ?? '';

describe('the upload page in a browser', () => {
  it('when a person picks a file with the picker, then it uploads, its links work and the page raised no error', async () => {
    const page = await browser.newPage();
    await openUploadPage(page);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.locator('#drop-zone').click()]);
    expect(chooser.isMultiple()).toBe(true);
    await chooser.setFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: await photo(1200, 800) });

    const links = await uploadedLinks(page, 'harbour.png');
    expect(Object.keys(links)).toEqual(['Direct link', 'View page', 'Markdown', 'HTML', 'BBCode', 'Delete link']);
    expect(links['Markdown']).toContain(links['Direct link']);
    await expectServedImage(links['Direct link']!, 1200, 800);
    await browser.screenshot(page, 'upload-picker');
    expect(browser.errorsOf(page)).toEqual([]);
  });

  it('when files are dropped on the page, then the drop zone lights up and each file gets its own card', async () => {
    const page = await browser.newPage();
    await openUploadPage(page);
    const transfer = await dataTransferWith(page, [
      { name: 'first.png', type: 'image/png', bytes: await photo(640, 480, 10) },
      { name: 'second.png', type: 'image/png', bytes: await photo(480, 640, 200) },
    ]);
    await page.dispatchEvent('#drop-zone', 'dragenter', { dataTransfer: transfer });
    await page.dispatchEvent('#drop-zone', 'dragover', { dataTransfer: transfer });
    await expect(page.locator('#drop-zone').getAttribute('class')).resolves.toContain('is-over');
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
    expect(await page.locator('#drop-zone').getAttribute('class')).not.toContain('is-over');

    await expectServedImage((await uploadedLinks(page, 'first.png'))['Direct link']!, 640, 480);
    await expectServedImage((await uploadedLinks(page, 'second.png'))['Direct link']!, 480, 640);
    await browser.screenshot(page, 'upload-drop');
  });

  it('when an image is pasted, then it uploads under a dated name instead of "image.png"', async () => {
    const page = await browser.newPage();
    await openUploadPage(page);
    const transfer = await dataTransferWith(page, [
      { name: 'image.png', type: 'image/png', bytes: await photo(300, 200) },
    ]);
    await page.evaluate((clipboardData) => {
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
    }, transfer);
    const title = page.locator('.upload-card .card-title');
    await expect(title.textContent()).resolves.toMatch(/^pasted-\d{4}-\d\d-\d\dT[\d-]+\.png$/);
    const name = (await title.textContent())!;
    await expectServedImage((await uploadedLinks(page, name))['Direct link']!, 300, 200);
  });

  it('when the connection is slow, then the card shows the upload progressing before it is done', async () => {
    const page = await browser.newPage();
    await openUploadPage(page);
    const cdp = await page.context().newCDPSession(page);
    // About 1.4 MB at 512 KiB/s: long enough to watch the bar move.
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 512 * 1024,
    });
    const bytes = await sharp({
      create: {
        width: 1000,
        height: 1000,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    expect(bytes.length).toBeGreaterThan(1_000_000);
    await page.locator('#file-input').setInputFiles({ name: 'noise.png', mimeType: 'image/png', buffer: bytes });

    // Sampled by the page itself, so no intermediate state is missed between two polls.
    const partial = await page.waitForFunction(
      () => {
        const bar = document.querySelector<HTMLProgressElement>('.upload-card progress');
        const status = document.querySelector('.upload-card .card-status')?.textContent ?? '';
        return bar && bar.value > 0 && bar.value < 100 && /^Uploading… .+ of .+/.test(status)
          ? { value: bar.value, status }
          : null;
      },
      undefined,
      { polling: 'raf', timeout: 20_000 },
    );
    const seen = (await partial.jsonValue())!;
    expect(seen.value).toBeGreaterThan(0);
    expect(seen.value).toBeLessThan(100);
    await browser.screenshot(page, 'upload-progress');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await expectServedImage((await uploadedLinks(page, 'noise.png'))['Direct link']!, 1000, 1000);
  });

  it('when a Copy button is pressed, then the clipboard holds that link and the button says so', async () => {
    const page = await browser.newPage({ permissions: ['clipboard-read', 'clipboard-write'] });
    await openUploadPage(page);
    await page
      .locator('#file-input')
      .setInputFiles({ name: 'copy.png', mimeType: 'image/png', buffer: await photo(320, 240) });
    const links = await uploadedLinks(page, 'copy.png');
    for (const label of ['Direct link', 'Markdown']) {
      const button = card(page, 'copy.png').getByRole('button', { name: `Copy ${label}`, exact: true });
      await button.click();
      await button.filter({ hasText: 'Copied' }).waitFor({ timeout: 5_000 });
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(links[label]);
    }
  });

  it('when the page is opened again, then the recent list still has the upload, and Delete removes the image from the server', async () => {
    const page = await browser.newPage();
    await openUploadPage(page);
    await page
      .locator('#file-input')
      .setInputFiles({ name: 'recent.png', mimeType: 'image/png', buffer: await photo(400, 300) });
    const direct = (await uploadedLinks(page, 'recent.png'))['Direct link']!;
    const id = idOf(direct);

    await page.reload();
    const item = page.locator('#recent .recent-item').filter({ hasText: id });
    await item.waitFor();
    await expect(page.locator('#recent-empty').isHidden()).resolves.toBe(true);
    await browser.screenshot(page, 'recent-list');

    page.once('dialog', (dialog) => void dialog.accept());
    await item.getByRole('button', { name: `Delete ${id}` }).click();
    await item.waitFor({ state: 'detached' });
    // Focus goes back to the list's heading, so a keyboard user is not lost.
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('recent-heading');
    expect((await fetch(`${pictor.url}/api/v1/images/${id}`)).status).toBe(404);
    expect((await fetch(direct)).status).toBe(404);
  });

  it('when the image is processed, then its view page offers AVIF and WebP sources the browser can load', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openUploadPage(page);
    await page
      .locator('#file-input')
      .setInputFiles({ name: 'view.png', mimeType: 'image/png', buffer: await photo(1600, 1000) });
    const links = await uploadedLinks(page, 'view.png');
    await waitUntilReady(idOf(links['Direct link']!));

    await page.goto(links['View page']!);
    const sources = await page
      .locator('picture source')
      .evaluateAll((nodes) =>
        nodes.map((n) => ({ type: n.getAttribute('type'), srcset: n.getAttribute('srcset') ?? '' })),
      );
    expect(sources.map((s) => s.type)).toEqual(['image/avif', 'image/webp']);
    for (const source of sources) {
      const candidates = source.srcset.split(',').map((c) => c.trim().split(/\s+/) as [string, string]);
      expect(candidates.length).toBeGreaterThan(0);
      for (const [url, width] of candidates) {
        const res = await fetch(url);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(source.type);
        const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
        expect(`${String(meta.width)}w`).toBe(width);
      }
    }
    // Chromium picked one of the sources (AVIF first) and decoded it.
    const shown = await page
      .locator('picture img')
      .evaluate((img: HTMLImageElement) => img.decode().then(() => ({ src: img.currentSrc, width: img.naturalWidth })));
    expect(shown.src).toMatch(/\.avif$/);
    expect(shown.width).toBeGreaterThan(0);
    await browser.screenshot(page, 'view-page');
    expect(browser.errorsOf(page)).toEqual([]);
  });

  it('when only the keyboard is used, then the skip link, the picker and the copy buttons all work', async () => {
    const page = await browser.newPage({ permissions: ['clipboard-read', 'clipboard-write'] });
    await openUploadPage(page);
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.className || '');

    await page.keyboard.press('Tab');
    expect(await focused()).toBe('skip-link');
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('main');

    // From the main content, the Images/Text tabs come first (one stop: arrow keys move between
    // them), then the drop zone; Enter opens the picker.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('tab-images');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('drop-zone');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
    await chooser.setFiles({ name: 'keys.png', mimeType: 'image/png', buffer: await photo(320, 240) });
    const links = await uploadedLinks(page, 'keys.png');

    // Space opens it too, as on any button.
    await page.locator('#drop-zone').focus();
    const [again] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    expect(again.isMultiple()).toBe(true);

    // Tab on until the direct link's Copy button, as a keyboard user would.
    let steps = 0;
    while (
      !(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') === 'Copy Direct link')) &&
      steps < 40
    ) {
      await page.keyboard.press('Tab');
      steps += 1;
    }
    expect(steps).toBeLessThan(40);
    await page.keyboard.press('Enter');
    await card(page, 'keys.png')
      .getByRole('button', { name: 'Copy Direct link', exact: true })
      .filter({ hasText: 'Copied' })
      .waitFor({ timeout: 5_000 });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(links['Direct link']);
    // Every focused control shows where the focus is.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
  });

  it('when axe checks the page, the results and the view page, then it finds no serious or critical violation', async () => {
    const page = await browser.newPage();
    await openUploadPage(page);
    const serious = async (label: string) => {
      const results = await new AxeBuilder({ page }).analyze();
      return results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${label}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
    };
    const found = [...(await serious('empty page'))];

    await page
      .locator('#file-input')
      .setInputFiles({ name: 'axe.png', mimeType: 'image/png', buffer: await photo(640, 480) });
    const links = await uploadedLinks(page, 'axe.png');
    found.push(...(await serious('after an upload')));

    await waitUntilReady(idOf(links['Direct link']!));
    await page.goto(links['View page']!);
    found.push(...(await serious('view page')));
    expect(found).toEqual([]);
  });

  it('when the page is opened on a phone, then nothing overflows sideways and an upload works', async () => {
    const page = await browser.newPage({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 3,
      isMobile: true,
      hasTouch: true,
    });
    await openUploadPage(page);
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    const zone = (await page.locator('#drop-zone').boundingBox())!;
    expect(zone.x).toBeGreaterThanOrEqual(0);
    expect(zone.x + zone.width).toBeLessThanOrEqual(390);

    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.locator('#drop-zone').tap()]);
    await chooser.setFiles({
      name: 'a-rather-long-file-name-from-a-phone-camera-roll.png',
      mimeType: 'image/png',
      buffer: await photo(800, 600),
    });
    const links = await uploadedLinks(page, 'a-rather-long-file-name-from-a-phone-camera-roll.png');
    // The long links and the card sit inside the screen too.
    expect(await overflow()).toBeLessThanOrEqual(0);
    await browser.screenshot(page, 'phone');
    await expectServedImage(links['Direct link']!, 800, 600);
  });
});
