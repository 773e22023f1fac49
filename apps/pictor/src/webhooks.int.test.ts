import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };
// The receiver listens on 127.0.0.2, the one private address Pictor is allowed to call here.
const RECEIVER_HOST = '127.0.0.2';

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

let pictor: TestPictor;
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];
/** Status codes to answer next, in order; then 204. */
const script: number[] = [];
let counter = 0;

async function member() {
  counter++;
  const username = `wh${counter}_${Date.now().toString(36)}`;
  const password = `a long passphrase number ${counter}`;
  const client = new AccountsClient(pictor.url);
  expect((await client.register(username, `${username}@example.org`, password)).status).toBe(201);
  expect((await client.login(username, password)).status).toBe(200);
  return { client, username };
}

async function until<T>(read: () => T, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!done(read()) && Date.now() < deadline) await sleep(50);
  return read();
}

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
      res.writeHead(script.shift() ?? 204).end();
    });
  });
  receiver.listen(0, RECEIVER_HOST);
  await once(receiver, 'listening');
  receiverUrl = `http://${RECEIVER_HOST}:${(receiver.address() as AddressInfo).port}`;
  pictor = await startTestPictor({
    ...FAST_ARGON2,
    RATE_LIMIT_LOGIN: '1000',
    RATE_LIMIT_RESET: '1000',
    NOTIFY_RETRY_BASE_MS: '50',
    WEBHOOK_ALLOWED_CIDRS: `${RECEIVER_HOST}/32`,
  });
});

afterAll(async () => {
  await pictor?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('webhooks', () => {
  it('when a followed author publishes, then the follower’s webhook gets a signed payload that verifies, once per delivery id', async () => {
    const ann = await member();
    const bob = await member();
    const created = await ann.client.request<{ id: string; secret: string; events: string[] }>(
      'POST',
      '/api/v1/account/webhooks',
      { json: { url: `${receiverUrl}/ann` } },
    );
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body.events).toEqual(['follower.new', 'image.published', 'paste.published']);
    const listed = await ann.client.request<{ webhooks: Record<string, unknown>[] }>('GET', '/api/v1/account/webhooks');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);

    await ann.client.request('PUT', `/api/v1/users/${bob.username}/follow`, { json: { notify: true } });
    // The receiver fails once: the retry carries the same webhook-id, so it can drop a repeat.
    script.push(500);
    expect((await bob.client.upload(await png(16, 16), { title: 'Pier' })).status).toBe(201);
    const hits = await until(
      () => received.filter((r) => r.path === '/ann'),
      (r) => r.length >= 2,
    );
    expect(hits).toHaveLength(2);
    expect(hits[0]!.headers['webhook-id']).toBe(hits[1]!.headers['webhook-id']);
    const verified = new Webhook(created.body.secret).verify(hits[1]!.body, hits[1]!.headers) as {
      type: string;
      data: Record<string, string>;
    };
    expect(verified).toMatchObject({ type: 'image.published', data: { actor: bob.username, title: 'Pier' } });
    // A forged signature does not verify.
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(hits[1]!.body, hits[1]!.headers),
    ).toThrow();

    const deliveries = await ann.client.request<{ deliveries: { status: string; httpStatus: number }[] }>(
      'GET',
      `/api/v1/account/webhooks/${created.body.id}/deliveries`,
    );
    expect(deliveries.body.deliveries).toEqual([expect.objectContaining({ status: 'sent', httpStatus: 204 })]);

    const rotated = await ann.client.request<{ secret: string }>(
      'POST',
      `/api/v1/account/webhooks/${created.body.id}/rotate`,
    );
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect((await ann.client.request('DELETE', `/api/v1/account/webhooks/${created.body.id}`)).status).toBe(204);
    expect((await ann.client.request('DELETE', `/api/v1/account/webhooks/${created.body.id}`)).status).toBe(404);
  });

  it('when a webhook URL points at loopback, metadata or a private range, then registration answers 422 WEBHOOK_URL_FORBIDDEN', async () => {
    const ann = await member();
    const port = (receiver.address() as AddressInfo).port;
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `http://localhost:${port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/',
      'http://10.0.0.1/',
      'http://[::ffff:127.0.0.1]/',
      'file:///etc/passwd',
    ]) {
      const answer = await ann.client.request<{ error: { code: string } }>('POST', '/api/v1/account/webhooks', {
        json: { url },
      });
      expect([url, answer.status, answer.body.error.code]).toEqual([url, 422, 'WEBHOOK_URL_FORBIDDEN']);
    }
    expect(
      (await ann.client.request<{ webhooks: unknown[] }>('GET', '/api/v1/account/webhooks')).body.webhooks,
    ).toEqual([]);
  });
});
