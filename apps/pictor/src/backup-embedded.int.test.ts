import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig, type Config } from '@pictor/config';
import { isAppError } from '@pictor/core';
import { silentLogger } from '@pictor/observability';
import { createPool, startEmbeddedPostgres } from '@pictor/sql';
import { runBackup, runRestore } from './pictor.js';
import { startTestPictor, type TestPictor } from '@pictor/test-harness/harness';
import { png } from '@pictor/test-harness/images';

/**
 * Backups of the all-in-one mode (PGlite): in-process through the admin API while Pictor runs,
 * `--target=backup` and `--target=restore` once it is stopped, with a disk object store.
 */
const ADMIN_TOKEN = 'admin-token-for-the-tests-0123456789';
let pictor: TestPictor;
let dataDir: string;
let config: Config;
let before: string;

const objectsDir = () => path.join(dataDir, 'objects', 'objects');

/** Every image and outbox row, as text, read from the (stopped) embedded database. */
async function snapshot(change?: string): Promise<string> {
  const database = await startEmbeddedPostgres(path.join(dataDir, 'pgdata'));
  const pool = createPool({ connectionString: database.connectionString, max: 1 });
  try {
    if (change) await pool.query(change);
    const { rows } = await pool.query<{ images: string; outbox: string }>(
      `SELECT (SELECT json_agg(i ORDER BY id)::text FROM images i) AS images,
              (SELECT json_agg(o ORDER BY id)::text FROM outbox o) AS outbox`,
    );
    return JSON.stringify(rows[0]);
  } finally {
    await pool.end();
    await database.stop();
  }
}

async function failure(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

beforeAll(async () => {
  pictor = await startTestPictor({ ADMIN_TOKEN, CLEANUP_INTERVAL_SECONDS: '0' });
  dataDir = pictor.dataDir;
  config = loadConfig({}, { PICTOR_TARGET: 'backup', DATA_DIR: dataDir });
  for (let i = 0; i < 3; i++) {
    const body = new FormData();
    body.append('file', new Blob([new Uint8Array(await png(200 + i, 120))]), 'a.png');
    body.append('title', `image ${i} with 'quotes' and ünïcode`);
    expect((await fetch(`${pictor.url}/api/v1/images`, { method: 'POST', body })).status).toBe(201);
  }
  for (let pending = 1; pending > 0;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { rows } = await pictor.handle.infrastructure.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM images WHERE status <> 'ready'`,
    );
    pending = rows[0]!.n;
  }
}, 60_000);

afterAll(async () => {
  await pictor?.handle.stop().catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('while all-in-one Pictor runs', () => {
  it('when an admin starts a backup, then it runs in-process and stores a verified plain-SQL dump with its sha256', async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const started = await fetch(`${pictor.url}/api/v1/admin/backups`, { method: 'POST', headers });
    expect(started.status).toBe(202);
    const job = (await started.json()) as { name: string; namespace: string; status: string };
    expect(job).toMatchObject({ namespace: 'local', status: 'running' });
    expect(job.name).toMatch(/^backup-manual-\d{14}$/);

    let status = job.status;
    for (let i = 0; i < 100 && status === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const res = await fetch(`${pictor.url}/api/v1/admin/backups/${job.name}`, { headers });
      status = ((await res.json()) as { status: string }).status;
    }
    expect(status).toBe('succeeded');

    const keys = (await pictor.objectKeys()).filter((k) => k.startsWith('backups/'));
    expect(keys).toHaveLength(2);
    const [dump, checksum] = keys as [string, string];
    expect(dump).toMatch(/^backups\/postgres\/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.sql$/);
    expect(checksum).toBe(`${dump}.sha256`);
    const sql = await readFile(path.join(objectsDir(), dump));
    expect(sql.toString('utf8')).toContain('CREATE TABLE public.images');
    expect((await readFile(path.join(objectsDir(), checksum), 'utf8')).split(' ')[0]).toBe(
      createHash('sha256').update(sql).digest('hex'),
    );
    const listed = await fetch(`${pictor.url}/api/v1/admin/backups`, { headers });
    expect(((await listed.json()) as { backups: { key: string; bytes: number }[] }).backups).toEqual([
      expect.objectContaining({ key: dump, bytes: sql.length }),
    ]);
    // Pictor still answers after the dump held its database.
    expect((await fetch(`${pictor.url}/api/v1/images?limit=5`)).status).toBe(200);
  }, 60_000);

  it('when --target=backup runs beside it, then it refuses: the running process owns the embedded database', async () => {
    const { code, message } = await failure(runBackup(config, silentLogger()));
    expect(code).toBe('BACKUP_FAILED');
    expect(message).toContain(`in use by a running Pictor (process ${process.pid})`);
    expect(message).toContain('POST /api/v1/admin/backups');
  });
});

describe('once Pictor is stopped', () => {
  beforeAll(async () => {
    await pictor.handle.stop();
    before = await snapshot();
  }, 30_000);

  it('when --target=backup runs, then a .sql dump of the embedded database is written', async () => {
    const result = await runBackup(config, silentLogger());
    expect(result.key).toMatch(/\.sql$/);
    expect(result.bytes).toBeGreaterThan(1000);
    expect(await snapshot()).toBe(before);
  }, 60_000);

  it('when the rows are deleted and the latest backup restored, then the rows equal those before', async () => {
    const emptied = await snapshot('DELETE FROM images; DELETE FROM outbox');
    expect(emptied).not.toBe(before);
    expect(JSON.parse(emptied)).toEqual({ images: null, outbox: null });
    await runRestore(config, silentLogger(), { from: 'latest', force: false });
    expect(await snapshot()).toBe(before);
  }, 60_000);

  it('when the database holds images, then restore refuses without --force and replaces them with it', async () => {
    const changed = await snapshot(`UPDATE images SET title = 'changed after the backup'`);
    const { code } = await failure(runRestore(config, silentLogger(), { from: 'latest', force: false }));
    expect(code).toBe('RESTORE_REFUSED');
    expect(await snapshot()).toBe(changed);
    await runRestore(config, silentLogger(), { from: 'latest', force: true });
    expect(await snapshot()).toBe(before);
  }, 60_000);

  it('when a dump is corrupted, then restore fails with BACKUP_CORRUPT and leaves the database as it was', async () => {
    const kept = await snapshot(`UPDATE images SET title = 'the state to keep'`);
    const dumps = (await pictor.objectKeys()).filter((k) => k.endsWith('.sql')).sort();
    const latest = path.join(objectsDir(), dumps.at(-1)!);
    const sql = await readFile(latest, 'utf8');
    await writeFile(latest, sql.replace('CREATE TABLE public.images', 'CREATE TABLE public.imagez'));
    const mismatch = await failure(runRestore(config, silentLogger(), { from: 'latest', force: true }));
    expect(mismatch.code).toBe('BACKUP_CORRUPT');
    expect(mismatch.message).toContain('sha256');

    // Even with a matching checksum, a dump that does not replay is refused before any change.
    const broken = sql.replace('CREATE TABLE public.images', 'CREATE TABLE public.images (broken');
    await writeFile(latest, broken);
    await writeFile(`${latest}.sha256`, `${createHash('sha256').update(broken).digest('hex')}  x.sql\n`);
    const unreadable = await failure(runRestore(config, silentLogger(), { from: 'latest', force: true }));
    expect(unreadable.code).toBe('BACKUP_CORRUPT');
    expect(await snapshot()).toBe(kept);
  }, 60_000);
});
