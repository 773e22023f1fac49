import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { freshBucket, freshDatabase, pictorEnv } from '@pictor/test-harness/engines';
import { png } from '@pictor/test-harness/images';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';

// View counts of images and pastes, and the owner's "most viewed" list, on real PostgreSQL (the
// totals), Redis ("seen this hour") and MinIO.
let database: { url: string; drop(): Promise<void> };
let pictor: TestPictor;

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SLACK = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';

beforeAll(async () => {
  database = await freshDatabase();
  pictor = await startTestPictor(
    pictorEnv(database.url, await freshBucket(), {
      CACHE_TTL_SECONDS: '300',
      RATE_LIMIT_RESET: '100',
      VIEWS_FLUSH_SECONDS: '1',
      // Clients are told apart by X-Forwarded-For, believed from the loopback only.
      TRUSTED_PROXIES: '127.0.0.1',
    }),
  );
});

afterAll(async () => {
  await pictor?.stop();
  await database?.drop();
});

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const as = (ip: string, agent = CHROME) => ({ 'User-Agent': agent, 'X-Forwarded-For': ip });
const get = (path: string, headers: Record<string, string>, method = 'GET') =>
  fetch(`${pictor.url}${path}`, { method, headers, redirect: 'manual' });

async function signedIn(): Promise<AccountsClient> {
  const name = `vw_${unique()}`.slice(0, 30);
  const client = new AccountsClient(pictor.url, { 'Sec-Fetch-Site': 'same-origin', 'User-Agent': CHROME });
  expect((await client.register(name, `${name}@example.org`, 'views passphrase one')).status).toBe(201);
  expect((await client.login(name, 'views passphrase one')).status).toBe(200);
  return client;
}

async function upload(client: AccountsClient, title: string): Promise<string> {
  const answer = await client.upload(await png(64, 48), { title });
  expect(answer.status).toBe(201);
  return answer.body.images[0]!.id;
}

/** The total in PostgreSQL once it reaches `expected` (flushes are batched), or the last seen. */
async function viewsInDatabase(table: 'images' | 'pastes', id: string, expected: number): Promise<number> {
  let views = -1;
  for (let i = 0; i < 50 && views !== expected; i++) {
    if (i > 0) await sleep(100);
    const { rows } = await pictor.handle.infrastructure.pool.query<{ views: number }>(
      `SELECT views::int FROM ${table} WHERE id = $1`,
      [id],
    );
    views = rows[0]!.views;
  }
  return views;
}

describe('image views', () => {
  it('when people open the view page, then each counts once per hour and the owner, HEAD and bots never; the total shows on the page and in the API', async () => {
    const owner = await signedIn();
    const id = await upload(owner, 'counted');

    expect((await get(`/v/${id}`, as('198.51.100.1'))).status).toBe(200);
    await get(`/v/${id}`, as('198.51.100.1'));
    await get(`/v/${id}`, as('198.51.100.2'));
    await get(`/v/${id}`, as('198.51.100.3', SLACK));
    await get(`/v/${id}`, as('198.51.100.4'), 'HEAD');
    await get(`/v/${id}`, { ...as('198.51.100.5'), 'Sec-Purpose': 'prefetch' });
    // The owner's own visits, signed in on the page, from an address no one else used.
    for (let i = 0; i < 3; i++) {
      expect((await owner.request('GET', `/v/${id}`, { headers: { 'X-Forwarded-For': '198.51.100.6' } })).status).toBe(
        200,
      );
    }
    // The direct link is the file, embedded anywhere: not a visit of the page.
    await get(`/i/${id}.png`, as('198.51.100.7'));

    expect(await viewsInDatabase('images', id, 2)).toBe(2);
    await sleep(1500);
    expect(await viewsInDatabase('images', id, 2)).toBe(2);

    // The cached record shows its count as of when it was cached; a fresh read shows the total.
    await pictor.handle.infrastructure.cache.delete(`image:${id}`);
    const api = (await (await get(`/api/v1/images/${id}`, as('198.51.100.8'))).json()) as { views: number };
    expect(api.views).toBe(2);
    const page = await (await get(`/v/${id}`, as('198.51.100.1'))).text();
    expect(page).toContain('<span class="views">2 views</span>');
  });

  it('when many clients view at once, then PostgreSQL gets a batch, not one write per view', async () => {
    const owner = await signedIn();
    const id = await upload(owner, 'batched');
    await get(`/v/${id}`, as('203.0.113.250'));
    await viewsInDatabase('images', id, 1);

    const pool = pictor.handle.infrastructure.pool;
    const query = pool.query.bind(pool);
    const writes: string[] = [];
    pool.query = ((text: unknown, ...rest: unknown[]) => {
      if (typeof text === 'string' && /UPDATE images t SET views/.test(text)) writes.push(text);
      return (query as (...args: unknown[]) => unknown)(text, ...rest);
    }) as typeof pool.query;
    try {
      await Promise.all(Array.from({ length: 12 }, (_, i) => get(`/v/${id}`, as(`203.0.113.${i + 1}`))));
      expect(await viewsInDatabase('images', id, 13)).toBe(13);
    } finally {
      pool.query = query;
    }
    // Twelve views, written by at most a flush or two (one may fall in the middle of the burst).
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(writes.length).toBeLessThanOrEqual(2);
  });
});

