import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ParsedMail } from 'mailparser';
import { startTestSmtpServer, type TestSmtpServer } from '@pictor/testing';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { engines, freshDatabase } from '@pictor/test-harness/engines';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';

// The one-click unsubscribe of follow-notification emails, on the real engines (PostgreSQL,
// Kafka) and a real SMTP server: the link in the email and its List-Unsubscribe header (RFC 8058)
// turn notify off for that one follow, without signing in; reading the link changes nothing.
const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };

let database: { url: string; drop(): Promise<void> };
let smtp: TestSmtpServer;
let pictor: TestPictor;
let counter = 0;

async function member() {
  counter++;
  const username = `un${counter}_${Date.now().toString(36)}`;
  const password = `a long passphrase number ${counter}`;
  const client = new AccountsClient(pictor.url);
  expect((await client.register(username, `${username}@example.org`, password)).status).toBe(201);
  expect((await client.login(username, password)).status).toBe(200);
  return { client, username, email: `${username}@example.org` };
}

const header = (mail: ParsedMail, name: string) =>
  mail.headerLines.filter((h) => h.key === name.toLowerCase()).map((h) => h.line.slice(h.line.indexOf(':') + 1).trim());

/** The path of the link `List-Unsubscribe` carries (the site is PUBLIC_URL; requests go to the test server). */
function unsubscribePath(mail: ParsedMail): string {
  const [value] = header(mail, 'List-Unsubscribe');
  const url = /^<([^>]+)>$/.exec(value ?? '')?.[1];
  expect(url).toBeDefined();
  return new URL(url!).pathname;
}

