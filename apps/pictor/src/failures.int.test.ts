import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel } from 'kafkajs';
import { Client as MinioClient } from 'minio';
import pg from 'pg';
import { control, engines, freshBucket, freshDatabase, pictorEnv } from '@pictor/test-harness/engines';
import { jpegWithGps, noisyJpeg } from '@pictor/test-harness/images';
import { spawnPictor, type PictorProcess } from '@pictor/test-harness/processes';

/**
 * What happens when engines and processes fail, against the real engines. Each scenario starts
 * its own processes on a fresh database and bucket, and stops them afterwards.
 */
let database: { url: string; drop(): Promise<void> };
let bucket: string;
let env: Record<string, string>;
let sql: pg.Pool;
let running: PictorProcess[] = [];
let s3: MinioClient;

beforeAll(async () => {
  database = await freshDatabase();
  bucket = await freshBucket();
  env = pictorEnv(database.url, bucket, { KAFKA_SESSION_TIMEOUT_MS: '6000', WORKER_MAX_ATTEMPTS: '3' });
  await (await spawnPictor('migrate', env)).kill();
  sql = new pg.Pool({ connectionString: database.url, max: 2 });
  // The PostgreSQL scenario kills these connections too; the pool reconnects.
  sql.on('error', () => undefined);
  const url = new URL(engines().s3.endpoint);
  s3 = new MinioClient({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: false,
    accessKey: engines().s3.accessKey,
    secretKey: engines().s3.secretKey,
    pathStyle: true,
  });
});

afterEach(async () => {
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  running = [];
});

afterAll(async () => {
  await sql?.end();
  await database?.drop();
});

async function start(target: 'api' | 'relay' | 'worker', extra: Record<string, string> = {}): Promise<PictorProcess> {
  const process = await spawnPictor(target, { ...env, ...extra });
  running.push(process);
  return process;
}

async function upload(api: PictorProcess, file: Buffer): Promise<Response> {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(file)]), 'photo.jpg');
  return fetch(`${api.url}/api/v1/images`, { method: 'POST', body });
}

async function uploadOk(api: PictorProcess, file: Buffer): Promise<{ id: string; deleteToken: string }> {
  const res = await upload(api, file);
  expect(res.status).toBe(201);
  return ((await res.json()) as { images: { id: string; deleteToken: string }[] }).images[0]!;
}

async function statusOf(
  id: string,
): Promise<{ status: string; failure_reason: string | null; variants: { key: string }[] } | undefined> {
  const { rows } = await sql.query<{ status: string; failure_reason: string | null; variants: { key: string }[] }>(
    'SELECT status, failure_reason, variants FROM images WHERE id = $1',
    [id],
  );
  return rows[0];
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const waitReady = (id: string) =>
  waitFor(`${id} ready`, async () => ((await statusOf(id))?.status === 'ready' ? statusOf(id) : undefined));

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of s3.listObjectsV2(bucket, prefix, true) as AsyncIterable<{ name?: string }>)
    if (item.name) keys.push(item.name);
  return keys.sort();
}

/** How many times workers finished the image with each outcome, from their job log lines. */
function outcomes(workers: PictorProcess[], id: string): string[] {
  return workers.flatMap((w) =>
    w.lines.filter((l) => l.msg === 'job done' && l.imageId === id).map((l) => String(l.outcome)),
  );
}

async function unsentOutbox(): Promise<number> {
  const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
  return rows[0]!.n;
}

describe('when Kafka is stopped while uploads continue', () => {
  it('then uploads still answer 201, the outbox grows, and after Kafka returns every image is processed once', async () => {
    const api = await start('api');
    const relay = await start('relay');
    const worker = await start('worker');
    await control().stop('kafka');
    try {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await uploadOk(api, await jpegWithGps(400 + i, 300))).id);
      expect(await unsentOutbox()).toBeGreaterThanOrEqual(4);
      for (const id of ids) expect((await statusOf(id))?.status).toBe('pending');
    } finally {
      await control().start('kafka');
    }
    const pending = (await sql.query<{ id: string }>("SELECT id FROM images WHERE status = 'pending'")).rows.map(
      (r) => r.id,
    );
    for (const id of pending) await waitReady(id);
    await waitFor('outbox drained', async () => (await unsentOutbox()) === 0);
    for (const id of pending) expect(outcomes([worker], id).filter((o) => o === 'ready')).toHaveLength(1);
    void relay;
  });
});

describe('when a worker is killed with SIGKILL in the middle of an image', () => {
  it('then the message is redelivered, and the image completes with every variant; never ready with one missing', async () => {
    const api = await start('api');
    await start('relay');
    const first = await start('worker', { WORKER_CONCURRENCY: '1' });
    // A large, noisy photo keeps the worker busy long enough to be killed mid-way.
    const big = await noisyJpeg(5000, 3750);
    const { id } = await uploadOk(api, big);
    await first.waitForLog((l) => l.msg === 'job started' && l.imageId === id);
    await first.kill('SIGKILL');
    const after = await statusOf(id);
    expect(after?.status).toBe('pending');

    const second = await start('worker');
    const ready = await waitReady(id);
    expect(outcomes([second], id)).toEqual(['ready']);
    // Every recorded output exists in storage, and nothing public exists that is not recorded.
    const recorded = ready.variants.map((v) => v.key).sort();
    expect(recorded.length).toBe(10);
    const stored = [...(await keysUnder(`public/${id}.`)), ...(await keysUnder(`public/${id}/`))].sort();
    expect(stored).toEqual(recorded);
  });
});

