import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupKeys, type ObjectStore } from '@pictor/core';
import { S3ObjectStore } from '@pictor/objects';
import { createPool, type Pool } from '@pictor/sql';
import { engines, freshBucket, freshDatabase, pictorEnv } from '@pictor/test-harness/engines';
import { png } from '@pictor/test-harness/images';
import { runPictorOnce, spawnPictor } from '@pictor/test-harness/processes';

/** `--target=backup` and `--target=restore` with the Debian pg_dump/pg_restore, on PostgreSQL and MinIO. */
let database: { url: string; drop(): Promise<void> };
let pool: Pool;
let objects: ObjectStore;
let env: Record<string, string>;

beforeAll(async () => {
  const binDir = process.env.PICTOR_PG_BIN_DIR;
  if (!binDir) throw new Error('PICTOR_PG_BIN_DIR is not set: the engines setup provides pg_dump and pg_restore');
  database = await freshDatabase();
  const bucket = await freshBucket();
  env = pictorEnv(database.url, bucket, {
    CLEANUP_INTERVAL_SECONDS: '0',
    PG_DUMP_PATH: path.join(binDir, 'pg_dump'),
    PG_RESTORE_PATH: path.join(binDir, 'pg_restore'),
    BACKUP_KEEP_LAST: '2',
    BACKUP_KEEP_DAILY: '0',
    BACKUP_KEEP_WEEKLY: '0',
  });
  pool = createPool({ connectionString: database.url, max: 2 });
  objects = await new S3ObjectStore({ ...engines().s3, bucket }).init();

  // Uploads through a running Pictor, processed to the end, then stopped as the runbook says.
  const pictor = await spawnPictor('all', env);
  for (let i = 0; i < 3; i++) {
    const body = new FormData();
    body.append('file', new Blob([new Uint8Array(await png(320 + i, 200))]), 'a.png');
    body.append('title', `image ${i}`);
    expect((await fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body })).status).toBe(201);
  }
  for (let pending = 1; pending > 0;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM images WHERE status <> 'ready'`);
    pending = rows[0]!.n;
  }
  await pictor.kill();
}, 90_000);

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

/** Every image and outbox row, as text, in a stable order. */
async function snapshot(): Promise<string> {
  const { rows } = await pool.query<{ images: string; outbox: string }>(
    `SELECT (SELECT json_agg(i ORDER BY id)::text FROM images i) AS images,
            (SELECT json_agg(o ORDER BY id)::text FROM outbox o) AS outbox`,
  );
  return JSON.stringify(rows[0]);
}

async function dumps(): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of objects.list(backupKeys.prefix)) keys.push(o.key);
  return keys.sort();
}

async function backup(): Promise<string> {
  const run = runPictorOnce('backup', env);
  await run.done;
  expect([run.code, run.lines.filter((l) => l.level === 'error')]).toEqual([0, []]);
  return String(run.lines.find((l) => l.msg === 'backup finished')?.key);
}

async function restore(...args: string[]): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const run = runPictorOnce('restore', env, args);
  await run.done;
  return run;
}

describe('backup and restore', () => {
  let before: string;
  let firstKey: string;

  it('when a backup runs, then a verified dump, its sha256 and a record of it exist', async () => {
    before = await snapshot();
    firstKey = await backup();
    expect(firstKey).toMatch(/^backups\/postgres\/.+\.dump$/);
    expect(await dumps()).toEqual([firstKey, `${firstKey}.sha256`]);
    const { rows } = await pool.query<{ key: string; bytes: number }>('SELECT key, bytes FROM backups');
    expect(rows).toEqual([{ key: firstKey, bytes: (await objects.stat(firstKey))!.size }]);
  }, 30_000);

  it('when the data is deleted and the latest backup restored, then the rows equal those before', async () => {
    await pool.query('DELETE FROM images; DELETE FROM outbox');
    expect(await snapshot()).not.toEqual(before);
    const run = await restore('--from=latest');
    expect(run.code).toBe(0);
    expect(await snapshot()).toEqual(before);
  }, 30_000);

  it('when the database holds images, then restore refuses without --force and changes nothing', async () => {
    await pool.query(`UPDATE images SET title = 'changed after the backup'`);
    const changed = await snapshot();
    const run = await restore(`--from=${firstKey}`);
    expect(run.code).toBe(1);
    expect(run.lines.find((l) => l.level === 'error')).toMatchObject({ code: 'RESTORE_REFUSED' });
    expect(await snapshot()).toEqual(changed);

    const forced = await restore(`--from=${path.posix.basename(firstKey)}`, '--force');
    expect(forced.code).toBe(0);
    expect(await snapshot()).toEqual(before);
  }, 30_000);

  it('when more backups exist than retention keeps, then the oldest dumps and their checksums go', async () => {
    const second = await backup();
    const third = await backup();
    expect(await dumps()).toEqual([second, `${second}.sha256`, third, `${third}.sha256`].sort());
  }, 60_000);

  it('when a dump is corrupted, then restore fails with a clear error and leaves the database as it was', async () => {
    await pool.query(`UPDATE images SET title = 'the state to keep'`);
    const kept = await snapshot();
    const [latest] = (await dumps()).filter((k) => k.endsWith('.dump')).reverse();
    const original = await objects.get(latest!);
    const chunks: Buffer[] = [];
    for await (const chunk of original!.body) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    bytes.fill(0x42, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 64);
    await objects.put(latest!, bytes, 'application/octet-stream');

    const run = await restore('--from=latest', '--force');
    expect(run.code).toBe(1);
    const error = run.lines.find((l) => l.level === 'error');
    expect(error).toMatchObject({ code: 'BACKUP_CORRUPT' });
    expect(String(error?.msg)).toContain('sha256');
    expect(await snapshot()).toEqual(kept);
  }, 30_000);

  it('when a dump and its checksum are both replaced by garbage, then pg_restore rejects it before any change', async () => {
    const kept = await snapshot();
    const [latest] = (await dumps()).filter((k) => k.endsWith('.dump')).reverse();
    const garbage = Buffer.from('PGDMP but not really a dump');
    const { createHash } = await import('node:crypto');
    await objects.put(latest!, garbage, 'application/octet-stream');
    await objects.put(
      `${latest!}.sha256`,
      Buffer.from(createHash('sha256').update(garbage).digest('hex')),
      'text/plain',
    );

    const run = await restore('--from=latest', '--force');
    expect(run.code).toBe(1);
    expect(run.lines.find((l) => l.level === 'error')).toMatchObject({ code: 'BACKUP_CORRUPT' });
    expect(await snapshot()).toEqual(kept);
  }, 30_000);
});
