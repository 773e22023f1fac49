import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ParsedMail } from 'mailparser';
import { TOPICS } from '@pictor/core';
import { startTestSmtpServer, type TestSmtpServer } from '@pictor/testing';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };

interface InboxAnswer {
  notifications: { id: string; type: string; actor: string; data: Record<string, string>; read: boolean }[];
  unread: number;
  nextCursor: string | null;
}

let pictor: TestPictor;
let smtp: TestSmtpServer;
let counter = 0;
let openStream: { reader: ReadableStreamDefaultReader<Uint8Array>; controller: AbortController } | undefined;
let stopped = false;

async function member() {
  counter++;
  const username = `nf${counter}_${Date.now().toString(36)}`;
  const password = `a long passphrase number ${counter}`;
  const client = new AccountsClient(pictor.url);
  expect((await client.register(username, `${username}@example.org`, password)).status).toBe(201);
  expect((await client.login(username, password)).status).toBe(200);
  const me = await client.request<{ id: string }>('GET', '/api/v1/account');
  return { client, username, id: me.body.id, email: `${username}@example.org` };
}

const mailTo = (address: string) => smtp.messages.filter((m) => m.to && JSON.stringify(m.to).includes(address));

async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

async function deliveries(eventType: string): Promise<{ channel: string; status: string; recipient: string }[]> {
  const { rows } = await pictor.handle.infrastructure.pool.query<{
    channel: string;
    status: string;
    recipient: string;
  }>(
    `SELECT d.channel, d.status, a.username AS recipient FROM notification_deliveries d
       JOIN accounts a ON a.id = d.recipient_id
       JOIN notifications n ON n.event_id = d.event_id AND n.account_id = d.recipient_id
      WHERE n.type = $1 ORDER BY a.username, d.channel`,
    [eventType],
  );
  return rows;
}

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  pictor = await startTestPictor({
    ...FAST_ARGON2,
    SMTP_URL: smtp.url,
    RATE_LIMIT_LOGIN: '1000',
    RATE_LIMIT_RESET: '1000',
    NOTIFY_RETRY_BASE_MS: '50',
    NOTIFY_MAX_ATTEMPTS: '3',
    NOTIFY_FANOUT_BATCH: '2',
  });
});

afterAll(async () => {
  openStream?.controller.abort();
  if (!stopped) await pictor?.stop();
  await smtp?.close();
});

