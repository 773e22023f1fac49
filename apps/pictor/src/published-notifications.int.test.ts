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
import { png } from '@pictor/test-harness/images';

// What a follower with notify on hears of a new public image and a new public paste, on the real
// engines (PostgreSQL for the outbox and the delivery log, Kafka for pictor.notifications), on
// every channel at once: a real SMTP server, a signed webhook to a receiver and a fake Telegram
// Bot API, each counted at the peer.
const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_PASSES: '1' };
const TOKEN = '424242:published-token';
const SECRET = 'published-webhook-secret-0123';
const RECEIVER_HOST = '127.0.0.2';

interface Hook {
  path: string;
  headers: Record<string, string>;
  body: string;
}
interface TelegramMessage {
  chat_id: number;
  text: string;
}

let database: { url: string; drop(): Promise<void> };
let smtp: TestSmtpServer;
let pictor: TestPictor;
let telegram: http.Server;
let receiver: http.Server;
let receiverUrl: string;
const hooks: Hook[] = [];
const messages: TelegramMessage[] = [];
let counter = 0;

function recorder(onBody: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void) {
  return http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => onBody(req, body, res));
  });
}

async function member() {
  counter++;
  const username = `pb${counter}_${Date.now().toString(36)}`;
  const password = `a long passphrase number ${counter}`;
  const client = new AccountsClient(pictor.url);
  expect((await client.register(username, `${username}@example.org`, password)).status).toBe(201);
  expect((await client.login(username, password)).status).toBe(200);
  return { client, username, email: `${username}@example.org` };
}

/** The follower's three channels: a linked Telegram chat and a webhook; email comes with the account. */
async function withChannels(fan: Awaited<ReturnType<typeof member>>, chatId: number) {
  const link = await fan.client.request<{ code: string }>('POST', '/api/v1/account/telegram/link');
  expect(link.status).toBe(201);
  const update = await fetch(`${pictor.url}/hooks/telegram/${SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify({
      update_id: chatId,
      message: { message_id: 1, chat: { id: chatId, type: 'private' }, text: `/start ${link.body.code}` },
    }),
  });
  expect(update.status).toBe(200);
  const webhook = await fan.client.request<{ secret: string; events: string[] }>('POST', '/api/v1/account/webhooks', {
    json: { url: `${receiverUrl}/${fan.username}` },
  });
  expect(webhook.status).toBe(201);
  expect(webhook.body.events).toContain('paste.published');
  return webhook.body.secret;
}

async function until(done: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(100);
}

beforeAll(async () => {
  database = await freshDatabase();
  smtp = await startTestSmtpServer();
  telegram = recorder((req, body, res) => {
    if (req.url === `/bot${TOKEN}/sendMessage`) messages.push(JSON.parse(body) as TelegramMessage);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: {} }));
  });
  telegram.listen(0, '127.0.0.1');
  receiver = recorder((req, body, res) => {
    hooks.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
    res.writeHead(204).end();
  });
  receiver.listen(0, RECEIVER_HOST);
  await Promise.all([once(telegram, 'listening'), once(receiver, 'listening')]);
  receiverUrl = `http://${RECEIVER_HOST}:${(receiver.address() as AddressInfo).port}`;
  pictor = await startTestPictor({
    ...FAST_ARGON2,
    DATABASE_URL: database.url,
    KAFKA_BROKERS: engines().kafkaBrokers,
    SMTP_URL: smtp.url,
    RATE_LIMIT_LOGIN: '1000',
    RATE_LIMIT_UPLOADS: '0',
    NOTIFY_RETRY_BASE_MS: '50',
    WEBHOOK_ALLOWED_CIDRS: `${RECEIVER_HOST}/32`,
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_BOT_USERNAME: 'pictor_published_bot',
    TELEGRAM_API_URL: `http://127.0.0.1:${(telegram.address() as AddressInfo).port}`,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  });
});

afterAll(async () => {
  await pictor?.stop();
  await smtp?.close();
  for (const server of [telegram, receiver]) {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }
  await database?.drop();
});

