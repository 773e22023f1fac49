import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Config } from '@pictor/config';
import {
  backupKeys,
  backupsToDelete,
  CleanupService,
  ERRORS,
  isAppError,
  type CleanupReport,
  type LifecycleRepository,
  type ObjectStore,
} from '@pictor/core';
import type { Logger } from '@pictor/observability';
import {
  DUMP_ARGS,
  dumpSnapshotOffThread,
  EmbeddedDatabaseBusyError,
  migrate,
  OffThreadDumpError,
  PgAccountRepository,
  PgDumpTool,
  PgLifecycleRepository,
  PgToolError,
  verifySqlDump,
  type EmbeddedPostgres,
  type Pool,
} from '@pictor/sql';
import { openDatabase, openObjectStore, type OpenedDatabase } from './infrastructure.js';

/** The cleanup use case on given adapters (shared by `--target=cleanup` and the schedule of `all`). */
export function createCleanup(
  config: Config,
  lifecycle: LifecycleRepository,
  objects: ObjectStore,
  logger: Logger,
): CleanupService {
  return new CleanupService({
    lifecycle,
    objects,
    settings: {
      batchSize: config.cleanup.batchSize,
      orphanGraceSeconds: config.cleanup.orphanGraceSeconds,
      variants: config.variants,
    },
    onBatch: (ids) => logger.info('expired images deleted', { count: ids.length }),
    onPasteBatch: (ids) => logger.info('expired pastes deleted', { count: ids.length }),
  });
}

/**
 * One cleanup pass, its outcome added to the totals in the database (the api exports them, so
 * they outlive the CronJob pod). A failure to record is logged, never mistaken for a failed run.
 */
export async function cleanupAndRecord(
  lifecycle: PgLifecycleRepository,
  logger: Logger,
  run: () => Promise<CleanupReport>,
): Promise<CleanupReport> {
  const keep = (what: string) => (error: unknown) => logger.warn(`could not record the cleanup's ${what}`, { error });
  try {
    const report = await run();
    await lifecycle.recordCleanupSuccess(report).catch(keep('result'));
    return report;
  } catch (error) {
    const reason = isAppError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    await lifecycle.recordCleanupFailure(reason).catch(keep('failure'));
    throw error;
  }
}

/** `--target=cleanup`: one pass over expired images and orphans, then exit. */
export async function runCleanup(config: Config, logger: Logger): Promise<CleanupReport> {
  const started = Date.now();
  const database = await openDatabase(config, logger);
  try {
    const lifecycle = new PgLifecycleRepository(database.pool);
    // Storage that cannot be reached is a failed run too, counted like the others.
    const report = await cleanupAndRecord(lifecycle, logger, async () => {
      const objects = await openObjectStore(config);
      try {
        return await createCleanup(config, lifecycle, objects, logger).run();
      } finally {
        await objects.close();
      }
    });
    await pruneSessions(database.pool, logger);
    logger.info('cleanup finished', { ...report, durationMs: Date.now() - started });
    return report;
  } finally {
    await database.close();
  }
}

/** Deletes sessions past their expiry (they no longer sign anyone in; this only keeps the table small). */
async function pruneSessions(pool: Pool, logger: Logger): Promise<void> {
  const pruned = await new PgAccountRepository(pool).pruneSessions(new Date()).catch((error: unknown) => {
    logger.warn('could not prune expired sessions', { error });
    return 0;
  });
  if (pruned > 0) logger.info('expired sessions pruned', { count: pruned });
}

/** Runs the cleanup every `intervalSeconds` in-process (target `all`); returns its stop(). */
export function scheduleCleanup(
  cleanup: CleanupService,
  lifecycle: PgLifecycleRepository,
  intervalSeconds: number,
  logger: Logger,
  pool?: Pool,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= cleanupAndRecord(lifecycle, logger, () => cleanup.run())
      .then(async (report) => {
        if (pool) await pruneSessions(pool, logger);
        return report;
      })
      .then(
        (report) => {
          if (report.expired + report.orphans + report.stalePending > 0) logger.info('cleanup finished', { ...report });
        },
        (error: unknown) => logger.warn('cleanup failed; retrying at the next interval', { error }),
      )
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, intervalSeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

export interface BackupResult {
  key: string;
  bytes: number;
  sha256: string;
  deleted: string[];
}

function dumpTool(config: Config): PgDumpTool {
  return new PgDumpTool({ pgDump: config.backup.pgDumpPath, pgRestore: config.backup.pgRestorePath });
}

async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Runs `work` on the embedded database while holding the pool's only connection: PGlite has one
 * session, which the socket server shares with direct calls, so nothing else may run meanwhile
 * (other queries wait for the pool, up to its connection timeout).
 */
async function exclusively<T>(pool: Pool, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work();
  } finally {
    client.release();
  }
}

