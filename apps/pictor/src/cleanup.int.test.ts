import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CleanupService,
  hashDeleteToken,
  newDeleteToken,
  newImageId,
  storageKeys,
  type NewImage,
  type ObjectStore,
} from '@pictor/core';
import { S3ObjectStore } from '@pictor/objects';
import {
  CLAIM_EXPIRED_SQL,
  createPool,
  migrate,
  PgImageRepository,
  PgLifecycleRepository,
  type Pool,
} from '@pictor/sql';
import { engines, freshBucket, freshDatabase, pictorEnv } from '@pictor/test-harness/engines';
import { jpegWithGps } from '@pictor/test-harness/images';
import { runPictorOnce, spawnPictor, type PictorProcess } from '@pictor/test-harness/processes';

/** Expiry and `--target=cleanup` on PostgreSQL and MinIO. */
let database: { url: string; drop(): Promise<void> };
let bucket: string;
let pool: Pool;
let objects: ObjectStore;
let env: Record<string, string>;

beforeAll(async () => {
  database = await freshDatabase();
  bucket = await freshBucket();
  env = pictorEnv(database.url, bucket, { CLEANUP_INTERVAL_SECONDS: '0', CLEANUP_BATCH_SIZE: '7' });
  pool = createPool({ connectionString: database.url, max: 4 });
  await migrate(pool);
  const { s3 } = engines();
  objects = await new S3ObjectStore({ ...s3, bucket }).init();
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

async function keysOf(ids: readonly string[]): Promise<string[]> {
  const keys: string[] = [];
  for (const id of ids) {
    for await (const o of objects.list(`public/${id}`)) keys.push(o.key);
    for await (const o of objects.list(`originals/${id}`)) keys.push(o.key);
  }
  return keys;
}

async function rowsOf(ids: readonly string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM images WHERE id = ANY($1)', [ids]);
  return rows[0]!.n;
}

/** Expired images as the worker leaves them: a row, the original, the display copy and a variant. */
async function seedExpired(count: number): Promise<string[]> {
  const now = Date.now();
  const rows: NewImage[] = Array.from({ length: count }, (_, i) => ({
    id: newImageId(),
    format: 'jpeg',
    width: 100,
    height: 80,
    bytes: 10,
    frames: 1,
    hasAlpha: false,
    title: null,
    visibility: 'public',
    watermark: null,
    expiresAt: new Date(now - 60_000 - i),
    deleteTokenHash: hashDeleteToken(newDeleteToken()),
    createdAt: new Date(now - 3_600_000),
  }));
  await new PgImageRepository(pool).insertWithEvents(rows, []);
  const body = Buffer.from('not really a jpeg');
  await Promise.all(
    rows.flatMap((row) => [
      objects.put(storageKeys.original(row.id), body, 'image/jpeg'),
      objects.put(storageKeys.display(row.id, 'jpeg'), body, 'image/jpeg'),
      objects.put(storageKeys.variant(row.id, 'thumb', 'jpeg'), body, 'image/jpeg'),
    ]),
  );
  return rows.map((r) => r.id);
}

describe('expiry on every read path', () => {
  let pictor: PictorProcess;

  afterAll(async () => {
    await pictor?.kill();
  });

  it('when an upload expires, then every path answers 404 at once and cleanup removes its objects and row', async () => {
    pictor = await spawnPictor('all', env);
    const body = new FormData();
    body.append('file', new Blob([new Uint8Array(await jpegWithGps(800, 600))]), 'photo.jpg');
    body.append('expiresIn', '15s');
    const res = await fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body });
    expect(res.status).toBe(201);
    const image = ((await res.json()) as { images: { id: string; expiresAt: string; links: Record<string, string> }[] })
      .images[0]!;
    for (let status = ''; status !== 'ready';) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = ((await (await fetch(`${pictor.url}/api/v1/images/${image.id}`)).json()) as { status: string }).status;
    }
    const paths = [
      `/api/v1/images/${image.id}`,
      `/v/${image.id}`,
      new URL(image.links.direct!).pathname,
      new URL(image.links.thumbnail!).pathname,
    ];
    for (const path of paths) expect((await fetch(`${pictor.url}${path}`)).status).toBe(200);
    expect((await keysOf([image.id])).length).toBeGreaterThan(2);

    const expiresAt = Date.parse(image.expiresAt);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 300));
    for (const path of paths) expect([path, (await fetch(`${pictor.url}${path}`)).status]).toEqual([path, 404]);
    const listed = (await (await fetch(`${pictor.url}/api/v1/images`)).json()) as { images: { id: string }[] };
    expect(listed.images.map((i) => i.id)).not.toContain(image.id);

    const cleanup = runPictorOnce('cleanup', env);
    await cleanup.done;
    expect(cleanup.code).toBe(0);
    expect(await rowsOf([image.id])).toBe(0);
    expect(await keysOf([image.id])).toEqual([]);
  }, 60_000);
});

