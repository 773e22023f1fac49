import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'node:http';
import { loadConfig } from '@pictor/config';
import { S3ObjectStore } from '@pictor/objects';
import { silentLogger } from '@pictor/observability';
import { AccountsClient, codeOf } from '@pictor/test-harness/accounts-client';
import { freshDatabase } from '@pictor/test-harness/engines';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';
import { startMinioSites, type MinioSite } from '@pictor/test-harness/minio-sites';
import { runStorageSetup } from './targets/storage-setup.js';

/**
 * Private images and pastes on real PostgreSQL and three MinIO servers (a primary, replicas in
 * Europe and North America, replication set up by storage-setup): the owner is sent to a
 * presigned URL on the replica nearest them; anyone else finds nothing; nothing private is
 * listed or stored where the edge reads; share links open private pastes for anyone.
 */
let database: { url: string; drop(): Promise<void> };
let running: { sites: MinioSite[]; stopAll(): Promise<void> };
let pictor: TestPictor;
let owner: AccountsClient;
let stranger: AccountsClient;
let imageId: string;
let primaryStore: S3ObjectStore;

const GB = '81.2.69.160';
const US = '8.8.8.8';
const LINK_TTL_SECONDS = 10;

interface Opened {
  status: number;
  location: string;
  cacheControl: string;
  body: string;
}

