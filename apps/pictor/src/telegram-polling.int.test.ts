import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';

// Without TELEGRAM_WEBHOOK_SECRET (no public URL for the webhook route), the notifier takes the
// bot's updates by long polling. A fake Bot API serves getUpdates as Telegram does: it holds the
// request until an update comes or the timeout passes, drops updates below the offset (confirmed),
// and answers 409 to a getUpdates while another is under way.
const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };
const TOKEN = '777777:polling-token';

interface Sent {
  chat_id: number;
  text: string;
}
interface Poll {
  offset: number | undefined;
  at: number;
  status: number;
}

const sent: Sent[] = [];
const polls: Poll[] = [];
let queue: { update_id: number; message: Record<string, unknown> }[] = [];
let nextUpdateId = 500;
/** Answer the next getUpdates calls 409, as Telegram does while another poller holds the bot. */
let conflicts = 0;
const waiting: (() => void)[] = [];
let fake: http.Server;
let pictor: TestPictor;
let counter = 0;

function answer(res: http.ServerResponse, status: number, body: Record<string, unknown>) {
  if (!res.writableEnded) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function queueStart(chatId: number, text: string) {
  queue.push({
    update_id: nextUpdateId++,
    message: { message_id: 1, chat: { id: chatId, type: 'private' }, text },
  });
  for (const wake of waiting.splice(0)) wake();
}

async function member() {
  counter++;
  const username = `tp${counter}_${Date.now().toString(36)}`;
  const password = `a long passphrase number ${counter}`;
  const client = new AccountsClient(pictor.url);
  expect((await client.register(username, `${username}@example.org`, password)).status).toBe(201);
  expect((await client.login(username, password)).status).toBe(200);
  return { client, username };
}

async function until(done: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await sleep(50);
}

beforeAll(async () => {
  fake = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const params = (body ? JSON.parse(body) : {}) as { offset?: number; timeout?: number; chat_id?: number };
      if (req.url === `/bot${TOKEN}/sendMessage`) {
        sent.push(params as unknown as Sent);
        answer(res, 200, { ok: true, result: {} });
        return;
      }
      if (req.url !== `/bot${TOKEN}/getUpdates`) {
        answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
        return;
      }
      if (conflicts > 0) {
        conflicts--;
        polls.push({ offset: params.offset, at: Date.now(), status: 409 });
        answer(res, 409, {
          ok: false,
          error_code: 409,
          description:
            'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
        });
        return;
      }
      polls.push({ offset: params.offset, at: Date.now(), status: 200 });
      // The offset confirms every update below it: Telegram forgets them.
      if (params.offset !== undefined) queue = queue.filter((u) => u.update_id >= params.offset!);
      const reply = () => answer(res, 200, { ok: true, result: queue.slice(0, 100) });
      if (queue.length > 0) {
        reply();
        return;
      }
      const timer = setTimeout(reply, Math.min(params.timeout ?? 0, 25) * 1000);
      waiting.push(() => {
        clearTimeout(timer);
        reply();
      });
      res.on('close', () => clearTimeout(timer));
    });
  });
  fake.listen(0, '127.0.0.1');
  await once(fake, 'listening');
  pictor = await startTestPictor({
    ...FAST_ARGON2,
    RATE_LIMIT_LOGIN: '1000',
    RATE_LIMIT_RESET: '1000',
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_BOT_USERNAME: 'pictor_polling_bot',
    TELEGRAM_API_URL: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
  });
});

afterAll(async () => {
  await pictor?.stop();
  fake?.closeAllConnections();
  await new Promise((resolve) => fake?.close(resolve));
});

describe('Telegram by long polling (no webhook secret)', () => {
  it('when someone sends the bot their link code, then the poller links the chat once and confirms the update', async () => {
    const ann = await member();
    // No webhook route on this server.
    expect((await fetch(`${pictor.url}/hooks/telegram/anything`, { method: 'POST' })).status).toBe(404);
    const link = await ann.client.request<{ code: string }>('POST', '/api/v1/account/telegram/link');
    expect(link.status).toBe(201);
    const updateId = nextUpdateId;
    queueStart(6001, `/start ${link.body.code}`);

    await until(() => sent.some((m) => m.chat_id === 6001));
    expect(sent.filter((m) => m.chat_id === 6001).map((m) => m.text)).toEqual([
      expect.stringContaining(`notifications of ${ann.username}`),
    ]);
    expect((await ann.client.request<{ linked: boolean }>('GET', '/api/v1/account/telegram')).body.linked).toBe(true);
    // The next getUpdates confirms it, so Telegram never hands it over again.
    await until(() => polls.some((p) => p.offset === updateId + 1));
    expect(polls.some((p) => p.offset === updateId + 1)).toBe(true);
    await sleep(300);
    expect(sent.filter((m) => m.chat_id === 6001)).toHaveLength(1);
  });

  it('when Telegram answers 409 (another poller holds the bot), then the poller waits and takes over later, not hammering', async () => {
    const bob = await member();
    const link = await bob.client.request<{ code: string }>('POST', '/api/v1/account/telegram/link');
    // Another poller takes the bot: the request under way ends empty and the next two conflict.
    conflicts = 2;
    const from = Date.now();
    for (const wake of waiting.splice(0)) wake();
    await until(() => polls.some((p) => p.at >= from && p.status === 409));
    queueStart(6002, `/start ${link.body.code}`);
    await until(() => sent.some((m) => m.chat_id === 6002), 30_000);
    expect((await bob.client.request<{ linked: boolean }>('GET', '/api/v1/account/telegram')).body.linked).toBe(true);
    const since = polls.filter((p) => p.at >= from);
    expect(since.map((p) => p.status).slice(0, 3)).toEqual([409, 409, 200]);
    // Each conflict is followed by a pause, not a retry at once.
    expect(since[1]!.at - since[0]!.at).toBeGreaterThanOrEqual(4000);
    expect(since[2]!.at - since[1]!.at).toBeGreaterThanOrEqual(4000);
    expect(sent.filter((m) => m.chat_id === 6002)).toHaveLength(1);
  });
});
