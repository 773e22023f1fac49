import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { freshBucket, freshDatabase, pictorEnv } from '@pictor/test-harness/engines';
import { spawnPictor, type PictorProcess } from '@pictor/test-harness/processes';

/**
 * The notifier killed with SIGKILL in the middle of a fan-out to 10 000 followers, on PostgreSQL
 * and Kafka, as separate processes (api, relay, notifier). Counted at the peers: the webhook
 * receiver (each follower has an endpoint), the `.eml` files of the email channel and the in-app
 * rows. A crash can fall between "the peer accepted" and "recorded as sent", so a receiver may see
 * a request again; it then carries the same `webhook-id` (and an email the same Message-ID), which
 * is what receivers drop repeats by. What must hold: every follower is notified on each channel,
 * under exactly one delivery id. Then the same event handed over by Kafka again sends nothing.
 */
const FOLLOWERS = 10_000;
const RECEIVER_HOST = '127.0.0.2';
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

let database: { url: string; drop(): Promise<void> };
let sql: pg.Pool;
let env: Record<string, string>;
let dataDir: string;
let receiver: http.Server;
const running: PictorProcess[] = [];
/** Every request the receiver got: the follower (path) and its webhook-id. */
const hits: { follower: string; id: string }[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  const bucket = await freshBucket();
  dataDir = await mkdtemp(path.join(tmpdir(), 'pictor-notifier-crash-'));
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ follower: (req.url ?? '').slice(1), id: String(req.headers['webhook-id']) });
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, RECEIVER_HOST);
  await once(receiver, 'listening');
  env = pictorEnv(database.url, bucket, {
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    WEBHOOK_ALLOWED_CIDRS: `${RECEIVER_HOST}/32`,
    NOTIFY_FANOUT_BATCH: '500',
    NOTIFY_RETRY_BASE_MS: '100',
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_PASSES: '1',
    RATE_LIMIT_LOGIN: '1000',
    // Sign-ups count against the reset limiter, per client, in the Redis every test file shares.
    RATE_LIMIT_RESET: '1000',
    DATA_DIR: dataDir,
    // 10 000 deliveries per channel: info lines only, not a debug line per query.
    LOG_LEVEL: 'info',
  });
  await (await spawnPictor('migrate', env)).kill();
  sql = new pg.Pool({ connectionString: database.url, max: 2 });
  // Dropping the database at the end ends these connections too.
  sql.on('error', () => undefined);
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  await sql?.end();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function start(target: 'api' | 'relay' | 'notifier'): Promise<PictorProcess> {
  const process = await spawnPictor(target, env);
  running.push(process);
  return process;
}

async function count(query: string, params: unknown[] = []): Promise<number> {
  return (await sql.query<{ n: number }>(query, params)).rows[0]!.n;
}

async function until(what: string, done: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) {
      // What the processes said last, so a timeout tells where things stopped.
      const tails = running
        .map(
          (p) =>
            `${p.target}:\n${p.lines
              .slice(-8)
              .map((l) => JSON.stringify(l))
              .join('\n')}`,
        )
        .join('\n');
      throw new Error(`timed out waiting for ${what}\n${tails}`);
    }
    await sleep(100);
  }
}

/** The email channel's `.eml` files: recipient and Message-ID of each, repeats included. */
async function emails(): Promise<{ to: string; id: string }[]> {
  const dir = path.join(dataDir, 'mail');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.eml'));
  const out: { to: string; id: string }[] = [];
  for (const name of names) {
    const text = await readFile(path.join(dir, name), 'utf8');
    const to = /^To: (.+)$/m.exec(text)?.[1]?.trim() ?? '';
    const id = /^Message-ID: (.+)$/im.exec(text)?.[1]?.trim() ?? '';
    out.push({ to, id });
  }
  return out;
}

/** Per key, the distinct ids seen; every key must have exactly one. */
function idsPer(items: { key: string; id: string }[]): Map<string, Set<string>> {
  const per = new Map<string, Set<string>>();
  for (const { key, id } of items) {
    const ids = per.get(key) ?? new Set<string>();
    ids.add(id);
    per.set(key, ids);
  }
  return per;
}

