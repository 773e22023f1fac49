import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'node:http';
import { AccountsClient } from '@pictor/test-harness/accounts-client';
import { freshDatabase } from '@pictor/test-harness/engines';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';
import { startMinioSites, type MinioSite } from '@pictor/test-harness/minio-sites';
import { runStorageSetup } from './targets/storage-setup.js';
import { loadConfig } from '@pictor/config';
import { silentLogger } from '@pictor/observability';

/**
 * Share links on real PostgreSQL and three MinIO servers (a primary, replicas in Europe and North
 * America): the owner makes a link, anyone opens it and is sent to a fresh presigned URL on the
 * replica nearest them, until it expires or is revoked.
 */
let database: { url: string; drop(): Promise<void> };
let running: { sites: MinioSite[]; stopAll(): Promise<void> };
let pictor: TestPictor;
let owner: AccountsClient;
let imageId: string;
let displayBytes: Buffer;

const GB = '81.2.69.160';

/** GET without following redirects, as a client at `localAddress` claiming `forwardedFor`. */
function open(url: string, options: { forwardedFor?: string; localAddress?: string } = {}) {
  return new Promise<{ status: number; location: string; cacheControl: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        localAddress: options.localAddress ?? '127.0.0.1',
        headers: options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            location: String(res.headers.location ?? ''),
            cacheControl: String(res.headers['cache-control'] ?? ''),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const siteOf = (url: string) => {
  const port = new URL(url).port;
  return running.sites.find((s) => String(s.port) === port)?.name;
};

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
    MINIO_CLIENT_PATH: process.env.PICTOR_MC_BIN ?? 'mc',
    ARGON2_MEMORY_KIB: '8192',
    ARGON2_PASSES: '1',
    RATE_LIMIT_UPLOADS: '0',
  };
  await runStorageSetup(loadConfig(env, { PICTOR_TARGET: 'storage-setup' }), silentLogger());
  pictor = await startTestPictor(env);
  owner = new AccountsClient(pictor.url);
  expect((await owner.register('sharer', 'sharer@example.org', 'a long passphrase 1')).status).toBe(201);
  expect((await owner.login('sharer', 'a long passphrase 1')).status).toBe(200);
  imageId = (await owner.upload(await png(64, 48))).body.images[0]!.id;
  for (let i = 0; i < 100; i++) {
    const image = await owner.request<{ status: string }>('GET', `/api/v1/images/${imageId}`);
    if (image.body.status === 'ready') break;
    await sleep(100);
  }
  const direct = await fetch(`${pictor.url}/i/${imageId}.png`);
  expect(direct.status).toBe(200);
  displayBytes = Buffer.from(await direct.arrayBuffer());
}, 180_000);

afterAll(async () => {
  await pictor?.stop();
  await running?.stopAll();
  await database?.drop();
});

async function share(expiresIn: string) {
  return owner.request<{ id: string; url: string; expiresAt: string }>('POST', `/api/v1/images/${imageId}/shares`, {
    json: { expiresIn },
  });
}

describe('share links', () => {
  it('when an anonymous visitor opens a share link, then they are sent to their nearest replica and get the exact bytes', async () => {
    const made = await share('1h');
    expect(made.status).toBe(201);
    expect(made.body.url).toMatch(/\/s\/[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{22}$/);
    const fromGb = await open(made.body.url.replace(/^https?:\/\/[^/]+/, pictor.url), { forwardedFor: GB });
    const fromUs = await open(made.body.url.replace(/^https?:\/\/[^/]+/, pictor.url), { localAddress: '127.0.0.3' });
    expect(fromGb.status).toBe(302);
    expect(fromGb.cacheControl).toBe('private, no-store');
    expect(siteOf(fromGb.location)).toBe('eu');
    expect(siteOf(fromUs.location)).toBe('us');
    for (const link of [fromGb, fromUs]) {
      const download = await fetch(link.location);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(displayBytes)).toBe(true);
    }
    // Each visit gets a URL of its own (signed now), not a cached one.
    await sleep(1100);
    const again = await open(made.body.url.replace(/^https?:\/\/[^/]+/, pictor.url), { forwardedFor: GB });
    expect(again.location).not.toBe(fromGb.location);
  });

  it('when a share link is revoked, then it answers 404', async () => {
    const made = await share('1h');
    const url = made.body.url.replace(/^https?:\/\/[^/]+/, pictor.url);
    expect((await open(url)).status).toBe(302);
    expect((await owner.request('DELETE', `/api/v1/images/${imageId}/shares/${made.body.id}`)).status).toBe(204);
    expect((await open(url)).status).toBe(404);
  });

  it('when a share link has expired, then it answers 404', async () => {
    const made = await share('2s');
    const url = made.body.url.replace(/^https?:\/\/[^/]+/, pictor.url);
    expect((await open(url)).status).toBe(302);
    await sleep(2_200);
    expect((await open(url)).status).toBe(404);
  });

  it('when a token is forged, tampered with or garbage, then it answers 404, never 5xx', async () => {
    const made = await share('1h');
    const url = made.body.url.replace(/^https?:\/\/[^/]+/, pictor.url);
    const token = url.slice(url.lastIndexOf('/') + 1);
    const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    for (const bad of [
      flipped,
      `${token.split('.')[0]}.${'A'.repeat(22)}`,
      'nothing',
      'a'.repeat(60),
      '%00',
      '..%2F..%2Fetc',
    ]) {
      expect((await open(`${pictor.url}/s/${bad}`)).status).toBe(404);
    }
  });

  it('when someone other than the owner, or nobody, asks for a share link, then it is refused', async () => {
    const other = new AccountsClient(pictor.url);
    await other.register('stranger', 'stranger@example.org', 'another long passphrase');
    await other.login('stranger', 'another long passphrase');
    const asOther = await other.request('POST', `/api/v1/images/${imageId}/shares`, { json: { expiresIn: '1h' } });
    expect(asOther.status).toBe(403);
    const anonymous = new AccountsClient(pictor.url);
    expect(
      (await anonymous.request('POST', `/api/v1/images/${imageId}/shares`, { json: { expiresIn: '1h' } })).status,
    ).toBe(401);
  });

  it('when expiresIn is never or beyond a year, then the owner gets 400 VALIDATION_FAILED', async () => {
    for (const expiresIn of ['never', '2y', 'soon']) {
      const answer = await share(expiresIn);
      expect(answer.status).toBe(400);
      expect((answer.body as unknown as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    }
  });
});