/** What a mail program sends for List-Unsubscribe-Post: no cookie, no CSRF token, another site. */
function oneClick(path: string, body = 'List-Unsubscribe=One-Click') {
  return fetch(`${pictor.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
    body,
  });
}

const published = (email: string, title: string) => (m: ParsedMail) =>
  JSON.stringify(m.to).includes(email) && m.subject?.includes(`published "${title}"`) === true;

beforeAll(async () => {
  database = await freshDatabase();
  smtp = await startTestSmtpServer();
  pictor = await startTestPictor({
    ...FAST_ARGON2,
    DATABASE_URL: database.url,
    KAFKA_BROKERS: engines().kafkaBrokers,
    SMTP_URL: smtp.url,
    RATE_LIMIT_LOGIN: '1000',
    RATE_LIMIT_RESET: '1000',
    RATE_LIMIT_UPLOADS: '0',
    NOTIFY_RETRY_BASE_MS: '50',
  });
});

afterAll(async () => {
  await pictor?.stop();
  await smtp?.close();
  await database?.drop();
});

describe('one-click unsubscribe from follow notifications', () => {
  it('when a follower posts the link of an email, then that follow stops notifying while other followers and follows go on', async () => {
    const author = await member();
    const other = await member();
    const fan = await member();
    const bystander = await member();
    for (const [who, whom] of [
      [fan, author],
      [fan, other],
      [bystander, author],
    ] as const) {
      const put = await who.client.request('PUT', `/api/v1/users/${whom.username}/follow`, { json: { notify: true } });
      expect(put.status).toBe(201);
    }

    const first = await author.client.request('POST', '/api/v1/pastes', { json: { content: 'one', title: 'First' } });
    expect(first.status).toBe(201);
    const mail = await smtp.waitFor(published(fan.email, 'First'), 30_000);
    const bystanderMail = await smtp.waitFor(published(bystander.email, 'First'), 30_000);
    expect(header(mail, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe=One-Click']);
    const path = unsubscribePath(mail);
    expect(path).toMatch(/^\/unsubscribe\/[A-Za-z0-9_.-]+$/);
    // The same link in the text and the HTML; each follower's own.
    expect(mail.text).toContain(`${pictor.config.http.publicUrl}${path}`);
    expect(mail.html).toContain(`href="${pictor.config.http.publicUrl}${path}"`);
    expect(unsubscribePath(bystanderMail)).not.toBe(path);
    // The follower-count email to the author is not about a follow of theirs: no unsubscribe link.
    const followerMail = await smtp.waitFor(
      (m) => JSON.stringify(m.to).includes(author.email) && m.subject === `${fan.username} follows you on Pictor`,
      30_000,
    );
    expect(header(followerMail, 'List-Unsubscribe')).toEqual([]);

    // Reading the link (a person, or a mail scanner fetching every link) changes nothing.
    const page = await fetch(`${pictor.url}${path}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain(author.username);
    expect(html).toContain(`<form method="post" action="${path}">`);
    const status = async () =>
      (
        await fan.client.request<{ following: boolean; notify: boolean }>(
          'GET',
          `/api/v1/users/${author.username}/follow`,
        )
      ).body;
    expect(await status()).toMatchObject({ following: true, notify: true });

    // The mail program's one-click POST: no session, from another site.
    const done = await oneClick(path);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Unsubscribed');
    expect(await status()).toMatchObject({ following: true, notify: false });
    // Again (a mail program retrying, or the page's button after the header's POST): same end state.
    expect((await oneClick(path, '')).status).toBe(200);
    expect(await (await fetch(`${pictor.url}${path}`)).text()).toContain('Nothing to stop');
    const otherFollow = await fan.client.request<{ notify: boolean }>('GET', `/api/v1/users/${other.username}/follow`);
    expect(otherFollow.body.notify).toBe(true);

    // The next paste reaches the bystander and, for the fan, only the other author's still does.
    expect(
      (await author.client.request('POST', '/api/v1/pastes', { json: { content: 'two', title: 'Second' } })).status,
    ).toBe(201);
    expect(
      (await other.client.request('POST', '/api/v1/pastes', { json: { content: 'three', title: 'Third' } })).status,
    ).toBe(201);
    await smtp.waitFor(published(bystander.email, 'Second'), 30_000);
    await smtp.waitFor(published(fan.email, 'Third'), 30_000);
    await sleep(1500);
    expect(smtp.messages.filter(published(fan.email, 'Second'))).toEqual([]);
    const inbox = await fan.client.request<{ notifications: { type: string; data: Record<string, string> }[] }>(
      'GET',
      '/api/v1/notifications',
    );
    expect(inbox.body.notifications.map((n) => n.data.title).sort()).toEqual(['First', 'Third']);
  });

  it('when a link is forged, altered or cut short, then GET and POST answer 404 UNSUBSCRIBE_LINK_INVALID and change nothing', async () => {
    const author = await member();
    const fan = await member();
    await fan.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: true } });
    expect(
      (await author.client.request('POST', '/api/v1/pastes', { json: { content: 'x', title: 'Probe' } })).status,
    ).toBe(201);
    const path = unsubscribePath(await smtp.waitFor(published(fan.email, 'Probe'), 30_000));
    const [follower, followee, mac] = path.slice('/unsubscribe/'.length).split('.') as [string, string, string];
    const flipped = mac.slice(0, -1) + (mac.endsWith('A') ? 'B' : 'A');
    const bad = [
      `${follower}.${followee}.${flipped}`,
      `${followee}.${follower}.${mac}`,
      `${follower}.${followee}`,
      'not-a-token',
      `${follower}.${followee}.${mac}x`,
      encodeURIComponent('<script>alert(1)</script>'),
    ];
    for (const token of bad) {
      for (const method of ['GET', 'POST'] as const) {
        const res =
          method === 'GET'
            ? await fetch(`${pictor.url}/unsubscribe/${token}`)
            : await oneClick(`/unsubscribe/${token}`);
        expect({ token, method, status: res.status }).toEqual({ token, method, status: 404 });
        const body = (await res.json()) as { error: { code: string } };
        expect(body.error.code).toBe('UNSUBSCRIBE_LINK_INVALID');
      }
    }
    const status = await fan.client.request<{ notify: boolean }>('GET', `/api/v1/users/${author.username}/follow`);
    expect(status.body.notify).toBe(true);
  });
});