/** GET without following redirects, with the client's cookies, as a client at `localAddress` claiming `forwardedFor`. */
function open(
  path: string,
  options: { as?: AccountsClient; forwardedFor?: string; localAddress?: string } = {},
): Promise<Opened> {
  const headers: Record<string, string> = {};
  if (options.as && options.as.cookies.size > 0) {
    headers.cookie = [...options.as.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  if (options.forwardedFor) headers['x-forwarded-for'] = options.forwardedFor;
  const url = path.startsWith('http') ? path.replace(/^https?:\/\/[^/]+/, pictor.url) : `${pictor.url}${path}`;
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress: options.localAddress ?? '127.0.0.1', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          location: String(res.headers.location ?? ''),
          cacheControl: String(res.headers['cache-control'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const siteOf = (url: string) => {
  const port = new URL(url).port;
  return running.sites.find((s) => String(s.port) === port)?.name;
};

const errorOf = (answer: Opened) => {
  const { code, message } = (JSON.parse(answer.body) as { error: { code: string; message: string } }).error;
  return { status: answer.status, code, message };
};

function storeOf(site: MinioSite): S3ObjectStore {
  return new S3ObjectStore({
    endpoint: site.endpoint,
    bucket: 'pictor',
    accessKey: site.accessKey,
    secretKey: site.secretKey,
    region: 'us-east-1',
  });
}

async function keysUnder(store: S3ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  return keys;
}

/** Waits until every replica holds `key` (bucket replication is asynchronous). */
async function replicated(key: string): Promise<void> {
  for (const site of running.sites.slice(1)) {
    const store = storeOf(site);
    const deadline = Date.now() + 30_000;
    while (!(await store.stat(key))) {
      if (Date.now() > deadline) throw new Error(`${key} did not reach ${site.name}`);
      await sleep(100);
    }
  }
}

async function download(url: string): Promise<{ status: number; bytes: Buffer; cacheControl: string | null }> {
  const res = await fetch(url);
  return {
    status: res.status,
    bytes: Buffer.from(await res.arrayBuffer()),
    cacheControl: res.headers.get('cache-control'),
  };
}

beforeAll(async () => {
  database = await freshDatabase();
  running = await startMinioSites(['main', 'eu', 'us']);
  const [primary, eu, us] = running.sites as [MinioSite, MinioSite, MinioSite];
  const env = {
    DATABASE_URL: database.url,
    S3_ENDPOINT: primary.endpoint,
    S3_BUCKET: 'pictor',
    S3_ACCESS_KEY: primary.accessKey,
    S3_SECRET_KEY: primary.secretKey,
    S3_REPLICAS: `eu=${eu.endpoint} at=eu access=${eu.accessKey} secret=${eu.secretKey}; us=${us.endpoint} at=na access=${us.accessKey} secret=${us.secretKey}`,
    GEOIP_OVERRIDES: '127.0.0.3/32=us',
    TRUSTED_PROXIES: '127.0.0.1',
    LINK_TTL_SECONDS: String(LINK_TTL_SECONDS),
    REPLICA_LAG_INTERVAL_SECONDS: '2',
    REPLICA_LAG_BOUND_SECONDS: '3',
    REPLICA_COOLDOWN_SECONDS: '2',
    MINIO_CLIENT_PATH: process.env.PICTOR_MC_BIN ?? 'mc',
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_PASSES: '1',
    RATE_LIMIT_UPLOADS: '0',
  };
  await runStorageSetup(loadConfig(env, { PICTOR_TARGET: 'storage-setup' }), silentLogger());
  pictor = await startTestPictor(env);
  primaryStore = storeOf(primary);
  owner = new AccountsClient(pictor.url);
  expect((await owner.register('keeper', 'keeper@example.org', 'a long passphrase 1')).status).toBe(201);
  expect((await owner.login('keeper', 'a long passphrase 1')).status).toBe(200);
  stranger = new AccountsClient(pictor.url);
  expect((await stranger.register('stranger', 'stranger@example.org', 'another long passphrase')).status).toBe(201);
  expect((await stranger.login('stranger', 'another long passphrase')).status).toBe(200);

  const uploaded = await owner.upload(await png(64, 48), { visibility: 'private' });
  expect(uploaded.status).toBe(201);
  imageId = uploaded.body.images[0]!.id;
  for (let i = 0; i < 200; i++) {
    const image = await owner.request<{ status: string }>('GET', `/api/v1/images/${imageId}`);
    if (image.body.status === 'ready') break;
    await sleep(100);
  }
  await replicated(`private/${imageId}.png`);
}, 240_000);

afterAll(async () => {
  await pictor?.stop();
  await running?.stopAll();
  await database?.drop();
});

describe('private images', () => {
  it('when the owner opens a private image from Europe and from North America, then each is sent to its own replica, privately, and both links give the stored bytes', async () => {
    const fromGb = await open(`/i/${imageId}.png`, { as: owner, forwardedFor: GB });
    const fromUs = await open(`/i/${imageId}.png`, { as: owner, forwardedFor: US });
    expect(fromGb.status).toBe(302);
    expect(fromUs.status).toBe(302);
    expect(fromGb.cacheControl).toBe('private, no-store');
    expect(siteOf(fromGb.location)).toBe('eu');
    expect(siteOf(fromUs.location)).toBe('us');
    const stored = await primaryStore.get(`private/${imageId}.png`);
    const chunks: Buffer[] = [];
    for await (const chunk of stored!.body) chunks.push(Buffer.from(chunk as Uint8Array));
    const expected = Buffer.concat(chunks);
    for (const link of [fromGb, fromUs]) {
      const got = await download(link.location);
      expect(got.status).toBe(200);
      expect(got.bytes.equals(expected)).toBe(true);
      // Stored so: no cache between the replica and the owner keeps it either.
      expect(got.cacheControl).toBe('private, no-store');
    }
    // A variant too, from the connection's own place (the override table).
    await replicated(`private/${imageId}/thumb.png`);
    const thumb = await open(`/i/${imageId}/thumb.png`, { as: owner, localAddress: '127.0.0.3' });
    expect(thumb.status).toBe(302);
    expect(siteOf(thumb.location)).toBe('us');
    expect((await download(thumb.location)).status).toBe(200);
  });

  it('when anyone but the owner asks for a private image, then the answer is that of an image that does not exist', async () => {
    const missing = errorOf(await open('/i/AAAAAAAAAAAA.png'));
    for (const as of [undefined, stranger]) {
      const direct = await open(`/i/${imageId}.png`, { ...(as ? { as } : {}), forwardedFor: GB });
      expect(direct.location).toBe('');
      expect(errorOf(direct)).toEqual(missing);
      expect((await open(`/i/${imageId}/thumb.png`, as ? { as } : {})).status).toBe(404);
      expect((await open(`/v/${imageId}`, as ? { as } : {})).status).toBe(404);
    }
    expect((await stranger.request('GET', `/api/v1/images/${imageId}`)).status).toBe(404);
    expect(codeOf(await new AccountsClient(pictor.url).request('GET', `/api/v1/images/${imageId}`))).toBe(
      'IMAGE_NOT_FOUND',
    );
    const own = await owner.request('GET', `/api/v1/images/${imageId}`);
    expect(own.status).toBe(200);
    expect(own.headers.get('cache-control')).toBe('private, no-store');
  });

  it('when another account tries to change or delete a private image, then the answer is that of an image that does not exist', async () => {
    const answer = async (method: 'PATCH' | 'DELETE', id: string) => {
      const got = await stranger.request<{ error: { code: string; message: string } }>(
        method,
        `/api/v1/images/${id}`,
        method === 'PATCH' ? { json: { title: 'mine now' } } : {},
      );
      return { status: got.status, code: got.body.error?.code, message: got.body.error?.message };
    };
    for (const method of ['PATCH', 'DELETE'] as const) {
      expect(await answer(method, imageId)).toEqual(await answer(method, 'AAAAAAAAAAAA'));
    }
    expect((await owner.request('GET', `/api/v1/images/${imageId}`)).status).toBe(200);
  });

  it('when a private image is stored, then nothing of it is under public/ (where the edge reads) and it is never listed', async () => {
    expect(await keysUnder(primaryStore, `public/${imageId}`)).toEqual([]);
    expect((await keysUnder(primaryStore, `private/${imageId}`)).length).toBeGreaterThan(1);
    const listed = await new AccountsClient(pictor.url).request<{ images: { id: string }[] }>('GET', '/api/v1/images');
    expect(listed.body.images.map((i) => i.id)).not.toContain(imageId);
    const profile = await open('/u/keeper', { as: stranger });
    expect(profile.status).toBe(200);
    expect(profile.body).not.toContain(imageId);
    const mine = await owner.request<{ images: { id: string }[] }>('GET', '/api/v1/account/images');
    expect(mine.body.images.map((i) => i.id)).toContain(imageId);
  });

  it('when a presigned link has outlived LINK_TTL_SECONDS, then MinIO refuses it', async () => {
    const link = await open(`/i/${imageId}.png`, { as: owner, forwardedFor: GB });
    expect((await download(link.location)).status).toBe(200);
    await sleep((LINK_TTL_SECONDS + 1.5) * 1000);
    expect((await download(link.location)).status).toBe(403);
  }, 30_000);

  it('when an anonymous upload asks to be private, then it is refused with 401 and nothing is stored', async () => {
    const before = await keysUnder(primaryStore, 'originals/');
    const anonymous = await new AccountsClient(pictor.url).upload(await png(8, 8), { visibility: 'private' });
    expect(anonymous.status).toBe(401);
    expect(codeOf(anonymous)).toBe('AUTHENTICATION_REQUIRED');
    expect(await keysUnder(primaryStore, 'originals/')).toEqual(before);
  });

  it('when the owner makes a private image public and private again, then its objects move between prefixes and its links follow', async () => {
    const privateKeys = (await keysUnder(primaryStore, `private/${imageId}`)).sort();
    const toPublic = await owner.request('PATCH', `/api/v1/images/${imageId}`, { json: { visibility: 'public' } });
    expect(toPublic.status).toBe(200);
    expect(await keysUnder(primaryStore, `private/${imageId}`)).toEqual([]);
    const publicKeys = (await keysUnder(primaryStore, `public/${imageId}`)).sort();
    expect(publicKeys).toEqual(privateKeys.map((k) => `public/${k.slice('private/'.length)}`));
    const anonymous = await fetch(`${pictor.url}/i/${imageId}.png`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('cache-control')).toMatch(/^public/);

    const back = await owner.request('PATCH', `/api/v1/images/${imageId}`, { json: { visibility: 'private' } });
    expect(back.status).toBe(200);
    expect(await keysUnder(primaryStore, `public/${imageId}`)).toEqual([]);
    expect((await keysUnder(primaryStore, `private/${imageId}`)).sort()).toEqual(privateKeys);
    expect((await open(`/i/${imageId}.png`)).status).toBe(404);
    await replicated(`private/${imageId}.png`);
    const link = await open(`/i/${imageId}.png`, { as: owner, forwardedFor: GB });
    expect(link.status).toBe(302);
    expect((await download(link.location)).status).toBe(200);
  });
});

describe('private pastes', () => {
  let pasteId: string;
  const text = 'kept to myself\n'.repeat(20);

  beforeAll(async () => {
    const created = await owner.request<{ id: string }>('POST', '/api/v1/pastes', {
      json: { content: text, title: 'notes to self', language: 'plaintext', visibility: 'private' },
    });
    expect(created.status).toBe(201);
    pasteId = created.body.id;
    await replicated(`pastes/${pasteId}`);
  }, 60_000);

  it('when the author opens the raw text, then they are sent to their nearest replica; anyone else gets 404', async () => {
    const raw = await open(`/p/${pasteId}/raw`, { as: owner, forwardedFor: US });
    expect(raw.status).toBe(302);
    expect(raw.cacheControl).toBe('private, no-store');
    expect(siteOf(raw.location)).toBe('us');
    const got = await download(raw.location);
    expect(got.bytes.toString('utf8')).toBe(text);
    const missing = errorOf(await open('/p/AAAAAAAA/raw'));
    for (const as of [undefined, stranger]) {
      expect(errorOf(await open(`/p/${pasteId}/raw`, as ? { as } : {}))).toEqual(missing);
      expect((await open(`/p/${pasteId}`, as ? { as } : {})).status).toBe(404);
      expect((await open(`/keeper/notes-to-self`, as ? { as } : {})).status).toBe(404);
    }
  });

  it('when someone else, or a wrong delete token, tries to change or delete a private paste, then the answer is that of a paste that does not exist', async () => {
    const answer = async (client: AccountsClient, method: 'PATCH' | 'DELETE', id: string, token?: string) => {
      const got = await client.request<{ error: { code: string; message: string } }>(
        method,
        `/api/v1/pastes/${id}${token ? `?token=${token}` : ''}`,
        method === 'PATCH' ? { json: { title: 'mine now' } } : {},
      );
      return { status: got.status, code: got.body.error?.code, message: got.body.error?.message };
    };
    const anonymous = new AccountsClient(pictor.url);
    const wrong = 'A'.repeat(32);
    for (const method of ['PATCH', 'DELETE'] as const) {
      expect(await answer(stranger, method, pasteId)).toEqual(await answer(stranger, method, 'AAAAAAAA'));
      expect(await answer(anonymous, method, pasteId, wrong)).toEqual(
        await answer(anonymous, method, 'AAAAAAAA', wrong),
      );
    }
    expect((await open(`/p/${pasteId}`, { as: owner })).status).toBe(200);
  });

  it('when the author opens the page, then it is theirs alone: no preview tags, no shared caching', async () => {
    const page = await open(`/p/${pasteId}`, { as: owner });
    expect(page.status).toBe(200);
    expect(page.cacheControl).toBe('private, no-store');
    expect(page.body).toContain('kept to myself');
    expect(page.body).not.toContain('og:');
    expect((await open('/keeper/notes-to-self', { as: owner })).status).toBe(200);
  });

  it('when pastes are listed, then a private one appears only in its author’s own list', async () => {
    const listed = await new AccountsClient(pictor.url).request<{ pastes: { id: string }[] }>('GET', '/api/v1/pastes');
    expect(listed.body.pastes.map((p) => p.id)).not.toContain(pasteId);
    expect((await open('/u/keeper')).body).not.toContain(pasteId);
    const mine = await owner.request<{ pastes: { id: string }[] }>('GET', '/api/v1/account/pastes');
    expect(mine.body.pastes.map((p) => p.id)).toContain(pasteId);
    const api = await owner.request<{ content: string }>('GET', `/api/v1/pastes/${pasteId}`);
    expect(api.status).toBe(200);
    expect(api.headers.get('cache-control')).toBe('private, no-store');
    expect(api.body.content).toBe(text);
    expect((await stranger.request('GET', `/api/v1/pastes/${pasteId}`)).status).toBe(404);
  });

  it('when the author shares a private paste, then anyone opens it at their nearest replica until it is revoked', async () => {
    const asStranger = await stranger.request('POST', `/api/v1/pastes/${pasteId}/shares`, {
      json: { expiresIn: '1h' },
    });
    expect(asStranger.status).toBe(404);
    const made = await owner.request<{ id: string; url: string }>('POST', `/api/v1/pastes/${pasteId}/shares`, {
      json: { expiresIn: '1h' },
    });
    expect(made.status).toBe(201);
    const opened = await open(made.body.url, { forwardedFor: GB });
    expect(opened.status).toBe(302);
    expect(opened.cacheControl).toBe('private, no-store');
    expect(siteOf(opened.location)).toBe('eu');
    expect((await download(opened.location)).bytes.toString('utf8')).toBe(text);
    const revoked = await owner.request('DELETE', `/api/v1/pastes/${pasteId}/shares/${made.body.id}`);
    expect(revoked.status).toBe(204);
    expect((await open(made.body.url, { forwardedFor: GB })).status).toBe(404);
  });

  it('when the author shares a private image, then an anonymous visitor gets its bytes', async () => {
    const made = await owner.request<{ url: string }>('POST', `/api/v1/images/${imageId}/shares`, {
      json: { expiresIn: '1h' },
    });
    expect(made.status).toBe(201);
    const opened = await open(made.body.url, { localAddress: '127.0.0.3' });
    expect(opened.status).toBe(302);
    expect((await download(opened.location)).status).toBe(200);
  });
});

describe('replication lag', () => {
  const lagOf = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(`http://127.0.0.1:${pictor.handle.metricsPort}/metrics`)).text();
    return Object.fromEntries<number>(
      [...text.matchAll(/^pictor_replica_lag_seconds\{[^}]*replica="([a-z0-9-]+)"[^}]*\} (\S+)$/gm)].map(
        (m): [string, number] => [
          m[1]!,
          // The exposition format writes infinity as +Inf, which Number() does not read.
          m[2] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[2]),
        ],
      ),
    );
  };

  it('when the api measures replication lag, then each replica has a small lag, and a replica that stops shows +Inf until it is back', async () => {
    let lag: Record<string, number> = {};
    for (let i = 0; i < 100 && Object.keys(lag).length < 2; i++) {
      lag = await lagOf();
      await sleep(200);
    }
    expect(Object.keys(lag).sort()).toEqual(['eu', 'us']);
    expect(lag.eu).toBeLessThan(3);
    expect(lag.us).toBeLessThan(3);
    const eu = running.sites[1]!;
    await eu.stop('SIGKILL');
    try {
      const deadline = Date.now() + 30_000;
      while ((await lagOf()).eu !== Number.POSITIVE_INFINITY) {
        if (Date.now() > deadline) throw new Error('the stopped replica never showed an unbounded lag');
        await sleep(500);
      }
      expect((await lagOf()).us).toBeLessThan(3);
    } finally {
      await eu.start();
    }
    const deadline = Date.now() + 60_000;
    while (!((await lagOf()).eu! < 3)) {
      if (Date.now() > deadline) throw new Error('the replica that came back never showed a finite lag');
      await sleep(500);
    }
  }, 120_000);
});