describe('when the notifier is killed (SIGKILL) in the middle of a fan-out to 10 000 followers', () => {
  it('then after a restart every follower is notified on each channel under one delivery id, and a duplicate Kafka delivery sends nothing', async () => {
    const api = await start('api');
    await start('relay');
    const first = await start('notifier');

    const author = new AccountsClient(api.url!);
    expect((await author.register('crashauthor', 'crashauthor@example.org', 'a long author passphrase')).status).toBe(
      201,
    );
    expect((await author.login('crashauthor', 'a long author passphrase')).status).toBe(200);
    const authorId = (await author.request<{ id: string }>('GET', '/api/v1/account')).body.id;

    // 10 000 followers with notify on and a webhook each, written straight into the database
    // (signing up 10 000 people through Argon2 would take the test's whole budget).
    await sql.query(
      `INSERT INTO accounts (id, username, email, password_hash)
       SELECT 'crash' || lpad(i::text, 6, '0'), 'fan' || i, 'fan' || i || '@example.org', 'not-a-hash'
         FROM generate_series(1, $1::int) AS i`,
      [FOLLOWERS],
    );
    await sql.query(
      `INSERT INTO follows (follower_id, followee_id, notify, created_at)
       SELECT id, $1, true, now() - (substr(id, 6)::int * interval '1 millisecond') FROM accounts WHERE id LIKE 'crash%'`,
      [authorId],
    );
    const receiverUrl = `http://${RECEIVER_HOST}:${(receiver.address() as AddressInfo).port}`;
    await sql.query(
      `INSERT INTO webhooks (id, account_id, url, secret, events)
       SELECT gen_random_uuid()::text, id, $1 || '/' || username, $2, ARRAY['paste.published']
         FROM accounts WHERE id LIKE 'crash%'`,
      [receiverUrl, SECRET],
    );

    const paste = await author.request<{ id: string }>('POST', '/api/v1/pastes', {
      json: { content: 'the tide tables', title: 'Tides' },
    });
    expect(paste.status).toBe(201);

    // Mid-way: a quarter of the followers reached, then the process dies without a word.
    await until('a quarter of the fan-out', () => hits.length >= FOLLOWERS / 4, 180_000);
    await first.kill('SIGKILL');
    const reachedBeforeKill = new Set(hits.map((h) => h.follower)).size;
    expect(reachedBeforeKill).toBeLessThan(FOLLOWERS);
    const eventId = (
      await sql.query<{ id: string }>(
        `SELECT payload->>'id' AS id FROM outbox WHERE topic = 'pictor.notifications' AND payload->>'type' = 'paste.published'`,
      )
    ).rows[0]!.id;
    expect(await count('SELECT count(*)::int AS n FROM notification_fanouts WHERE done_at IS NOT NULL')).toBe(0);

    const second = await start('notifier');
    const inApp = () => count('SELECT count(*)::int AS n FROM notifications WHERE event_id = $1', [eventId]);
    await until(
      'every follower on every channel',
      async () =>
        new Set(hits.map((h) => h.follower)).size >= FOLLOWERS &&
        (await inApp()) >= FOLLOWERS &&
        (await count(`SELECT count(*)::int AS n FROM notification_deliveries WHERE status = 'sent'`)) >= FOLLOWERS * 3,
      300_000,
    );
    await second.waitForLog((l) => l.msg === 'notification event handled' && l.eventId === eventId, 60_000);

    // The same event handed over again, as a relay that died after Kafka acknowledged leaves it.
    const webhooksBefore = hits.length;
    const emailsBefore = (await emails()).length;
    const requeued = await sql.query(`UPDATE outbox SET sent_at = NULL WHERE payload->>'id' = $1`, [eventId]);
    expect(requeued.rowCount).toBe(1);
    await until(
      'the duplicate handled',
      () => second.lines.filter((l) => l.msg === 'notification event handled' && l.eventId === eventId).length >= 2,
      60_000,
    );
    await sleep(500);
    expect(hits.length).toBe(webhooksBefore);
    expect((await emails()).length).toBe(emailsBefore);

    // Webhooks: every follower, one webhook-id each; repeats only from the deliveries in flight
    // at the kill, and those carry the same id.
    const hooks = idsPer(hits.map((h) => ({ key: h.follower, id: h.id })));
    expect(hooks.size).toBe(FOLLOWERS);
    expect([...hooks.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    expect(hits.length - FOLLOWERS).toBeLessThanOrEqual(16);

    // Email: the same, by recipient and Message-ID.
    const mail = await emails();
    const mails = idsPer(mail.map((m) => ({ key: m.to, id: m.id })));
    expect(mails.size).toBe(FOLLOWERS);
    expect([...mails.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    expect(mail.length - FOLLOWERS).toBeLessThanOrEqual(16);

    // In-app: one row per follower (the row itself is the idempotency record).
    expect(await inApp()).toBe(FOLLOWERS);
    expect(
      await count('SELECT count(DISTINCT account_id)::int AS n FROM notifications WHERE event_id = $1', [eventId]),
    ).toBe(FOLLOWERS);
    // The delivery log: one row per follower and channel, all sent; the fan-out finished.
    expect(
      await count(`SELECT count(*)::int AS n FROM notification_deliveries WHERE event_id = $1 AND status = 'sent'`, [
        eventId,
      ]),
    ).toBe(FOLLOWERS * 3);
    expect(await count('SELECT count(*)::int AS n FROM notification_deliveries WHERE event_id = $1', [eventId])).toBe(
      FOLLOWERS * 3,
    );
    expect(await count('SELECT count(*)::int AS n FROM notification_fanouts WHERE done_at IS NOT NULL')).toBe(1);
  }, 600_000);
});