describe('notifications of follows and uploads', () => {
  it('when someone is followed, then they get one email and one in-app notification naming the follower', async () => {
    const ann = await member();
    const bob = await member();
    expect(
      (await ann.client.request('PUT', `/api/v1/users/${bob.username}/follow`, { json: { notify: true } })).status,
    ).toBe(201);

    const mail = await smtp.waitFor((m) => m.subject === `${ann.username} follows you on Pictor`);
    expect(JSON.stringify(mail.to)).toContain(bob.email);
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@localhost>$/);

    const inbox = await until(
      async () => (await bob.client.request<InboxAnswer>('GET', '/api/v1/notifications')).body,
      (b) => b.notifications.length > 0,
    );
    expect(inbox.unread).toBe(1);
    expect(inbox.notifications).toEqual([
      expect.objectContaining({ type: 'follower.new', actor: ann.username, read: false }),
    ]);

    const read = await bob.client.request<{ unread: number }>('POST', '/api/v1/notifications/read', { json: {} });
    expect(read.body.unread).toBe(0);
    expect(mailTo(bob.email)).toHaveLength(1);
  });

  it('when an author publishes, then followers with notify on are told once each, the others not at all', async () => {
    const author = await member();
    const fans = [await member(), await member(), await member()];
    const quiet = await member();
    const gone = await member();
    for (const fan of fans) {
      await fan.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: true } });
    }
    await quiet.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: false } });
    await gone.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: true } });
    await gone.client.request('DELETE', `/api/v1/users/${author.username}/follow`);

    // An unlisted upload tells nobody; the public one does.
    expect((await author.client.upload(await png(16, 16), { visibility: 'unlisted' })).status).toBe(201);
    const uploaded = await author.client.upload(await png(24, 24), { title: 'Harbour <at> dawn' });
    expect(uploaded.status).toBe(201);
    const imageId = uploaded.body.images[0]!.id;

    const published = (m: ParsedMail) => m.subject === `${author.username} published "Harbour <at> dawn" on Pictor`;
    await until(
      () => smtp.messages.filter(published).length,
      (n) => n >= fans.length,
    );
    for (const fan of fans) {
      const mails = mailTo(fan.email).filter(published);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.text).toContain(`/v/${imageId}`);
      // Escaped in HTML: the title is the uploader's text.
      expect(mails[0]!.html).toContain('Harbour &lt;at&gt; dawn');
    }
    for (const other of [quiet, gone]) expect(mailTo(other.email).filter(published)).toEqual([]);

    const inbox = await fans[0]!.client.request<InboxAnswer>('GET', '/api/v1/notifications');
    expect(inbox.body.notifications).toEqual([
      expect.objectContaining({
        type: 'image.published',
        actor: author.username,
        data: expect.objectContaining({ imageId }),
      }),
    ]);
    const log = await until(
      () => deliveries('image.published'),
      (rows) => rows.filter((r) => r.status === 'sent').length >= fans.length * 2,
    );
    expect(log.filter((r) => fans.some((f) => f.username === r.recipient)).map((r) => r.status)).toEqual(
      Array(fans.length * 2).fill('sent'),
    );
  });

  it('when a follower turns email off, then new images reach them in the app but not by email', async () => {
    const author = await member();
    const fan = await member();
    await fan.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: true } });
    expect((await fan.client.request('GET', '/api/v1/notifications/settings')).body).toEqual({ email: true });
    const off = await fan.client.request('PUT', '/api/v1/notifications/settings', { json: { email: false } });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ email: false });
    expect((await fan.client.request('PUT', '/api/v1/notifications/settings', { json: { email: 'no' } })).status).toBe(
      400,
    );

    expect((await author.client.upload(await png(18, 18), { title: 'Quiet' })).status).toBe(201);
    const inbox = await until(
      async () => (await fan.client.request<InboxAnswer>('GET', '/api/v1/notifications')).body,
      (b) => b.notifications.some((n) => n.type === 'image.published'),
    );
    expect(inbox.notifications.filter((n) => n.type === 'image.published')).toHaveLength(1);
    await sleep(500);
    expect(mailTo(fan.email).filter((m) => m.subject?.includes(' published ') === true)).toEqual([]);
    // Account notices are not notifications: a reset code still comes by email.
    const anonymous = new AccountsClient(pictor.url);
    expect(
      (await anonymous.request('POST', '/api/v1/auth/password-reset', { json: { login: fan.username } })).status,
    ).toBe(202);
    await smtp.waitFor((m) => JSON.stringify(m.to).includes(fan.email) && /reset/i.test(m.subject ?? ''));
  });

  it('when the settings are changed from another site or with an API token, then it is refused and nothing changes', async () => {
    const ann = await member();
    const cookie = [...ann.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const forged = await fetch(`${pictor.url}/api/v1/notifications/settings`, {
      method: 'PUT',
      headers: { Cookie: cookie, 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' },
      body: JSON.stringify({ email: false }),
    });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('CSRF_REJECTED');
    const tool = new AccountsClient(pictor.url, {});
    tool.bearer = (await ann.client.createToken('reader', ['account:read'])).body.token;
    expect((await tool.request('GET', '/api/v1/notifications/settings')).body).toEqual({ email: true });
    const byToken = await tool.request<{ error: { code: string } }>('PUT', '/api/v1/notifications/settings', {
      json: { email: false },
    });
    expect(byToken.status).toBe(403);
    expect(byToken.body.error.code).toBe('SESSION_REQUIRED');
    expect((await ann.client.request('GET', '/api/v1/notifications/settings')).body).toEqual({ email: true });
  });

  it('when the same event is delivered twice by the bus, then nobody is told twice', async () => {
    const author = await member();
    const fan = await member();
    await fan.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: true } });
    expect((await author.client.upload(await png(20, 20))).status).toBe(201);
    const published = (m: ParsedMail) => m.subject?.startsWith(`${author.username} published`) === true;
    await smtp.waitFor((m) => published(m) && JSON.stringify(m.to).includes(fan.email));

    const { rows } = await pictor.handle.infrastructure.pool.query<{ key: string; payload: unknown }>(
      `SELECT key, payload FROM outbox WHERE topic = $1 AND key = $2 AND payload->>'type' = 'image.published'`,
      [TOPICS.notifications, author.id],
    );
    expect(rows).toHaveLength(1);
    await pictor.handle.infrastructure.bus.publish(TOPICS.notifications, [
      { key: rows[0]!.key, value: JSON.stringify(rows[0]!.payload), headers: {} },
    ]);
    await sleep(1500);
    expect(mailTo(fan.email).filter(published)).toHaveLength(1);
    const inbox = await fan.client.request<InboxAnswer>('GET', '/api/v1/notifications');
    expect(inbox.body.notifications.filter((n) => n.type === 'image.published')).toHaveLength(1);
  });

  it('when the mail server refuses for a while, then the email arrives after retries, once', async () => {
    const ann = await member();
    const bob = await member();
    smtp.failNext(1, 451);
    await ann.client.request('PUT', `/api/v1/users/${bob.username}/follow`, { json: {} });
    await smtp.waitFor((m) => m.subject === `${ann.username} follows you on Pictor`);
    await sleep(300);
    expect(mailTo(bob.email)).toHaveLength(1);
  });

  it('when one account opens more streams than the cap, then the extra one is refused 429 until another closes', async () => {
    const ann = await member();
    const bob = await member();
    const cookieOf = (m: { client: AccountsClient }) => [...m.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    // Each stream on a connection of its own, ended by destroying it as a closed tab would.
    const open = (cookie: string) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Promise<string>; close(): void }>(
        (resolve, reject) => {
          const req = http.get(`${pictor.url}/api/v1/notifications/stream`, {
            headers: { Cookie: cookie },
            agent: false,
          });
          req.on('error', () => undefined);
          req.on('response', (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('error', () => undefined);
            const body = new Promise<string>((done) => res.on('end', () => done(text)).on('close', () => done(text)));
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, close: () => req.destroy() });
          });
          req.once('error', reject);
        },
      );
    const streams = [];
    for (let i = 0; i < 5; i++) streams.push(await open(cookieOf(ann)));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    const refused = await open(cookieOf(ann));
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect((JSON.parse(await refused.body) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    // Another account is not held back by Ann's tabs.
    const bobs = await open(cookieOf(bob));
    expect(bobs.status).toBe(200);
    bobs.close();

    streams.shift()!.close();
    let again = await open(cookieOf(ann));
    for (let i = 0; again.status !== 200 && i < 20; i++) {
      await sleep(100);
      again = await open(cookieOf(ann));
    }
    expect(again.status).toBe(200);
    for (const s of [...streams, again]) s.close();
  });

  it('when a page listens to the stream, then a new notification arrives on it live', async () => {
    const ann = await member();
    const bob = await member();
    const headers: Record<string, string> = {
      Cookie: [...bob.client.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    };
    const controller = new AbortController();
    const res = await fetch(`${pictor.url}/api/v1/notifications/stream`, { headers, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const read = (async () => {
      while (!text.includes('event: notification')) {
        const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
        if (chunk.done) break;
        text += decoder.decode(chunk.value ?? new Uint8Array());
      }
    })();
    await sleep(200);
    await ann.client.request('PUT', `/api/v1/users/${bob.username}/follow`, { json: {} });
    await Promise.race([read, sleep(15_000)]);
    expect(text).toContain('event: unread\ndata: {"unread":0}');
    expect(text).toMatch(/event: notification\ndata: \{[^\n]*"type":"follower.new"[^\n]*"actor":"nf\d+_/);
    // Left open on purpose: the shutdown in afterAll ends it rather than waiting out the grace period.
    openStream = { reader, controller };
  });

  it('when Pictor shuts down, then an open stream ends at once instead of holding the server for the grace period', async () => {
    expect(openStream).toBeDefined();
    const started = Date.now();
    const ended = (async () => {
      for (;;) if ((await openStream!.reader.read()).done) return;
    })();
    await pictor.stop();
    await Promise.race([ended, sleep(5000)]);
    expect(Date.now() - started).toBeLessThan(5000);
    stopped = true;
  });
});