describe('when the relay publishes an event again (it died after Kafka acknowledged, before marking it sent)', () => {
  it('then the duplicate is harmless: the image stays ready with the same objects, processed once', async () => {
    const api = await start('api');
    await start('relay');
    const worker = await start('worker');
    const { id } = await uploadOk(api, await jpegWithGps(640, 480));
    const ready = await waitReady(id);
    const before = await keysUnder(`public/${id}/`);
    // Exactly what a crash between the produce and the UPDATE leaves behind: the row unsent.
    await sql.query('UPDATE outbox SET sent_at = NULL WHERE key = $1', [id]);
    await worker.waitForLog((l) => l.msg === 'job skipped: image no longer pending' && l.imageId === id);
    expect((await statusOf(id))?.status).toBe('ready');
    expect(await keysUnder(`public/${id}/`)).toEqual(before);
    expect((await statusOf(id))?.variants).toEqual(ready.variants);
    expect(outcomes([worker], id)).toEqual(['ready']);
  });
});

describe('when two relays and two workers run at once', () => {
  it('then nothing is lost and nothing is processed twice', async () => {
    const api = await start('api');
    await Promise.all([start('relay'), start('relay')]);
    const workers = await Promise.all([start('worker'), start('worker')]);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await uploadOk(api, await jpegWithGps(300 + i, 200))).id);
    for (const id of ids) await waitReady(id);
    for (const id of ids) expect(outcomes(workers, id)).toEqual(['ready']);
  });
});

describe('when MinIO is stopped during uploads', () => {
  it('then uploads get a retryable 503, no row is left, and readiness turns false and recovers', async () => {
    const api = await start('api');
    const rowsBefore = (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM images')).rows[0]!.n;
    await control().stop('minio');
    try {
      const res = await upload(api, await jpegWithGps(300, 200));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM images')).rows[0]!.n).toBe(rowsBefore);
      const ready = await fetch(`${api.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks.objects).not.toBe('ok');
    } finally {
      await control().start('minio');
    }
    await waitFor('readiness back', async () => (await fetch(`${api.url}/readyz`)).status === 200);
    expect((await upload(api, await jpegWithGps(300, 200))).status).toBe(201);
  });
});

describe('when PostgreSQL is stopped after the original was written', () => {
  it('then the upload answers 503 and the stored original is removed again', async () => {
    const api = await start('api');
    const originalsBefore = await keysUnder('originals/');
    await control().stop('postgres');
    try {
      const res = await upload(api, await jpegWithGps(300, 200));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(await keysUnder('originals/')).toEqual(originalsBefore);
      expect((await fetch(`${api.url}/readyz`)).status).toBe(503);
    } finally {
      await control().start('postgres');
    }
    await waitFor('readiness back', async () => (await fetch(`${api.url}/readyz`)).status === 200);
    expect((await upload(api, await jpegWithGps(300, 200))).status).toBe(201);
  });
});

describe('when a poison message arrives', () => {
  it('then it is dead-lettered with its error, the image fails with a reason, and later messages are processed', async () => {
    const api = await start('api');
    await start('relay');
    const kafka = new Kafka({
      clientId: 'pictor-test',
      brokers: engines().kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    const dlq = kafka.consumer({ groupId: `pictor-test-dlq-${Date.now()}` });
    await dlq.connect();
    await dlq.subscribe({ topic: 'pictor.images.uploaded.dlq', fromBeginning: true });
    const dead: { key: string; headers: Record<string, string> }[] = [];
    await dlq.run({
      eachMessage: ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        dead.push({ key: message.key?.toString() ?? '', headers });
        return Promise.resolve();
      },
    });
    try {
      // A malformed event, and an image whose original is not an image at all.
      await producer.send({ topic: 'pictor.images.uploaded', messages: [{ key: 'garbage-key', value: '{not json' }] });
      const poison = await uploadOk(api, await jpegWithGps(300, 200));
      // Swap the stored original for bytes no decoder accepts, before any worker runs.
      await s3.putObject(bucket, `originals/${poison.id}`, Buffer.from('this is not an image'));
      const later = await uploadOk(api, await jpegWithGps(320, 240));
      await start('worker', { WORKER_CONCURRENCY: '1' });

      await waitReady(later.id);
      const failed = await waitFor('poison failed', async () =>
        (await statusOf(poison.id))?.status === 'failed' ? statusOf(poison.id) : undefined,
      );
      expect(failed.failure_reason).toMatch(/could not be processed|not an image|unsupported/i);
      await waitFor('dead letters', () =>
        Promise.resolve(dead.some((d) => d.key === poison.id) && dead.some((d) => d.key === 'garbage-key')),
      );
      expect(dead.find((d) => d.key === 'garbage-key')!.headers['x-error-code']).toBe('MALFORMED_EVENT');
      expect(dead.find((d) => d.key === poison.id)!.headers['x-error-code']).toBe('PROCESSING_FAILED');
    } finally {
      await dlq.disconnect();
      await producer.disconnect();
    }
  });
});

describe('when a delete arrives while the image is still processing', () => {
  it('then no variant is resurrected afterwards', async () => {
    const api = await start('api');
    await start('relay');
    const worker = await start('worker');
    const big = await noisyJpeg(4000, 3000);
    const image = await uploadOk(api, big);
    await worker.waitForLog((l) => l.msg === 'job started' && l.imageId === image.id);
    const res = await fetch(`${api.url}/api/v1/images/${image.id}`, {
      method: 'DELETE',
      headers: { 'X-Delete-Token': image.deleteToken },
    });
    expect(res.status).toBe(204);
    await worker.waitForLog(
      (l) =>
        l.imageId === image.id &&
        (l.msg === 'job discarded: image deleted during processing' ||
          l.msg === 'job skipped: image no longer pending'),
    );
    expect(await statusOf(image.id)).toBeUndefined();
    expect([...(await keysUnder(`public/${image.id}`)), ...(await keysUnder(`originals/${image.id}`))]).toEqual([]);
  });
});