describe('a follower hears of new public images and pastes on every channel, through Kafka', () => {
  it('when a followed author publishes an image and a paste, then the follower gets one email, one signed webhook and one Telegram message for each', async () => {
    const author = await member();
    const fan = await member();
    const chatId = 7100 + counter;
    const secret = await withChannels(fan, chatId);
    expect(
      (await fan.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: true } })).status,
    ).toBe(201);

    const image = await author.client.upload(await png(20, 20), { title: 'Quay <at> noon' });
    expect(image.status).toBe(201);
    const imageId = image.body.images[0]!.id;
    const paste = await author.client.request<{ id: string }>('POST', '/api/v1/pastes', {
      json: { content: 'print("hello")\n', title: 'Notes & <sketches>', language: 'python' },
    });
    expect(paste.status).toBe(201);
    const pasteId = paste.body.id;

    const hooksOf = (type: string) =>
      hooks.filter((h) => h.path === `/${fan.username}` && (JSON.parse(h.body) as { type: string }).type === type);
    const chatOf = () => messages.filter((m) => m.chat_id === chatId && m.text.includes(' published '));
    const mailOf = (what: string) =>
      smtp.messages.filter(
        (m: ParsedMail) =>
          JSON.stringify(m.to).includes(fan.email) && m.subject === `${author.username} published ${what} on Pictor`,
      );
    await until(
      () =>
        hooksOf('image.published').length >= 1 &&
        hooksOf('paste.published').length >= 1 &&
        chatOf().length >= 2 &&
        mailOf('"Quay <at> noon"').length >= 1 &&
        mailOf('"Notes & <sketches>"').length >= 1,
    );
    // Time for a repeat to show, if one were coming.
    await sleep(1500);

    const [imageMail] = mailOf('"Quay <at> noon"');
    const [pasteMail] = mailOf('"Notes & <sketches>"');
    expect(mailOf('"Quay <at> noon"')).toHaveLength(1);
    expect(mailOf('"Notes & <sketches>"')).toHaveLength(1);
    expect(imageMail!.text).toContain(`/v/${imageId}`);
    expect(pasteMail!.text).toContain(`/p/${pasteId}`);
    // The title is the author's text: escaped in HTML.
    expect(pasteMail!.html).toContain('Notes &amp; &lt;sketches&gt;');

    const verify = new Webhook(secret);
    expect(hooksOf('image.published')).toHaveLength(1);
    expect(hooksOf('paste.published')).toHaveLength(1);
    expect(verify.verify(hooksOf('image.published')[0]!.body, hooksOf('image.published')[0]!.headers)).toMatchObject({
      type: 'image.published',
      data: { actor: author.username, imageId, title: 'Quay <at> noon' },
    });
    expect(verify.verify(hooksOf('paste.published')[0]!.body, hooksOf('paste.published')[0]!.headers)).toMatchObject({
      type: 'paste.published',
      data: { actor: author.username, pasteId, title: 'Notes & <sketches>', language: 'python' },
    });

    expect(
      chatOf()
        .map((m) => m.text)
        .sort(),
    ).toEqual(
      [
        `${author.username} published "Notes & <sketches>": ${pictor.config.http.publicUrl}/p/${pasteId}`,
        `${author.username} published "Quay <at> noon": ${pictor.config.http.publicUrl}/v/${imageId}`,
      ].sort(),
    );

    const inbox = await fan.client.request<{ notifications: { type: string; data: Record<string, string> }[] }>(
      'GET',
      '/api/v1/notifications',
    );
    expect(inbox.body.notifications.map((n) => n.type).sort()).toEqual(['image.published', 'paste.published']);
  });

  it('when an author makes an unlisted paste or someone pastes anonymously, then nobody is told', async () => {
    const author = await member();
    const fan = await member();
    const chatId = 7200 + counter;
    await withChannels(fan, chatId);
    await fan.client.request('PUT', `/api/v1/users/${author.username}/follow`, { json: { notify: true } });

    const unlisted = await author.client.request('POST', '/api/v1/pastes', {
      json: { content: 'hidden', title: 'Unlisted draft', visibility: 'unlisted' },
    });
    expect(unlisted.status).toBe(201);
    const anonymous = await new AccountsClient(pictor.url).request('POST', '/api/v1/pastes', {
      json: { content: 'nobody', title: 'Anonymous note' },
    });
    expect(anonymous.status).toBe(201);
    // A public paste after them: once it has arrived, the two before it had their chance.
    const marker = await author.client.request<{ id: string }>('POST', '/api/v1/pastes', {
      json: { content: 'public', title: 'Marker' },
    });
    expect(marker.status).toBe(201);
    await until(() => messages.some((m) => m.chat_id === chatId && m.text.includes('"Marker"')));
    await sleep(1500);

    expect(messages.filter((m) => m.chat_id === chatId && m.text.includes(' published ')).map((m) => m.text)).toEqual([
      `${author.username} published "Marker": ${pictor.config.http.publicUrl}/p/${marker.body.id}`,
    ]);
    expect(
      hooks.filter((h) => h.path === `/${fan.username}`).map((h) => (JSON.parse(h.body) as { type: string }).type),
    ).toEqual(['paste.published']);
    const published = smtp.messages.filter(
      (m: ParsedMail) => JSON.stringify(m.to).includes(fan.email) && m.subject?.includes(' published ') === true,
    );
    expect(published.map((m) => m.subject)).toEqual([`${author.username} published "Marker" on Pictor`]);
    const { rows } = await pictor.handle.infrastructure.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox
        WHERE topic = 'pictor.notifications' AND payload->>'type' = 'paste.published' AND payload->'actor'->>'username' = $1`,
      [author.username],
    );
    expect(rows[0]!.n).toBe(1);
  });
});
