import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { engines, freshDatabase } from '@pictor/test-harness/engines';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';

// An administrator's webhook with scope "all" hears of every event on the server once, whoever it
// is for; nobody else may register one. On PostgreSQL and Kafka, with a receiver the test runs.
const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };
const RECEIVER_HOST = '127.0.0.2';
const ADMIN_TOKEN = 'admin-token-for-all-events-webhooks-0123456789';

interface Hook {
  path: string;
  headers: Record<string, string>;
  body: string;
}
interface Payload {
  type: string;
  data: Record<string, string>;
}

let database: { url: string; drop(): Promise<void> };
let pictor: TestPictor;
let receiver: http.Server;
let receiverUrl: string;
const hooks: Hook[] = [];
let counter = 0;

async function member(username = `aw${++counter}_${Date.now().toString(36)}`) {
  const password = `a long passphrase for ${username}`;
  const client = new AccountsClient(pictor.url);
  expect((await client.register(username, `${username}@example.org`, password)).status).toBe(201);
  expect((await client.login(username, password)).status).toBe(200);
  const me = await client.request<{ id: string }>('GET', '/api/v1/account');
  return { client, username, id: me.body.id };
}

async function until(done: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(100);
}

beforeAll(async () => {
  database = await freshDatabase();
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      hooks.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, RECEIVER_HOST);
  await once(receiver, 'listening');
  receiverUrl = `http://${RECEIVER_HOST}:${(receiver.address() as AddressInfo).port}`;
  pictor = await startTestPictor({
    ...FAST_ARGON2,
    DATABASE_URL: database.url,
    KAFKA_BROKERS: engines().kafkaBrokers,
    RATE_LIMIT_LOGIN: '1000',
    RATE_LIMIT_RESET: '1000',
    NOTIFY_RETRY_BASE_MS: '50',
    WEBHOOK_ALLOWED_CIDRS: `${RECEIVER_HOST}/32`,
    ADMIN_EMAIL: 'overseer@example.org',
    ADMIN_TOKEN,
  });
});

afterAll(async () => {
  await pictor?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await database?.drop();
});

describe('administrators webhooks for every event', () => {
  it('when someone who is not an administrator asks for scope "all", then 403 FORBIDDEN and nothing is registered', async () => {
    const user = await member();
    const refused = await user.client.request('POST', '/api/v1/account/webhooks', {
      json: { url: `${receiverUrl}/sneaky`, scope: 'all' },
    });
    expect(refused.status).toBe(403);
    expect((refused.body as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    const list = await user.client.request<{ webhooks: unknown[] }>('GET', '/api/v1/account/webhooks');
    expect(list.body.webhooks).toEqual([]);
  });

  it('when an administrator registers scope "all", then each event reaches it once, signed, whoever it is for, until they are demoted', async () => {
    const admin = await member('overseer');
    const created = await admin.client.request<{ id: string; secret: string; scope: string }>(
      'POST',
      '/api/v1/account/webhooks',
      { json: { url: `${receiverUrl}/all`, scope: 'all' } },
    );
    expect(created.status).toBe(201);
    expect(created.body.scope).toBe('all');
    const verify = new Webhook(created.body.secret);
    const seen = () => hooks.filter((h) => h.path === '/all').map((h) => verify.verify(h.body, h.headers) as Payload);

    const author = await member();
    const fans = [await member(), await member(), await member()];
    for (const [i, fan] of fans.entries()) {
      const put = await fan.client.request('PUT', `/api/v1/users/${author.username}/follow`, {
        json: { notify: i < 2 },
      });
      expect(put.status).toBe(201);
    }
    const paste = await author.client.request<{ id: string }>('POST', '/api/v1/pastes', {
      json: { content: 'for everyone', title: 'Broadcast' },
    });
    expect(paste.status).toBe(201);

    // Three follows of the author (events for the author) and one paste (for its two notified
    // followers): four events, each once, although none is addressed to the administrator.
    await until(() => seen().length >= 4);
    await sleep(1500);
    const events = seen();
    expect(events.map((e) => e.type).sort()).toEqual([
      'follower.new',
      'follower.new',
      'follower.new',
      'paste.published',
    ]);
    expect(
      events
        .filter((e) => e.type === 'follower.new')
        .map((e) => e.data.actor)
        .sort(),
    ).toEqual(fans.map((f) => f.username).sort());
    for (const e of events) expect(e.data.accountId).toBe(author.id);
    expect(events.find((e) => e.type === 'paste.published')?.data).toMatchObject({
      pasteId: paste.body.id,
      title: 'Broadcast',
      actor: author.username,
    });
    // Each request has its own webhook-id: one delivery per event.
    expect(new Set(hooks.filter((h) => h.path === '/all').map((h) => h.headers['webhook-id'])).size).toBe(4);

    // Demoted by the operator: the endpoint hears of nothing more.
    const operator = new AccountsClient(pictor.url, {});
    operator.bearer = ADMIN_TOKEN;
    expect(
      (await operator.request('PATCH', `/api/v1/admin/users/${admin.id}`, { json: { role: 'user' } })).status,
    ).toBe(200);
    const late = await member();
    await late.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: true } });
    await author.client.request('POST', '/api/v1/pastes', { json: { content: 'after', title: 'After' } });
    // The new follower reaches the author's page and the paste a fan's: once both are there, the
    // observer's turn (taken before them) has passed.
    const inbox = async (who: { client: AccountsClient }) =>
      (await who.client.request<{ notifications: Payload[] }>('GET', '/api/v1/notifications')).body.notifications;
    for (let i = 0; i < 300; i++) {
      const [mine, theirs] = await Promise.all([inbox(author), inbox(fans[0]!)]);
      if (
        mine.some((n) => n.type === 'follower.new' && JSON.stringify(n).includes(late.username)) &&
        theirs.some((n) => n.data.title === 'After')
      )
        break;
      await sleep(100);
    }
    expect((await inbox(fans[0]!)).some((n) => n.data.title === 'After')).toBe(true);
    await sleep(500);
    expect(hooks.filter((h) => h.path === '/all')).toHaveLength(4);
  });
});