/** The embedded database of a running Pictor cannot be opened by a second process. */
async function openDatabaseFor(config: Config, logger: Logger, action: 'backup' | 'restore'): Promise<OpenedDatabase> {
  try {
    return await openDatabase(config, logger);
  } catch (error) {
    if (!(error instanceof EmbeddedDatabaseBusyError)) throw error;
    if (action === 'backup') {
      throw ERRORS.backupFailed(
        `the embedded database is in use by a running Pictor (process ${error.pid}): back it up through that process (POST /api/v1/admin/backups), or stop it first`,
        error,
      );
    }
    throw ERRORS.restoreRefused(
      `The embedded database is in use by a running Pictor (process ${error.pid}): stop it before restoring.`,
    );
  }
}

/**
 * Writes one verified backup of an open database to object storage, records it and applies the
 * retention. PostgreSQL: pg_dump (custom format) into a temporary file, verified with
 * `pg_restore --list`. The embedded database: PGlite's pg_dump (plain SQL), verified by replaying
 * it into a fresh in-memory PGlite. Shared by `--target=backup` and the in-process runs of `all`.
 */
export async function backupDatabase(
  config: Config,
  logger: Logger,
  database: Pick<OpenedDatabase, 'pool' | 'url' | 'embedded'>,
  objects: ObjectStore,
  now: Date = new Date(),
): Promise<BackupResult> {
  const embedded = database.embedded;
  const key = backupKeys.dump(now, embedded ? 'sql' : 'dump');
  const result = await withTempDir(async (dir) => {
    const file = path.join(dir, path.posix.basename(key));
    if (embedded) {
      // Only the copy of the data directory is made with the database held still, and it does not
      // block the event loop; the dump and its verification, minutes of WASM work on a large
      // database, run in a worker thread so that requests and probes keep their answers.
      const copy = path.join(dir, 'pgdata');
      try {
        await exclusively(database.pool, () => embedded.snapshotTo(copy));
      } catch (error) {
        throw ERRORS.backupFailed(error instanceof Error ? error.message : String(error), error);
      }
      let tables: string[];
      try {
        ({ tables } = await dumpSnapshotOffThread(copy, file, DUMP_ARGS));
      } catch (error) {
        if (error instanceof OffThreadDumpError && error.stage === 'verify') {
          throw ERRORS.backupCorrupt(key, `the fresh dump does not restore into an empty database (${error.message})`);
        }
        throw ERRORS.backupFailed(error instanceof Error ? error.message : String(error), error);
      }
      if (!tables.includes('images')) {
        throw ERRORS.backupCorrupt(key, `the fresh dump restores no images table (tables: ${tables.join(', ')})`);
      }
    } else {
      const tool = dumpTool(config);
      try {
        await tool.dump(database.url, file);
      } catch (error) {
        throw ERRORS.backupFailed(error instanceof Error ? error.message : String(error), error);
      }
      await tool.list(file).catch((error: unknown) => {
        throw ERRORS.backupCorrupt(key, `pg_restore --list rejects the fresh dump (${String(error)})`);
      });
    }
    const sha256 = await sha256OfFile(file);
    const { size } = await stat(file);
    const contentType = embedded ? 'application/sql; charset=utf-8' : 'application/octet-stream';
    const stored = await objects.putStream(key, createReadStream(file), contentType);
    if (stored.size !== size) {
      throw ERRORS.backupFailed(`${key} holds ${stored.size} bytes after upload; the dump has ${size}`);
    }
    await objects.put(
      backupKeys.checksum(key),
      Buffer.from(`${sha256}  ${path.posix.basename(key)}\n`),
      'text/plain; charset=utf-8',
    );
    return { sha256, bytes: size };
  });
  await new PgLifecycleRepository(database.pool).recordBackup({
    key,
    bytes: result.bytes,
    sha256: result.sha256,
    startedAt: now,
    finishedAt: new Date(),
  });
  const deleted = await applyRetention(config, objects);
  logger.info('backup finished', { key, bytes: result.bytes, sha256: result.sha256, deleted });
  return { key, ...result, deleted };
}

/**
 * `--target=backup`: one backup (see backupDatabase), then exit. With the embedded database,
 * Pictor must be stopped: a running one holds its files (`all` backs up in-process instead).
 */
export async function runBackup(config: Config, logger: Logger, now: Date = new Date()): Promise<BackupResult> {
  const database = await openDatabaseFor(config, logger, 'backup');
  try {
    const objects = await openObjectStore(config);
    try {
      return await backupDatabase(config, logger, database, objects, now);
    } finally {
      await objects.close();
    }
  } finally {
    await database.close();
  }
}

async function listDumps(objects: ObjectStore): Promise<{ key: string; time: Date }[]> {
  const dumps: { key: string; time: Date }[] = [];
  for await (const object of objects.list(backupKeys.prefix)) {
    const time = backupKeys.timeOf(object.key);
    if (time) dumps.push({ key: object.key, time });
  }
  return dumps;
}

async function applyRetention(config: Config, objects: ObjectStore): Promise<string[]> {
  const doomed = backupsToDelete(await listDumps(objects), {
    keepLast: config.backup.keepLast,
    keepDaily: config.backup.keepDaily,
    keepWeekly: config.backup.keepWeekly,
  });
  if (doomed.length > 0) await objects.delete(doomed.flatMap((key) => [key, backupKeys.checksum(key)]));
  return doomed;
}

