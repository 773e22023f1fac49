import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { startEdge, type Edge } from '@pictor/test-harness/edge';
import { engines, freshBucket, freshDatabase, pictorEnv } from '@pictor/test-harness/engines';
import { hasGps, jpegWithGps } from '@pictor/test-harness/images';
import { spawnPictor, type PictorProcess } from '@pictor/test-harness/processes';

/**
 * The production shape on one machine: `api`, `relay` and `worker` as separate processes on
 * PostgreSQL, Kafka, MinIO and Redis, with the chart's NGINX edge in front.
 */
let database: { url: string; drop(): Promise<void> };
let processes: PictorProcess[] = [];
let api: PictorProcess;
let edge: Edge;

interface Uploaded {
  id: string;
  deleteToken: string;
  links: { direct: string; thumbnail: string };
}

beforeAll(async () => {
  database = await freshDatabase();
  const bucket = await freshBucket();
  // The edge runs on loopback here: the api believes its X-Forwarded-For, as the chart sets it up.
  const env = pictorEnv(database.url, bucket, { PUBLIC_URL: 'http://pictor.test', TRUSTED_PROXIES: '127.0.0.1/32' });
  await (await spawnPictor('migrate', env)).kill();
  api = await spawnPictor('api', env);
  const [relay, worker] = await Promise.all([spawnPictor('relay', env), spawnPictor('worker', env)]);
  processes = [api, relay, worker];
  edge = await startEdge({
    nginxBin: engines().nginxBin,
    apiPort: api.port!,
    s3Endpoint: engines().s3.endpoint,
    bucket,
    // Short, so that the delete test below sees the edge's cache entry lapse quickly.
    cacheValid: EDGE_CACHE_VALID,
  });
});

afterAll(async () => {
  await edge?.stop();
  await Promise.all(processes.map((p) => p.kill('SIGTERM')));
  await database?.drop();
});

const EDGE_CACHE_VALID = '1s';

const viaEdge = (link: string) => `${edge.url}${new URL(link).pathname}`;

async function uploadThroughEdge(file: Buffer): Promise<Uploaded> {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(file)]), 'photo.jpg');
  const res = await fetch(`${edge.url}/api/v1/images`, { method: 'POST', body });
  expect(res.status).toBe(201);
  return ((await res.json()) as { images: Uploaded[] }).images[0]!;
}

async function waitUntilReady(id: string): Promise<{ variants: { url: string }[] }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const image = (await (await fetch(`${edge.url}/api/v1/images/${id}`)).json()) as {
      status: string;
      variants: { url: string }[];
    };
    if (image.status === 'ready') return image;
    if (Date.now() > deadline) throw new Error(`still ${image.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Requests for a path the api has logged (the edge must not send processed images there). */
const apiHits = (path: string) =>
  api.lines.filter((l) => l.msg === 'request' && typeof l.path === 'string' && l.path === path).length;

describe('when an image is uploaded through the edge to split processes', () => {
  let image: Uploaded;

  beforeAll(async () => {
    image = await uploadThroughEdge(await jpegWithGps(1600, 1200));
  });

  it('then it becomes ready, and the edge serves the display copy and every variant from storage without GPS', async () => {
    const ready = await waitUntilReady(image.id);
    const before = apiHits(new URL(image.links.direct).pathname);
    for (const url of [image.links.direct, ...ready.variants.map((v) => v.url)]) {
      const res = await fetch(viaEdge(url));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-pictor-fallback')).toBeNull();
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain('sandbox');
      expect(res.headers.get('x-amz-request-id')).toBeNull();
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(await hasGps(bytes)).toBe(false);
      expect((await sharp(bytes).metadata()).width).toBeGreaterThan(0);
    }
    expect(apiHits(new URL(image.links.direct).pathname)).toBe(before);
  });

  it('then the edge serves a repeated request from its cache, with the same bytes', async () => {
    const first = await fetch(viaEdge(image.links.thumbnail));
    const second = await fetch(viaEdge(image.links.thumbnail));
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache-status')).toBe('HIT');
    expect(Buffer.from(await second.arrayBuffer())).toEqual(Buffer.from(await first.arrayBuffer()));
    expect(second.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('then a byte range is served by the edge as 206', async () => {
    const res = await fetch(viaEdge(image.links.direct), { headers: { Range: 'bytes=0-9' } });
    expect(res.status).toBe(206);
    expect((await res.arrayBuffer()).byteLength).toBe(10);
  });

  it('then methods other than GET and HEAD get 405 with the security headers', async () => {
    const res = await fetch(viaEdge(image.links.direct), { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
  });

  it('then the original and unknown keys are never served', async () => {
    for (const path of [
      `/i/${image.id}`,
      `/i/../originals/${image.id}`,
      `/originals/${image.id}`,
      `/i/${image.id}/original.jpg`,
      '/i/AAAAAAAAAAAA.jpg',
    ]) {
      const res = await fetch(`${edge.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('then deleting it makes the edge answer 404 once its cache entries lapse', async () => {
    const res = await fetch(`${edge.url}/api/v1/images/${image.id}`, {
      method: 'DELETE',
      headers: { 'X-Delete-Token': image.deleteToken },
    });
    expect(res.status).toBe(204);
    // An entry is trusted for CACHE_VALID (1 s here), then storage is asked again.
    const deadline = Date.now() + 5000;
    let statuses: number[];
    do {
      await new Promise((r) => setTimeout(r, 250));
      statuses = await Promise.all(
        [image.links.direct, image.links.thumbnail].map(async (link) => (await fetch(viaEdge(link))).status),
      );
    } while (statuses.some((s) => s !== 404) && Date.now() < deadline);
    expect(statuses).toEqual([404, 404]);
  });
});

describe('when a direct link is requested before the worker has finished', () => {
  it('then the edge falls back to the api, which waits and serves it', async () => {
    const image = await uploadThroughEdge(await jpegWithGps(2400, 1800));
    const res = await fetch(viaEdge(image.links.thumbnail));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
  });
});

describe('when a request passes through the edge', () => {
  it('then the api sees the client address the edge forwarded', async () => {
    const res = await fetch(`${edge.url}/api/v1/limits`, { headers: { 'X-Request-Id': 'edge-forward-check' } });
    expect(res.status).toBe(200);
    const line = await api.waitForLog((l) => l.msg === 'request' && l.path === '/api/v1/limits');
    // The test client is the client here: the edge forwards its address, not its own.
    expect(line.clientIp).toBe('127.0.0.1');
    const spoofed = await fetch(`${edge.url}/api/v1/limits?spoof`, { headers: { 'X-Forwarded-For': '203.0.113.7' } });
    expect(spoofed.status).toBe(200);
    const forwarded = await api.waitForLog(
      (l) => l.msg === 'request' && l.path === '/api/v1/limits' && l.clientIp !== '127.0.0.1',
    );
    // The edge trusts X-Forwarded-For only from REAL_IP_FROM (here the loopback test client).
    expect(forwarded.clientIp).toBe('203.0.113.7');
  });
});

describe('when the api is probed for readiness', () => {
  it('then every real dependency is checked', async () => {
    const res = await fetch(`${api.url}/readyz`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { checks: Record<string, string> }).checks).toEqual({
      database: 'ok',
      objects: 'ok',
      descriptors: 'ok',
      events: 'ok',
      cache: 'ok',
    });
  });
});
