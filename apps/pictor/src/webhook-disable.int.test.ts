import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ParsedMail } from 'mailparser';
import { Webhook } from 'standardwebhooks';
import { startTestSmtpServer, type TestSmtpServer } from '@pictor/testing';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { engines, freshDatabase } from '@pictor/test-harness/engines';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';

// A webhook endpoint that fails for days is disabled and its owner told by email; the owner enables
// it again. On the real engines (PostgreSQL, Kafka) with a real SMTP server and a receiver the test
// runs; "days" pass by moving the start of the failing streak back in the database.
const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };
const RECEIVER_HOST = '127.0.0.2';
const DISABLED_SUBJECT = 'A webhook of your Pictor account was disabled';

interface Hook {
  path: string;
  headers: Record<string, string>;
  body: string;
}
interface Endpoint {
  id: string;
  enabled: boolean;
  disabledAt: string | null;
  failingSince: string | null;
  failures: number;
}

let database: { url: string; drop(): Promise<void> };
let smtp: TestSmtpServer;
let pictor: TestPictor;
let receiver: http.Server;
let receiverUrl: string;
/** What the receiver answers; the test switches it. */
let answer = 500;
const hooks: Hook[] = [];
let counter = 0;

async function member() {
  counter++;
  const username = `wd${counter}_${Date.now().toString(36)}`;
  const password = `a long passphrase number ${counter}`;
  const client = new AccountsClient(pictor.url);
  expect((await client.register(username, `${username}@example.org`, password)).status).toBe(201);
  expect((await client.login(username, password)).status).toBe(200);
  return { client, username, email: `${username}@example.org` };
}

async function until(done: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await sleep(100);
}

beforeAll(async () => {
  database = await freshDatabase();
  smtp = await startTestSmtpServer();
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      hooks.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
      res.writeHead(answer).end();
    });
  });
  receiver.listen(0, RECEIVER_HOST);
  await once(receiver, 'listening');
  receiverUrl = `http://${RECEIVER_HOST}:${(receiver.address() as AddressInfo).port}`;
  pictor = await startTestPictor({
    ...FAST_ARGON2,
    DATABASE_URL: database.url,
    KAFKA_BROKERS: engines().kafkaBrokers,
    SMTP_URL: smtp.url,
    RATE_LIMIT_LOGIN: '1000',
    RATE_LIMIT_RESET: '1000',
    NOTIFY_MAX_ATTEMPTS: '2',
    NOTIFY_RETRY_BASE_MS: '50',
    WEBHOOK_ALLOWED_CIDRS: `${RECEIVER_HOST}/32`,
    WEBHOOK_DISABLE_MIN_FAILURES: '3',
  });
});

afterAll(async () => {
  await pictor?.stop();
  await smtp?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await database?.drop();
});

describe('a webhook endpoint failing for days is disabled, its owner told, and enabled again by them', () => {
  it('when every request failed for over 3 days and 3 times, then it is disabled once, by email, and gets nothing until enabled', async () => {
    const author = await member();
    const fan = await member();
    const stranger = await member();
    const created = await fan.client.request<{ id: string; secret: string }>('POST', '/api/v1/account/webhooks', {
      json: { url: `${receiverUrl}/${fan.username}`, events: ['paste.published'] },
    });
    expect(created.status).toBe(201);
    const { id, secret } = created.body;
    expect(
      (await fan.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: true } })).status,
    ).toBe(201);
    const mine = () => hooks.filter((h) => h.path === `/${fan.username}`);
    const endpoint = async () =>
      (await fan.client.request<{ webhooks: Endpoint[] }>('GET', '/api/v1/account/webhooks')).body.webhooks.find(
        (w) => w.id === id,
      )!;
    const paste = async (title: string) =>
      expect((await author.client.request('POST', '/api/v1/pastes', { json: { content: title, title } })).status).toBe(
        201,
      );

    // Failing for minutes is not failing for days: two failed attempts, still enabled.
    answer = 500;
    await paste('One');
    await until(async () => (await endpoint()).failures >= 2);
    await sleep(500);
    expect(mine()).toHaveLength(2);
    expect(await endpoint()).toMatchObject({ enabled: true, disabledAt: null, failures: 2 });
    expect((await endpoint()).failingSince).not.toBeNull();

    // Three days and a minute later (moved in the database), the next failure disables it.
    await pictor.handle.infrastructure.pool.query(
      `UPDATE webhooks SET failing_since = now() - interval '3 days 1 minute' WHERE id = $1`,
      [id],
    );
    await paste('Two');
    const mail = await smtp.waitFor(
      (m: ParsedMail) => JSON.stringify(m.to).includes(fan.email) && m.subject === DISABLED_SUBJECT,
      30_000,
    );
    expect(mail.text).toContain(`${receiverUrl}/${fan.username}`);
    expect(mail.text).toContain('3 failures');
    // The retry of that delivery finds it disabled and sends nothing more.
    await sleep(1500);
    expect(mine()).toHaveLength(3);
    const disabled = await endpoint();
    expect(disabled).toMatchObject({ enabled: false, failures: 3 });
    expect(disabled.disabledAt).not.toBeNull();

    // Disabled: the next event is not sent to it, and the owner is not told twice.
    await paste('Three');
    await sleep(2000);
    expect(mine()).toHaveLength(3);
    expect(
      smtp.messages.filter((m) => JSON.stringify(m.to).includes(fan.email) && m.subject === DISABLED_SUBJECT),
    ).toHaveLength(1);

    // Only its owner can enable it (anyone else: not found, like an id that does not exist).
    const foreign = await stranger.client.request('POST', `/api/v1/account/webhooks/${id}/enable`);
    expect(foreign.status).toBe(404);
    expect((foreign.body as { error: { code: string } }).error.code).toBe('WEBHOOK_NOT_FOUND');
    expect((await endpoint()).enabled).toBe(false);

    answer = 204;
    const enabled = await fan.client.request<Endpoint>('POST', `/api/v1/account/webhooks/${id}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ id, enabled: true, disabledAt: null, failingSince: null, failures: 0 });
    await paste('Four');
    await until(() => mine().length >= 4);
    const last = mine()[3]!;
    expect(new Webhook(secret).verify(last.body, last.headers)).toMatchObject({
      type: 'paste.published',
      data: { title: 'Four' },
    });
    await sleep(500);
    expect(mine()).toHaveLength(4);
  });

  it('when an endpoint fails for days but then succeeds once, then its streak starts over and it stays enabled', async () => {
    const author = await member();
    const fan = await member();
    const created = await fan.client.request<{ id: string }>('POST', '/api/v1/account/webhooks', {
      json: { url: `${receiverUrl}/${fan.username}`, events: ['paste.published'] },
    });
    const { id } = created.body;
    await fan.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: true } });
    const endpoint = async () =>
      (await fan.client.request<{ webhooks: Endpoint[] }>('GET', '/api/v1/account/webhooks')).body.webhooks.find(
        (w) => w.id === id,
      )!;
    // Long failing, many failures, but the next request succeeds.
    await pictor.handle.infrastructure.pool.query(
      `UPDATE webhooks SET failing_since = now() - interval '10 days', failures = 2 WHERE id = $1`,
      [id],
    );
    answer = 204;
    await author.client.request('POST', '/api/v1/pastes', { json: { content: 'ok', title: 'Fine' } });
    await until(async () => (await endpoint()).failures === 0);
    expect(await endpoint()).toMatchObject({ enabled: true, failingSince: null, failures: 0 });
    expect(hooks.filter((h) => h.path === `/${fan.username}`)).toHaveLength(1);
  });
});
