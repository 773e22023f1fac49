import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';

const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };
const TOKEN = '123456:test-token';
const SECRET = 'webhook-secret-0123456789';

interface Sent {
  chat_id: number;
  text: string;
  link_preview_options?: { is_disabled?: boolean };
}

/** A fake Bot API: records sendMessage calls; answers scripted failures first. */
const sent: Sent[] = [];
const script: { status: number; body: Record<string, unknown> }[] = [];
let fake: http.Server;
let pictor: TestPictor;
let counter = 0;

async function member() {
  counter++;
  const username = `tg${counter}_${Date.now().toString(36)}`;
  const password = `a long passphrase number ${counter}`;
  const client = new AccountsClient(pictor.url);
  expect((await client.register(username, `${username}@example.org`, password)).status).toBe(201);
  expect((await client.login(username, password)).status).toBe(200);
  return { client, username };
}

/** Telegram delivering an update to Pictor's webhook. */
function postUpdate(chatId: number, text: string, secret = SECRET) {
  return fetch(`${pictor.url}/hooks/telegram/${SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    body: JSON.stringify({ update_id: 1, message: { message_id: 1, chat: { id: chatId, type: 'private' }, text } }),
  });
}

async function linked(client: AccountsClient, chatId: number) {
  const link = await client.request<{ url: string; code: string }>('POST', '/api/v1/account/telegram/link');
  expect(link.status).toBe(201);
  expect(link.body.url).toBe(`https://t.me/pictor_test_bot?start=${link.body.code}`);
  expect((await postUpdate(chatId, `/start ${link.body.code}`)).status).toBe(200);
  return link.body.code;
}

const to = (chatId: number) => sent.filter((m) => m.chat_id === chatId);

async function until(done: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(50);
}

beforeAll(async () => {
  fake = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url !== `/bot${TOKEN}/sendMessage`) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
        return;
      }
      const next = script.shift();
      if (next) {
        res.writeHead(next.status, { 'content-type': 'application/json' }).end(JSON.stringify(next.body));
        return;
      }
      sent.push(JSON.parse(body) as Sent);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: {} }));
    });
  });
  fake.listen(0, '127.0.0.1');
  await once(fake, 'listening');
  pictor = await startTestPictor({
    ...FAST_ARGON2,
    RATE_LIMIT_LOGIN: '1000',
    RATE_LIMIT_RESET: '1000',
    NOTIFY_RETRY_BASE_MS: '50',
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_BOT_USERNAME: 'pictor_test_bot',
    TELEGRAM_API_URL: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  });
});

afterAll(async () => {
  await pictor?.stop();
  fake?.closeAllConnections();
  await new Promise((resolve) => fake?.close(resolve));
});

describe('Telegram', () => {
  it('when someone sends the bot their link code, then that chat is linked once, and the code works no second time', async () => {
    const ann = await member();
    const code = await linked(ann.client, 4001);
    expect(to(4001).at(-1)?.text).toContain(`notifications of ${ann.username}`);
    expect((await ann.client.request<{ linked: boolean }>('GET', '/api/v1/account/telegram')).body.linked).toBe(true);

    expect((await postUpdate(4002, `/start ${code}`)).status).toBe(200);
    expect(to(4002).at(-1)?.text).toMatch(/unknown, used or expired/);
  });

  it('when the webhook secret header is wrong, then the update is refused like an unknown path and nothing links', async () => {
    const ann = await member();
    const link = await ann.client.request<{ code: string }>('POST', '/api/v1/account/telegram/link');
    expect((await postUpdate(4100, `/start ${link.body.code}`, 'not-the-secret-at-all')).status).toBe(404);
    expect((await ann.client.request<{ linked: boolean }>('GET', '/api/v1/account/telegram')).body.linked).toBe(false);
  });

  it('when the secret is wrong, then even a malformed body is answered 404 like an unknown path; other methods 405', async () => {
    const malformed = (secret: string) =>
      fetch(`${pictor.url}/hooks/telegram/${secret}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
        body: '{not json',
      });
    expect((await malformed('not-the-secret-at-all')).status).toBe(404);
    expect((await malformed(SECRET)).status).toBe(400);
    const get = await fetch(`${pictor.url}/hooks/telegram/${SECRET}`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const ann = await member();
    expect((await ann.client.request('GET', '/api/v1/account/telegram')).body).toEqual({
      available: true,
      linked: false,
    });
  });

  it('when a linked account gets a follower while Telegram answers 429, then the message arrives after retry_after, once, without link preview', async () => {
    const ann = await member();
    const bob = await member();
    await linked(ann.client, 4200);
    const before = to(4200).length;
    script.push({
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests', parameters: { retry_after: 1 } },
    });
    const started = Date.now();
    await bob.client.request('PUT', `/api/v1/users/${ann.username}/follow`, { json: {} });
    await until(() => to(4200).length > before);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await sleep(300);
    const messages = to(4200).slice(before);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toContain(`${bob.username} now follows you`);
    expect(messages[0]!.link_preview_options).toEqual({ is_disabled: true });
  });

  it('when a linked account asks for a password reset, then the code also arrives in its chat, and it works', async () => {
    const ann = await member();
    await linked(ann.client, 4400);
    const before = to(4400).length;
    const anonymous = new AccountsClient(pictor.url);
    expect(
      (await anonymous.request('POST', '/api/v1/auth/password-reset', { json: { login: ann.username } })).status,
    ).toBe(202);
    await until(() => to(4400).length > before);
    const message = to(4400).at(-1)!;
    expect(message.link_preview_options).toEqual({ is_disabled: true });
    const code = /reset code for \S+: (\S+)/.exec(message.text)?.[1];
    expect(code).toBeDefined();
    const confirmed = await anonymous.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: ann.username, code, password: 'a brand new long passphrase' },
    });
    expect(confirmed.status).toBe(204);
    // And the change itself is told there too.
    await until(() => to(4400).some((m) => m.text.includes('was just changed')));
    expect(to(4400).some((m) => m.text.includes('was just changed'))).toBe(true);
  });

  it('when the user blocked the bot (403), then the chat is unlinked', async () => {
    const ann = await member();
    const bob = await member();
    await linked(ann.client, 4300);
    script.push({
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    });
    await bob.client.request('PUT', `/api/v1/users/${ann.username}/follow`, { json: {} });
    let state = true;
    for (let i = 0; i < 100 && state; i++) {
      await sleep(100);
      state = (await ann.client.request<{ linked: boolean }>('GET', '/api/v1/account/telegram')).body.linked;
    }
    expect(state).toBe(false);
  });
});
