import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { clientAddress, trustProxies, type NearestLinks } from '@pictor/api';
import { loadConfig, type Config } from '@pictor/config';
import { S3ObjectStore } from '@pictor/objects';
import { createRegistry, silentLogger } from '@pictor/observability';
import { createNearestLinks } from './replica-links.js';
import { runStorageSetup } from './targets/storage-setup.js';
import { startMinioSites, type MinioSite } from '@pictor/test-harness/minio-sites';

/**
 * Links on the nearest replica with three MinIO servers on loopback (a primary and replicas in
 * Europe and North America, replication set up by storage-setup): clients placed by the shipped
 * GeoIP database through a trusted proxy's X-Forwarded-For, and by their own loopback address
 * through the override table.
 */
const bucket = 'pictor';
let running: { sites: MinioSite[]; stopAll(): Promise<void> };
let primary: MinioSite;
let eu: MinioSite;
let us: MinioSite;
let config: Config;
let links: NearestLinks;
let registry: ReturnType<typeof createRegistry>;
let server: Server;

const GB = '81.2.69.160';
const US = '8.8.8.8';

function store(site: MinioSite): S3ObjectStore {
  return new S3ObjectStore({
    endpoint: site.endpoint,
    bucket,
    accessKey: site.accessKey,
    secretKey: site.secretKey,
    region: 'us-east-1',
  });
}

/** A redirecting endpoint as the private-link routes use it: clientAddress, then NearestLinks. */
function redirector(): express.Express {
  const app = express();
  app.set('trust proxy', trustProxies(config.http.trustedProxies));
  app.get('/link/:key', async (req, res) => {
    const link = await links.linkFor(clientAddress(req), `private/${req.params.key}`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.redirect(302, link.url);
  });
  return app;
}

/** Asks the redirector as a client at `localAddress`, optionally claiming `forwardedFor`. */
function ask(
  key: string,
  options: { localAddress?: string; forwardedFor?: string } = {},
): Promise<{ status: number; location: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: `/link/${key}`,
        localAddress: options.localAddress ?? '127.0.0.1',
        headers: options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? '') }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const siteOf = (url: string) => {
  const port = new URL(url).port;
  if (port === String(primary.port)) return 'primary';
  return [eu, us].find((s) => port === String(s.port))?.name;
};

/**
 * Puts an object on the primary and waits until both replicas have it. A replica that was just
 * restarted may still count as offline for the primary, which then queues the copy for a much later
 * retry: the object is written again every 10 s until it arrives (60 s at most).
 */