describe('paste pages and their author', () => {
  it('when the signed-in author opens their own burn-after-reading paste page, then it neither burns nor counts; the next reader gets it', async () => {
    const author = await signedIn();
    const created = await author.request<{ id: string; links: { view: string; short: string } }>(
      'POST',
      '/api/v1/pastes',
      { json: { content: 'for the reader', title: 'Burn me', burnAfterReading: true } },
    );
    expect(created.status).toBe(201);
    const view = new URL(created.body.links.view).pathname;
    const short = new URL(created.body.links.short).pathname;
    for (const path of [view, short, `${short}/raw`]) {
      const own = await author.request<string>('GET', path, { headers: { 'X-Forwarded-For': '192.0.2.10' } });
      expect(own.status).toBe(200);
      expect(own.body).toContain('for the reader');
    }
    const reader = await get(short, as('192.0.2.11'));
    expect(reader.status).toBe(200);
    expect(await reader.text()).toContain('for the reader');
    expect((await get(short, as('192.0.2.12'))).status).toBe(404);
  });
});

describe('most viewed', () => {
  it('when the owner asks for their most viewed items, then pastes and images come together, most views first, only their own', async () => {
    const owner = await signedIn();
    const stranger = await signedIn();
    const image = await upload(owner, 'popular photo');
    const paste = await owner.request<{ id: string }>('POST', '/api/v1/pastes', {
      json: { content: 'a popular paste', title: 'popular <b>paste</b>' },
    });
    const quiet = await owner.request<{ id: string }>('POST', '/api/v1/pastes', { json: { content: 'quiet' } });
    const theirs = await upload(stranger, 'not yours');
    for (let i = 1; i <= 3; i++) await get(`/p/${paste.body.id}`, as(`198.18.0.${i}`));
    for (let i = 1; i <= 2; i++) await get(`/v/${image}`, as(`198.18.1.${i}`));
    for (let i = 1; i <= 5; i++) await get(`/v/${theirs}`, as(`198.18.2.${i}`));
    await viewsInDatabase('pastes', paste.body.id, 3);
    await viewsInDatabase('images', image, 2);
    await viewsInDatabase('images', theirs, 5);

    const top = await owner.request<{
      items: { kind: string; id: string; title: string | null; views: number; link: string }[];
    }>('GET', '/api/v1/account/most-viewed');
    expect(top.status).toBe(200);
    expect(top.body.items.map((i) => [i.kind, i.id, i.title, i.views])).toEqual([
      ['paste', paste.body.id, 'popular <b>paste</b>', 3],
      ['image', image, 'popular photo', 2],
      ['paste', quiet.body.id, null, 0],
    ]);
    // Links are on PUBLIC_URL; their paths are the view pages.
    expect(new URL(top.body.items[1]!.link).pathname).toBe(`/v/${image}`);
    const pasteLink = new URL(top.body.items[0]!.link).pathname;
    expect(await (await get(pasteLink, as('198.18.0.1'))).text()).toContain('a popular paste');

    const one = await owner.request<{ items: unknown[] }>('GET', '/api/v1/account/most-viewed?limit=1');
    expect(one.body.items).toHaveLength(1);
    expect((await owner.request('GET', '/api/v1/account/most-viewed?limit=0')).body).toMatchObject({
      error: { code: 'VALIDATION_FAILED' },
    });
    const post = await owner.request<{ error: { code: string } }>('POST', '/api/v1/account/most-viewed', { json: {} });
    expect([post.status, post.body.error.code, post.headers.get('allow')]).toEqual([
      405,
      'METHOD_NOT_ALLOWED',
      'GET, HEAD',
    ]);
    const anonymous = await fetch(`${pictor.url}/api/v1/account/most-viewed`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('AUTHENTICATION_REQUIRED');
  });
});
