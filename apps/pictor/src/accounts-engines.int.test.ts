import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startTestSmtpServer, type TestSmtpServer } from '@pictor/testing';
import { AccountsClient, codeOf, resetCodeIn } from '@pictor/test-harness/accounts-client';
import { startEdge, type Edge } from '@pictor/test-harness/edge';
import { engines, freshBucket, freshDatabase } from '@pictor/test-harness/engines';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

// The accounts on the real engines: PostgreSQL for the rows, Redis for sessions, tokens and limits,
// MinIO behind the chart's NGINX edge for the images, a real SMTP server for the mail.
const ADMIN_TOKEN = 'operator-token-engines-0123';
let database: { url: string; drop(): Promise<void> };
let smtp: TestSmtpServer;
let pictor: TestPictor;
let redis: Redis;
let edge: Edge;

let redisUrl: string;

beforeAll(async () => {
  redisUrl = `${engines().redisUrl}/5`;
  database = await freshDatabase();
  smtp = await startTestSmtpServer();
  // A Redis database of this file's own: rate-limit counters of other files' sign-ups from the same
  // loopback client must not count against this file's (the run shares one Redis server).
  redis = new Redis(redisUrl);
  await redis.flushdb();
  const bucket = await freshBucket();
  const { s3 } = engines();
  pictor = await startTestPictor({
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_REGION: s3.region,
    SMTP_URL: smtp.url,
    ADMIN_TOKEN,
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_PASSES: '1',
    RATE_LIMIT_LOGIN: '4',
    // Sign-ups count against the reset limiter, per client, in the Redis every test file shares.
    RATE_LIMIT_RESET: '1000',
    RATE_LIMIT_UPLOADS: '0',
  });
  edge = await startEdge({
    nginxBin: engines().nginxBin,
    apiPort: pictor.handle.port!,
    s3Endpoint: s3.endpoint,
    bucket,
    cacheValid: '1s',
  });
});

afterAll(async () => {
  await edge?.stop();
  await pictor?.stop();
  await smtp?.close();
  redis?.disconnect();
  await database?.drop();
});

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

