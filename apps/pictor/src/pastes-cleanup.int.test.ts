import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  CleanupService,
  PasteService,
  newPasteId,
  pasteObjectKey,
  type ObjectStore,
  type PasteRepository,
} from '@pictor/core';
import { RedisCache } from '@pictor/cache';
import { S3ObjectStore } from '@pictor/objects';
import { createPool, migrate, PgLifecycleRepository, PgPasteRepository, type Pool } from '@pictor/sql';
import { engines, freshBucket, freshDatabase } from '@pictor/test-harness/engines';

// Expired pastes leave on the cleanup's schedule: objects in MinIO first, then rows in PostgreSQL,
// batch by batch, with SKIP LOCKED between concurrent runs. And a paste whose row could not be
// written leaves no text behind.
let database: { url: string; drop(): Promise<void> };
let pool: Pool;
let objects: ObjectStore;
let redis: Redis;

const variants = { thumbnailSize: 256, widths: [640] };

beforeAll(async () => {
  database = await freshDatabase();
  pool = createPool({ connectionString: database.url, max: 6 });
  await migrate(pool);
  objects = await new S3ObjectStore({ ...engines().s3, bucket: await freshBucket() }).init();
  redis = new Redis(engines().redisUrl);
});

afterAll(async () => {
  redis?.disconnect();
  await pool?.end();
  await database?.drop();
});

function service(clock: () => Date = () => new Date(), pastes: PasteRepository = new PgPasteRepository(pool)) {
  return new PasteService({
    pastes,
    objects,
    cache: new RedisCache(redis, `pictor-test-${Date.now()}:`),
    settings: { expiry: { defaultSeconds: null, maxSeconds: null }, maxBytes: 1024 * 1024, cacheTtlSeconds: 300 },
    clock,
  });
}

const hourAgo = () => new Date(Date.now() - 3_600_000);
const exists = async (id: string) => (await objects.stat(pasteObjectKey(id))) !== null;
const rows = async (ids: readonly string[]) =>
  (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pastes WHERE id = ANY($1)', [ids])).rows[0]!.n;

describe('cleanup of pastes', () => {
  it('when pastes have expired or were left half-deleted, then cleanup removes their text and rows in batches; live ones stay', async () => {
    const past = service(hourAgo);
    const expired = [];
    for (let i = 0; i < 5; i++) expired.push((await past.create({ text: `old ${i}`, expiresIn: '10m' })).paste.id);
    const live = (await service().create({ text: 'still here', expiresIn: '1h' })).paste.id;
    const forever = (await service().create({ text: 'forever' })).paste.id;
    // A burn that died between its claim and its purge.
    const halfBurnt = (await service().create({ text: 'burnt', burnAfterReading: true })).paste.id;
    await new PgPasteRepository(pool).claimForDeletion(halfBurnt);

    const batches: number[] = [];
    const report = await new CleanupService({
      lifecycle: new PgLifecycleRepository(pool),
      objects,
      settings: { batchSize: 2, orphanGraceSeconds: 0, variants },
      onPasteBatch: (ids) => batches.push(ids.length),
    }).run();
    expect(report.expiredPastes).toBe(6);
    expect(batches).toEqual([2, 2, 2]);
    expect(await rows([...expired, halfBurnt])).toBe(0);
    for (const id of [...expired, halfBurnt]) expect([id, await exists(id)]).toEqual([id, false]);
    expect(await rows([live, forever])).toBe(2);
    expect(await exists(live)).toBe(true);
  });

  it('when two cleanups run at once, then each expired paste is deleted by exactly one of them', async () => {
    const past = service(hourAgo);
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push((await past.create({ text: `race ${i}`, expiresIn: '1m' })).paste.id);
    const run = () =>
      new CleanupService({
        lifecycle: new PgLifecycleRepository(pool),
        objects,
        settings: { batchSize: 3, orphanGraceSeconds: 0, variants },
      }).purgeExpiredPastes();
    const [a, b] = await Promise.all([run(), run()]);
    expect(a + b).toBe(12);
    expect(await rows(ids)).toBe(0);
  });

  it('when the text of a paste has no row past the grace period, then cleanup deletes it; a recent one stays', async () => {
    const orphan = newPasteId();
    await objects.put(pasteObjectKey(orphan), Buffer.from('lost'), 'text/plain; charset=utf-8');
    const cleanup = (offsetMs: number) =>
      new CleanupService({
        lifecycle: new PgLifecycleRepository(pool),
        objects,
        settings: { batchSize: 10, orphanGraceSeconds: 3600, variants },
        clock: () => new Date(Date.now() + offsetMs),
      }).run();
    await cleanup(0);
    expect(await exists(orphan)).toBe(true);
    const late = await cleanup(3_700_000);
    expect(late.orphans).toBeGreaterThanOrEqual(1);
    expect(await exists(orphan)).toBe(false);
  });
});

describe('creating a paste', () => {
  it('when the row and event cannot be written, then the stored text is removed and the error is DEPENDENCY_UNAVAILABLE', async () => {
    const real = new PgPasteRepository(pool);
    let attempted: string | undefined;
    const failing: PasteRepository = Object.assign(Object.create(real) as PasteRepository, {
      insertWithEvent: (paste: { id: string }) => {
        attempted = paste.id;
        return Promise.reject(new Error('connection terminated'));
      },
    });
    await expect(service(undefined, failing).create({ text: 'nothing left behind' })).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      status: 503,
    });
    expect(attempted).toEqual(expect.any(String));
    expect(await exists(attempted!)).toBe(false);
    expect(await rows([attempted!])).toBe(0);
  });
});