describe('cleanup', () => {
  it('when two cleanups run at once, then each expired image is deleted exactly once', async () => {
    const ids = await seedExpired(60);
    const runs = [runPictorOnce('cleanup', env), runPictorOnce('cleanup', env)];
    await Promise.all(runs.map((r) => r.done));
    const deletedBy = runs.map((run) => {
      expect(run.code).toBe(0);
      const finished = run.lines.find((l) => l.msg === 'cleanup finished');
      return Number(finished?.expired);
    });
    expect(deletedBy[0]! + deletedBy[1]!).toBe(60);
    expect(await rowsOf(ids)).toBe(0);
    expect(await keysOf(ids)).toEqual([]);
  }, 60_000);

  it('when a cleanup is killed mid-batch and run again, then nothing is left behind', async () => {
    const ids = await seedExpired(50);
    const first = runPictorOnce('cleanup', { ...env, CLEANUP_BATCH_SIZE: '5' });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (first.code !== null || first.lines.some((l) => l.msg === 'expired images deleted')) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    first.child.kill('SIGKILL');
    await first.done;

    const second = runPictorOnce('cleanup', env);
    await second.done;
    expect(second.code).toBe(0);
    expect(await rowsOf(ids)).toBe(0);
    expect(await keysOf(ids)).toEqual([]);
  }, 60_000);

  it('when storage fails half-way through a batch, then the rows stay and the next run deletes everything', async () => {
    const ids = await seedExpired(10);
    let deletes = 0;
    const failing: ObjectStore = Object.assign(Object.create(objects) as ObjectStore, {
      delete: async (keys: readonly string[]) => {
        if (++deletes === 2) throw new Error('storage went away');
        await objects.delete(keys);
      },
    });
    const lifecycle = new PgLifecycleRepository(pool);
    const settings = { batchSize: 10, orphanGraceSeconds: 0, variants: { thumbnailSize: 256, widths: [640, 1280] } };
    await expect(new CleanupService({ lifecycle, objects: failing, settings }).run()).rejects.toThrow(
      'storage went away',
    );
    expect(await rowsOf(ids)).toBe(10);

    const report = await new CleanupService({ lifecycle, objects, settings }).run();
    expect(report.expired).toBe(10);
    expect(await rowsOf(ids)).toBe(0);
    expect(await keysOf(ids)).toEqual([]);
  });

  it('when cleanups succeed and fail, then the database keeps their totals and the api exports them', async () => {
    const totals = async () =>
      (
        await pool.query<{ expired: number; succeeded: number; failed: number; last_error: string | null }>(
          'SELECT expired::int, succeeded::int, failed::int, last_error FROM cleanup_totals',
        )
      ).rows[0]!;
    const before = await totals();
    await seedExpired(12);
    const ok = runPictorOnce('cleanup', env);
    await ok.done;
    expect(ok.code).toBe(0);
    // Storage refuses the credentials: the run fails, and that is counted too.
    const failing = runPictorOnce('cleanup', { ...env, S3_SECRET_KEY: 'not-the-secret' });
    await failing.done;
    expect(failing.code).not.toBe(0);
    const after = await totals();
    expect(after.expired - before.expired).toBe(12);
    expect(after.succeeded - before.succeeded).toBe(1);
    expect(after.failed - before.failed).toBe(1);
    expect(after.last_error).toEqual(expect.any(String));

    const api = await spawnPictor('api', env);
    try {
      const { metricsPort } = await api.waitForLog((l) => l.msg === 'metrics listening');
      const text = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
      const sample = (series: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${series} `));
        return line ? Number(line.split(' ')[1]) : undefined;
      };
      expect(sample('pictor_cleanup_removed_total{kind="expired",target="api"}')).toBe(after.expired);
      expect(sample('pictor_cleanup_runs_total{outcome="success",target="api"}')).toBe(after.succeeded);
      expect(sample('pictor_cleanup_runs_total{outcome="failure",target="api"}')).toBe(after.failed);
      const lastSuccess = sample('pictor_cleanup_last_success_timestamp_seconds{target="api"}')!;
      expect(Date.now() / 1000 - lastSuccess).toBeLessThan(120);
    } finally {
      await api.kill();
    }
  }, 60_000);

  it('when an original has no row past the grace period, then cleanup deletes it; a recent one stays', async () => {
    const orphan = newImageId();
    await objects.put(storageKeys.original(orphan), Buffer.from('x'), 'image/jpeg');
    await objects.put(storageKeys.display(orphan, 'png'), Buffer.from('x'), 'image/png');
    const lifecycle = new PgLifecycleRepository(pool);
    const variants = { thumbnailSize: 256, widths: [640] };
    const clock = (offsetMs: number) => () => new Date(Date.now() + offsetMs);

    const early = await new CleanupService({
      lifecycle,
      objects,
      settings: { batchSize: 10, orphanGraceSeconds: 3600, variants },
      clock: clock(0),
    }).run();
    expect(early.orphans).toBe(0);
    expect((await keysOf([orphan])).length).toBe(2);

    const late = await new CleanupService({
      lifecycle,
      objects,
      settings: { batchSize: 10, orphanGraceSeconds: 3600, variants },
      clock: clock(3_700_000),
    }).run();
    expect(late.orphans).toBeGreaterThanOrEqual(1);
    expect(await keysOf([orphan])).toEqual([]);
  });
});

describe('cleanup at scale', () => {
  /** Rows the plan's scan nodes produced (EXPLAIN ANALYZE), and the scans it used. */
  async function scanned(): Promise<{ rows: number; scans: string[] }> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${CLAIM_EXPIRED_SQL}`,
        [new Date(), 100],
      );
      await client.query('ROLLBACK');
      const plan = (rows[0]!['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan;
      const scans: string[] = [];
      let total = 0;
      const walk = (node: PlanNode) => {
        if (node['Node Type'].includes('Scan')) {
          scans.push(`${node['Node Type']}${node['Index Name'] ? ` on ${node['Index Name']}` : ''}`);
          total += node['Actual Rows'] * (node['Actual Loops'] ?? 1);
        }
        for (const child of node.Plans ?? []) walk(child);
      };
      walk(plan);
      return { rows: total, scans };
    } finally {
      client.release();
    }
  }

  interface PlanNode {
    'Node Type': string;
    'Index Name'?: string;
    'Actual Rows': number;
    'Actual Loops'?: number;
    Plans?: PlanNode[];
  }

  async function addLive(count: number): Promise<void> {
    // Half never expire, half expire in the future: both kinds must stay out of the scan.
    await pool.query(
      `INSERT INTO images (id, status, format, width, height, bytes, visibility, delete_token_hash, expires_at)
       SELECT 'live' || g || '-' || $2::text, 'ready', 'jpeg', 10, 10, 10, 'public', '\\x00'::bytea,
              CASE WHEN g % 2 = 0 THEN NULL ELSE now() + interval '30 days' END
         FROM generate_series(1, $1::int) g`,
      [count, Math.random().toString(36).slice(2)],
    );
    await pool.query('ANALYZE images');
  }

  it('when the table of live images grows tenfold, then the rows cleanup scans stay those of the expired set', async () => {
    await pool.query('DELETE FROM images');
    await seedExpired(25);
    await addLive(20_000);
    const small = await scanned();
    await addLive(180_000);
    const large = await scanned();

    expect(small.rows).toBe(25);
    expect(large.rows).toBe(25);
    expect(large.scans).toEqual(['Index Scan on images_expiring']);
  }, 120_000);
});
