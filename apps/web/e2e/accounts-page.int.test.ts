import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { startTestSmtpServer, type TestSmtpServer } from '@pictor/testing';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { launchBrowser, type TestBrowser } from '@pictor/test-harness/browser';
import { freePort } from '@pictor/test-harness/processes';
import { resetCodeIn } from '@pictor/test-harness/accounts-client';

/**
 * Accounts in a real browser (Debian's Chromium through playwright-core) against a whole Pictor
 * and a real SMTP server: sign up, make a token, upload signed in, find it under "My uploads",
 * sign out, reset the password with the code from the delivered email, sign in again.
 * Screenshots of each page go to test-artifacts/browser/.
 */
const WEB_INDEX = new URL('../dist/index.html', import.meta.url);

let pictor: TestPictor;
let browser: TestBrowser;
let smtp: TestSmtpServer;

beforeAll(async () => {
  if (!existsSync(WEB_INDEX)) {
    throw new Error('apps/web/dist is not built: run `npm run build -w @pictor/web` (npm test builds it first)');
  }
  smtp = await startTestSmtpServer();
  const port = await freePort();
  pictor = await startTestPictor({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SMTP_URL: smtp.url,
    ADMIN_EMAIL: 'maria@example.org',
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_PASSES: '1',
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await pictor?.stop();
  await smtp?.close();
});

async function fill(page: Page, label: string, value: string): Promise<void> {
  await page.getByLabel(label, { exact: true }).fill(value);
}

async function photo(): Promise<Buffer> {
  return sharp({ create: { width: 900, height: 600, channels: 3, background: '#3a7bd5' } })
    .png()
    .toBuffer();
}

describe('accounts in a browser', () => {
  it('when a person signs up, makes a token, uploads, signs out and resets the password by email, then each step works', async () => {
    const page = await browser.newPage();
    page.on('filechooser', () => undefined);
    await page.goto(`${pictor.url}/#/signup`);
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();

    // A weak password: the error stands next to the field, which gets focus.
    await fill(page, 'Username', 'maria');
    await fill(page, 'Email', 'maria@example.org');
    await fill(page, 'Password', 'password123');
    await page.getByRole('button', { name: 'Create account' }).click();
    const password = page.getByLabel('Password', { exact: true });
    await expect(password.getAttribute('aria-invalid')).resolves.toBe('true');
    await page.locator('.field-error:not([hidden])').filter({ hasText: 'common passwords' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password');
    await browser.screenshot(page, 'accounts-signup-error');

    await fill(page, 'Password', 'a sunny harbour morning');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await browser.screenshot(page, 'accounts-account');

    // A token, shown once.
    await fill(page, 'Token name', 'laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    const tokenField = page.getByLabel('New token', { exact: true });
    await tokenField.waitFor();
    const token = await tokenField.inputValue();
    expect(token).toMatch(/^pictor_[A-Za-z0-9_-]{43}$/);
    await page.locator('#token-list').filter({ hasText: 'laptop' }).waitFor();
    await browser.screenshot(page, 'accounts-token');
    const me = await fetch(`${pictor.url}/api/v1/account`, { headers: { Authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { username: string }).username).toBe('maria');

    // Upload from the page while signed in: the image is Maria's.
    await page.getByRole('link', { name: 'Upload' }).click();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.locator('#drop-zone').click()]);
    await chooser.setFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: await photo() });
    await page
      .locator('.upload-card [data-state="done"], .upload-card[data-state="done"]')
      .first()
      .waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: /My account/ }).click();
    const mine = page.locator('#my-uploads .own-image');
    await mine.first().waitFor();
    expect(await mine.count()).toBe(1);
    await browser.screenshot(page, 'accounts-my-uploads');

    // Admin (ADMIN_EMAIL): the users page lists her.
    await page.getByRole('link', { name: 'Users' }).click();
    await page.locator('#users tr').filter({ hasText: 'maria' }).waitFor();
    await browser.screenshot(page, 'accounts-admin-users');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await browser.screenshot(page, 'accounts-signed-out');
    expect(
      (
        await fetch(`${pictor.url}/api/v1/account`, {
          headers: { Cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
        })
      ).status,
    ).toBe(401);

    // Forgot: the code arrives by email; the reset page takes it.
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    // The sign-in page has a "Username or email" field too: filling before the hash route has
    // swapped the page in would fill the old form and submit the new one empty.
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    await fill(page, 'Username or email', 'maria@example.org');
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByRole('link', { name: 'Enter the code' }).click();
    const mail = await smtp.waitFor((m) => m.subject?.includes('reset code') === true);
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
    expect(await page.getByLabel('Username or email', { exact: true }).inputValue()).toBe('maria@example.org');
    await fill(page, 'Code from the email', resetCodeIn(mail.text ?? ''));
    await fill(page, 'New password', 'an evening by the lighthouse');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor();
    await browser.screenshot(page, 'accounts-reset-done');

    await page.getByRole('link', { name: 'Sign in', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await fill(page, 'Username or email', 'maria');
    await fill(page, 'Password', 'a sunny harbour morning');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.form-error:not([hidden]), .field-error:not([hidden])').filter({ hasText: 'wrong' }).waitFor();
    await browser.screenshot(page, 'accounts-signin-error');
    await fill(page, 'Password', 'an evening by the lighthouse');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    // The email, changed from the account page, is the one shown.
    await fill(page, 'New email', 'maria.new@example.org');
    await fill(page, 'Password to confirm', 'an evening by the lighthouse');
    await page.getByRole('button', { name: 'Change email' }).click();
    await page.locator('.account-facts dd').filter({ hasText: 'maria.new@example.org' }).waitFor();
    await browser.screenshot(page, 'accounts-email-changed');
    // The token died with the reset.
    expect(
      (await fetch(`${pictor.url}/api/v1/account`, { headers: { Authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
    const unexpected = browser.errorsOf(page).filter((e) => !/HTTP 40[01]/.test(e) && !/status of 40[01]/.test(e));
    expect(unexpected).toEqual([]);
  }, 120_000);
});