describe('accounts on PostgreSQL, Redis and SMTP', () => {
  it('when a person registers, makes a token, uploads, lists and deletes, then it all holds on the real engines', async () => {
    const name = `eng_${unique()}`;
    const client = new AccountsClient(pictor.url);
    expect((await client.register(name, `${name}@example.org`, 'engines passphrase one')).status).toBe(201);
    expect((await client.login(name, 'engines passphrase one')).status).toBe(200);
    const token = await client.createToken('cli', ['images:write', 'images:delete', 'account:read']);
    const tool = new AccountsClient(pictor.url, {});
    tool.bearer = token.body.token;
    const id = (await tool.upload(await png(30, 20))).body.images[0]!.id;
    const mine = await tool.request<{ images: { id: string }[] }>('GET', '/api/v1/account/images');
    expect(mine.body.images.map((i) => i.id)).toEqual([id]);
    expect((await tool.request('DELETE', `/api/v1/images/${id}`)).status).toBe(204);
    expect((await tool.request<{ images: unknown[] }>('GET', '/api/v1/account/images')).body.images).toEqual([]);
    const { rows } = await pictor.handle.infrastructure.pool.query('SELECT 1 FROM images WHERE id = $1', [id]);
    expect(rows).toEqual([]);
  });

  it('when the session and token are cached in Redis and the account is blocked, then both stop at once', async () => {
    const name = `blk_${unique()}`;
    const client = new AccountsClient(pictor.url);
    await client.register(name, `${name}@example.org`, 'engines passphrase two');
    await client.login(name, 'engines passphrase two');
    const token = await client.createToken('t', ['account:read']);
    const tool = new AccountsClient(pictor.url, {});
    tool.bearer = token.body.token;
    const me = await client.request<{ id: string }>('GET', '/api/v1/account');
    expect((await tool.request('GET', '/api/v1/account')).status).toBe(200);
    expect((await tool.request('GET', '/api/v1/account')).status).toBe(200);
    // Both lookups are in Redis now.
    expect((await redis.keys('pictor:session:*')).length).toBeGreaterThan(0);
    expect((await redis.keys('pictor:token:*')).length).toBeGreaterThan(0);

    const operator = new AccountsClient(pictor.url, {});
    operator.bearer = ADMIN_TOKEN;
    expect(
      (await operator.request('PATCH', `/api/v1/admin/users/${me.body.id}`, { json: { status: 'blocked' } })).status,
    ).toBe(200);
    expect((await client.request('GET', '/api/v1/account')).status).toBe(401);
    expect((await tool.request('GET', '/api/v1/account')).status).toBe(401);
  });

  it('when an account is blocked, then the edge answers 404 for its direct links within its cache bound, and 200 again once unblocked', async () => {
    const name = `edge_${unique()}`;
    const client = new AccountsClient(pictor.url);
    await client.register(name, `${name}@example.org`, 'engines passphrase edge');
    await client.login(name, 'engines passphrase edge');
    const image = (await client.upload(await png(50, 40))).body.images[0]!;
    for (let i = 0; i < 150; i++) {
      const status = ((await (await fetch(`${pictor.url}/api/v1/images/${image.id}`)).json()) as { status: string })
        .status;
      if (status === 'ready') break;
      await sleep(100);
    }
    const viaEdge = `${edge.url}${new URL(image.links.direct!).pathname}`;
    expect((await fetch(viaEdge)).status).toBe(200);

    const me = await client.request<{ id: string }>('GET', '/api/v1/account');
    const operator = new AccountsClient(pictor.url, {});
    operator.bearer = ADMIN_TOKEN;
    await operator.request('PATCH', `/api/v1/admin/users/${me.body.id}`, { json: { status: 'blocked' } });
    const until = async (expected: number) => {
      let status = 0;
      for (let i = 0; i < 40 && status !== expected; i++) {
        status = (await fetch(viaEdge)).status;
        if (status !== expected) await sleep(250);
      }
      return status;
    };
    // edge.cache.valid is 1 s here: the bound within which the edge may still serve it.
    expect(await until(404)).toBe(404);
    await operator.request('PATCH', `/api/v1/admin/users/${me.body.id}`, { json: { status: 'active' } });
    expect(await until(200)).toBe(200);
  });

  it('when an image is private, then the edge serves it to its owner only (through the api, uncached) and to no one after them', async () => {
    const name = `prv_${unique()}`;
    const client = new AccountsClient(pictor.url);
    await client.register(name, `${name}@example.org`, 'engines passphrase private');
    await client.login(name, 'engines passphrase private');
    const image = (await client.upload(await png(50, 40), { visibility: 'private' })).body.images[0]!;
    for (let i = 0; i < 150; i++) {
      if ((await client.request<{ status: string }>('GET', `/api/v1/images/${image.id}`)).body.status === 'ready')
        break;
      await sleep(100);
    }
    const viaEdge = `${edge.url}/i/${image.id}.png`;
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const anonymous = await fetch(viaEdge);
    expect(anonymous.status).toBe(404);
    // The edge finds nothing under public/ and asks the api, passing the owner's cookie along.
    const own = await fetch(viaEdge, { headers: { cookie }, redirect: 'manual' });
    expect(own.status).toBe(200);
    expect(own.headers.get('cache-control')).toBe('private, no-store');
    expect(own.headers.get('x-pictor-fallback')).toBe('api');
    expect(
      Buffer.from(await own.arrayBuffer())
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
    // Nothing of the owner's answer was kept for the next client.
    const after = await fetch(viaEdge);
    expect(after.status).toBe(404);
    expect(after.headers.get('x-cache-status')).not.toBe('HIT');
  });

  it('when the password is reset with the emailed code, then the old session, cached in Redis, is signed out', async () => {
    const name = `rst_${unique()}`;
    const client = new AccountsClient(pictor.url);
    await client.register(name, `${name}@example.org`, 'engines passphrase three');
    await client.login(name, 'engines passphrase three');
    expect((await client.request('GET', '/api/v1/account')).status).toBe(200);
    const anonymous = new AccountsClient(pictor.url);
    expect((await anonymous.request('POST', '/api/v1/auth/password-reset', { json: { login: name } })).status).toBe(
      202,
    );
    const mail = await smtp.waitFor((m) => m.text?.includes(name) === true && m.subject?.includes('reset') === true);
    const confirmed = await anonymous.request('POST', '/api/v1/auth/password-reset/confirm', {
      json: { login: `${name}@example.org`, code: resetCodeIn(mail.text ?? ''), password: 'engines passphrase four' },
    });
    expect(confirmed.status).toBe(204);
    expect((await client.request('GET', '/api/v1/account')).status).toBe(401);
    expect((await anonymous.login(name, 'engines passphrase four')).status).toBe(200);
  });

  it('when sign-in is hammered, then the limit counted in Redis answers 429 with Retry-After', async () => {
    const name = `rl_${unique()}`;
    const attacker = new AccountsClient(pictor.url);
    for (let i = 0; i < 4; i++) expect((await attacker.login(name, `wrong guess ${i}`)).status).toBe(401);
    const refused = await attacker.login(name, 'wrong guess 5');
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await redis.exists(`pictor-login-account:login:account:${name}`)).toBe(1);
  });
});