async function putEverywhere(key: string, body: Buffer): Promise<void> {
  const put = () => store(primary).put(`private/${key}`, body, 'application/octet-stream');
  await put();
  for (const replica of [eu, us]) {
    const deadline = Date.now() + 60_000;
    let nextPut = Date.now() + 10_000;
    while (!(await store(replica).stat(`private/${key}`))) {
      if (Date.now() > deadline) throw new Error(`${key} did not replicate to ${replica.name}`);
      if (Date.now() > nextPut) {
        await put();
        nextPut = Date.now() + 10_000;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(async () => {
  running = await startMinioSites(['main', 'eu', 'us']);
  [primary, eu, us] = running.sites as [MinioSite, MinioSite, MinioSite];
  const mc = process.env.PICTOR_MC_BIN;
  if (!mc) throw new Error('PICTOR_MC_BIN is unset: the test engines provision the MinIO client with MinIO');
  config = loadConfig(
    {
      S3_ENDPOINT: primary.endpoint,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY: primary.accessKey,
      S3_SECRET_KEY: primary.secretKey,
      S3_REPLICAS: [
        `eu=${eu.endpoint} at=50.11,8.68 access=${eu.accessKey} secret=${eu.secretKey}`,
        `us=${us.endpoint} at=na access=${us.accessKey} secret=${us.secretKey}`,
      ].join('; '),
      GEOIP_OVERRIDES: '127.0.0.2/32=eu,127.0.0.3/32=us',
      TRUSTED_PROXIES: '127.0.0.1',
      REPLICA_COOLDOWN_SECONDS: '2',
      REPLICA_TIMEOUT_MS: '1000',
      LINK_TTL_SECONDS: '10',
      MINIO_CLIENT_PATH: mc,
    },
    { PICTOR_TARGET: 'storage-setup' },
  );
  await runStorageSetup(config, silentLogger());
  registry = createRegistry();
  links = (await createNearestLinks(config, silentLogger(), registry))!;
  server = createServer(redirector());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}, 180_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await running?.stopAll();
});

describe('links on the nearest replica', () => {
  it('when no link was handed out yet, then the redirect counter exists at 0 for every site', async () => {
    const text = await registry.metrics();
    for (const site of ['primary', 'eu', 'us'])
      expect(text).toContain(`pictor_link_redirects_total{replica="${site}"} 0`);
  });

  it('when a trusted proxy forwards clients from Britain and the United States, then each lands on its own continent’s replica with the exact bytes', async () => {
    const body = randomBytes(50_000);
    await putEverywhere('photo-1', body);
    const fromGb = await ask('photo-1', { forwardedFor: GB });
    const fromUs = await ask('photo-1', { forwardedFor: US });
    expect(fromGb.status).toBe(302);
    expect(siteOf(fromGb.location)).toBe('eu');
    expect(siteOf(fromUs.location)).toBe('us');
    for (const link of [fromGb, fromUs]) {
      const download = await fetch(link.location);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(body)).toBe(true);
    }
    expect(await registry.metrics()).toMatch(/pictor_link_redirects_total\{replica="eu"\} [1-9]/);
  });

  it('when clients connect from 127.0.0.2 and 127.0.0.3, then the override table sends them to different replicas and their X-Forwarded-For is ignored', async () => {
    await putEverywhere('photo-2', randomBytes(1000));
    expect(siteOf((await ask('photo-2', { localAddress: '127.0.0.2' })).location)).toBe('eu');
    expect(siteOf((await ask('photo-2', { localAddress: '127.0.0.3' })).location)).toBe('us');
    // 127.0.0.2 is no trusted proxy: its claim to be in the United States counts for nothing.
    expect(siteOf((await ask('photo-2', { localAddress: '127.0.0.2', forwardedFor: US })).location)).toBe('eu');
  });

  it('when the nearest replica does not hold an object yet, then the primary serves it until it does', async () => {
    const body = randomBytes(2000);
    await putEverywhere('fresh', body);
    // Lag, made certain: the replicas lose their copy (as if it had not arrived yet).
    await store(eu).delete(['private/fresh']);
    await store(us).delete(['private/fresh']);
    const early = await ask('fresh', { forwardedFor: GB });
    expect(siteOf(early.location)).toBe('primary');
    const download = await fetch(early.location);
    expect(Buffer.from(await download.arrayBuffer()).equals(body)).toBe(true);
    // It "arrives" at the European replica; after the short memory of "missing", links go there.
    await store(eu).put('private/fresh', body, 'application/octet-stream');
    await new Promise((r) => setTimeout(r, 2_100));
    expect(siteOf((await ask('fresh', { forwardedFor: GB })).location)).toBe('eu');
  });

  it('when the European replica stops, then its clients move to the next nearest, and back once it returns', async () => {
    const body = randomBytes(3000);
    await putEverywhere('photo-3', body);
    await eu.stop('SIGKILL');
    try {
      const moved = await ask('photo-3', { forwardedFor: GB });
      expect(siteOf(moved.location)).toBe('us');
      expect(Buffer.from(await (await fetch(moved.location)).arrayBuffer()).equals(body)).toBe(true);
    } finally {
      await eu.start();
    }
    await new Promise((r) => setTimeout(r, 2_100));
    expect(siteOf((await ask('photo-3', { forwardedFor: GB })).location)).toBe('eu');
  }, 150_000);

  it('when the primary is down, then links are still served from a replica that holds the object', async () => {
    const body = randomBytes(4000);
    await putEverywhere('photo-4', body);
    await primary.stop('SIGKILL');
    try {
      for (const client of [{ forwardedFor: GB }, { forwardedFor: US }, { localAddress: '127.0.0.3' }]) {
        const link = await ask('photo-4', client);
        expect(['eu', 'us']).toContain(siteOf(link.location));
        expect(Buffer.from(await (await fetch(link.location)).arrayBuffer()).equals(body)).toBe(true);
      }
    } finally {
      await primary.start();
    }
  }, 150_000);

  it('when a presigned link is used after LINK_TTL_SECONDS, then MinIO refuses it', async () => {
    await putEverywhere('photo-5', randomBytes(100));
    const link = await ask('photo-5', { forwardedFor: GB });
    expect((await fetch(link.location)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 11_000));
    const late = await fetch(link.location);
    expect(late.status).toBe(403);
    expect(await late.text()).toMatch(/expired/i);
  }, 150_000);
});
