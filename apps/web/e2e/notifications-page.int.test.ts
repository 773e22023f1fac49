import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { launchBrowser, type TestBrowser } from '@pictor/test-harness/browser';
import { freePort } from '@pictor/test-harness/processes';
import { AccountsClient } from '@pictor/test-harness/accounts-client';

/**
 * Follows and notifications in Chromium, two people in two browser contexts against a whole
 * Pictor (`--target=all`): Ann follows Bob with the button on his profile, Bob publishes a paste
 * in the Text tab, and the notification appears on Ann's open page (Server-Sent Events, no reload)
 * with the unread count in the header; "Mark all as read" brings it back to 0.
 */
const WEB_INDEX = new URL('../dist/index.html', import.meta.url);
const PERSON = {
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
};

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
    RATE_LIMIT_LOGIN: '1000',
    // Linking only: nobody here links a chat, so nothing is ever sent to this (closed) address.
    TELEGRAM_BOT_TOKEN: '1:browser-test',
    TELEGRAM_BOT_USERNAME: 'pictor_browser_bot',
    TELEGRAM_API_URL: 'http://127.0.0.1:9',
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await pictor?.stop();
});

async function registered(username: string, password: string): Promise<void> {
  const client = new AccountsClient(pictor.url);
  expect((await client.register(username, `${username}@example.org`, password)).status).toBe(201);
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${pictor.url}/#/signin`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username or email', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My account' }).waitFor();
}

const unread = (page: Page) => page.locator('#unread-count');

describe('follows and live notifications in a browser', () => {
  it('when Ann follows Bob with the button and Bob publishes a paste, then it appears live on her open page, counted unread until she marks it read', async () => {
    await registered('ann', 'a quiet harbour evening');
    await registered('bob', 'a windy harbour morning');
    const ann = await browser.newPage(PERSON);
    const bob = await browser.newPage(PERSON);
    await signIn(ann, 'ann', 'a quiet harbour evening');
    await signIn(bob, 'bob', 'a windy harbour morning');

    // The account page offers Telegram by deep link and webhooks.
    await ann.getByRole('button', { name: 'Link Telegram' }).click();
    expect(await ann.getByRole('link', { name: 'this link' }).getAttribute('href')).toMatch(
      /^https:\/\/t\.me\/pictor_browser_bot\?start=\S+$/,
    );

    // Email notifications off and on again, kept by the server.
    const byEmail = ann.getByLabel(/Also by email/);
    expect(await byEmail.isChecked()).toBe(true);
    await byEmail.uncheck();
    await ann.getByText('Saved: email off.').waitFor();
    await ann.reload();
    await ann.getByRole('heading', { name: 'My account' }).waitFor();
    expect(await ann.getByLabel(/Also by email/).isChecked()).toBe(false);
    await ann.getByLabel(/Also by email/).check();
    await ann.getByText('Saved: email on.').waitFor();

    // Bob sees no button on his own profile.
    await bob.goto(`${pictor.url}/u/bob`);
    await bob.getByRole('heading', { name: 'bob' }).waitFor();
    await bob.waitForLoadState('networkidle');
    expect(await bob.locator('#follow-controls').isHidden()).toBe(true);
    expect(await bob.locator('#follow-button').count()).toBe(0);

    // Nor does a visitor who is not signed in, and the page still works.
    const visitor = await browser.newPage(PERSON);
    await visitor.goto(`${pictor.url}/u/bob`);
    await visitor.getByRole('heading', { name: 'bob' }).waitFor();
    await visitor.waitForLoadState('networkidle');
    expect(await visitor.locator('#follow-button').count()).toBe(0);
    expect(browser.errorsOf(visitor)).toEqual([]);

    // Ann follows him with the button; notify is on.
    await ann.goto(`${pictor.url}/u/bob`);
    await ann.getByRole('button', { name: 'Follow', exact: true }).click();
    await ann.getByRole('button', { name: 'Unfollow' }).waitFor();
    expect(await ann.getByLabel('Notify me of new images and pastes').isChecked()).toBe(true);
    await browser.screenshot(ann, 'notifications-follow');
    // It holds after a reload (read from the server, not the page).
    await ann.reload();
    await ann.getByRole('button', { name: 'Unfollow' }).waitFor();
    expect(await ann.getByLabel('Notify me of new images and pastes').isChecked()).toBe(true);

    // Ann keeps her notifications page open.
    await ann.goto(`${pictor.url}/#/notifications`);
    await ann.getByRole('heading', { name: 'Notifications' }).waitFor();
    await ann.locator('#notification-list .empty').waitFor();
    expect(await unread(ann).textContent()).toBe('0');
    await ann.evaluate(() => {
      (window as unknown as { stayed: boolean }).stayed = true;
    });

    // Bob publishes a paste in the Text tab; its title is markup, shown as text.
    await bob.goto(`${pictor.url}/`);
    await bob.locator('#paste-expires-in option').first().waitFor({ state: 'attached' });
    await bob.getByRole('tab', { name: 'Text' }).click();
    await bob.getByLabel('Text to share').fill('tide tables for the week');
    await bob.locator('#paste-title').fill('Tides <b>bold</b>');
    await bob.getByRole('button', { name: 'Create paste' }).click();
    await bob.locator('#paste-result a').first().waitFor();

    const item = ann.locator('#notification-list li.notification');
    await item.first().waitFor({ timeout: 30_000 });
    expect(await item.count()).toBe(1);
    expect(await item.first().locator('a').textContent()).toBe('bob published "Tides <b>bold</b>"');
    expect(await ann.locator('#notification-list b').count()).toBe(0);
    expect(await item.first().locator('a').getAttribute('href')).toMatch(/^\/p\/[A-Za-z0-9]{8}$/);
    await ann.waitForFunction(() => document.getElementById('unread-count')?.textContent === '1');
    // Live: the page was never reloaded.
    expect(await ann.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await browser.screenshot(ann, 'notifications-live');

    await ann.getByRole('button', { name: 'Mark all as read' }).click();
    await ann.waitForFunction(() => document.getElementById('unread-count')?.textContent === '0');
    expect(await ann.locator('#notification-list li.unread').count()).toBe(0);
    await ann.reload();
    await ann.locator('#notification-list li.notification').first().waitFor();
    expect(await unread(ann).textContent()).toBe('0');
    expect(await ann.locator('#notification-list li.unread').count()).toBe(0);

    // The button unfollows as well.
    await ann.goto(`${pictor.url}/u/bob`);
    await ann.getByRole('button', { name: 'Unfollow' }).click();
    await ann.getByRole('button', { name: 'Follow', exact: true }).waitFor();
    expect(browser.errorsOf(ann)).toEqual([]);
    expect(browser.errorsOf(bob)).toEqual([]);
  });
});