export interface RestoreOptions {
  /** A dump's key (or its file name), or `latest`. */
  from: string;
  /** Overwrite a database that holds images. */
  force: boolean;
}

/**
 * `--target=restore --from <key|latest>`: checks the dump against its sha256, and that it reads
 * (`pg_restore --list`; a plain-SQL dump is replayed into a fresh in-memory PGlite), before
 * touching the database; refuses a database that holds images unless forced; restores in one
 * transaction (a failure leaves the database as it was), then applies migrations newer than the
 * dump. `.dump` files restore into PostgreSQL, `.sql` files into the embedded database.
 */
export async function runRestore(config: Config, logger: Logger, options: RestoreOptions): Promise<{ key: string }> {
  const database = await openDatabaseFor(config, logger, 'restore');
  try {
    const objects = await openObjectStore(config);
    try {
      const key = await resolveDump(objects, options.from);
      const format = backupKeys.formatOf(key);
      if (format === 'dump' && database.embedded) {
        throw ERRORS.restoreRefused(
          `${key} is a pg_dump of PostgreSQL (custom format): it restores into a PostgreSQL server (DATABASE_URL), not into the embedded database.`,
        );
      }
      if (format === 'sql' && !database.embedded) {
        throw ERRORS.restoreRefused(
          `${key} is a plain-SQL dump of the embedded database: it restores into an all-in-one Pictor (no DATABASE_URL).`,
        );
      }
      if (!options.force && (await new PgLifecycleRepository(database.pool).hasImages())) {
        throw ERRORS.restoreRefused(
          'The database already holds images; restoring would replace them. Run again with --force to overwrite it.',
        );
      }
      await withTempDir(async (dir) => {
        const file = path.join(dir, path.posix.basename(key));
        const body = await objects.get(key);
        if (!body) throw ERRORS.backupNotFound(options.from);
        await pipeline(body.body, createWriteStream(file));
        const expected = await readChecksum(objects, key);
        const actual = await sha256OfFile(file);
        if (actual !== expected) {
          throw ERRORS.backupCorrupt(key, `its sha256 is ${actual}, but ${backupKeys.checksum(key)} says ${expected}`);
        }
        if (database.embedded) {
          await restoreEmbedded(key, await readFile(file, 'utf8'), database.pool, database.embedded, logger);
        } else {
          await restorePostgres(key, file, config, logger);
        }
      });
      const applied = await migrate(database.pool);
      logger.info('restore finished', { key, migrationsApplied: applied });
      return { key };
    } finally {
      await objects.close();
    }
  } finally {
    await database.close();
  }
}

async function restorePostgres(key: string, file: string, config: Config, logger: Logger): Promise<void> {
  const url = config.database.url;
  if (!url) throw ERRORS.restoreRefused(`${key} needs a PostgreSQL server (DATABASE_URL).`);
  const tool = dumpTool(config);
  try {
    await tool.list(file);
  } catch (error) {
    throw ERRORS.backupCorrupt(key, `pg_restore cannot read it (${String(error)})`);
  }
  logger.info('restoring', { key });
  try {
    await tool.restore(url, file);
  } catch (error) {
    throw ERRORS.restoreFailed(
      `${error instanceof PgToolError ? error.message : String(error)}; nothing was changed (single transaction)`,
      error,
    );
  }
}

async function restoreEmbedded(
  key: string,
  sql: string,
  pool: Pool,
  embedded: EmbeddedPostgres,
  logger: Logger,
): Promise<void> {
  const tables = await verifySqlDump(sql).catch((error: unknown) => {
    throw ERRORS.backupCorrupt(key, `it does not restore into an empty database (${String(error)})`);
  });
  if (!tables.includes('images')) throw ERRORS.backupCorrupt(key, 'it holds no images table');
  logger.info('restoring', { key });
  try {
    await exclusively(pool, () => embedded.restoreSql(sql));
  } catch (error) {
    throw ERRORS.restoreFailed(
      `${error instanceof Error ? error.message : String(error)}; nothing was changed (single transaction)`,
      error,
    );
  }
}

async function resolveDump(objects: ObjectStore, from: string): Promise<string> {
  if (from === 'latest') {
    const dumps = await listDumps(objects);
    const newest = dumps.sort((a, b) => b.time.getTime() - a.time.getTime())[0];
    if (!newest) throw ERRORS.backupNotFound(from);
    return newest.key;
  }
  const key = from.includes('/') ? from : `${backupKeys.prefix}${from}`;
  if (!backupKeys.timeOf(key) || !(await objects.stat(key))) throw ERRORS.backupNotFound(from);
  return key;
}

async function readChecksum(objects: ObjectStore, key: string): Promise<string> {
  const object = await objects.get(backupKeys.checksum(key));
  if (!object) throw ERRORS.backupCorrupt(key, `its checksum ${backupKeys.checksum(key)} is missing`);
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  const match = /^([0-9a-f]{64})\b/.exec(text);
  if (!match?.[1]) throw ERRORS.backupCorrupt(key, `its checksum ${backupKeys.checksum(key)} is unreadable`);
  return match[1];
}
