import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
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
import { migrate, PgDumpTool, PgLifecycleRepository, PgToolError } from '@pictor/sql';
import { openDatabase, openObjectStore } from './infrastructure.js';

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
    logger.info('cleanup finished', { ...report, durationMs: Date.now() - started });
    return report;
  } finally {
    await database.close();
  }
}

/** Runs the cleanup every `intervalSeconds` in-process (target `all`); returns its stop(). */
export function scheduleCleanup(
  cleanup: CleanupService,
  lifecycle: PgLifecycleRepository,
  intervalSeconds: number,
  logger: Logger,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= cleanupAndRecord(lifecycle, logger, () => cleanup.run())
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

function realDatabaseUrl(config: Config, action: string): string {
  // pg_dump cannot read PGlite's files, and its socket server speaks a newer major than the
  // Debian tools; see docs/LIFECYCLE.md for backing up the all-in-one mode.
  if (!config.database.url) {
    throw ERRORS.validationFailed(
      `${action} needs DATABASE_URL (a PostgreSQL server); for the embedded database, copy DATA_DIR while Pictor is stopped.`,
    );
  }
  return config.database.url;
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
 * `--target=backup`: pg_dump (custom format) into a temporary file, verified with
 * `pg_restore --list`, streamed to `backups/postgres/<timestamp>.dump` with its sha256 beside
 * it, recorded in the `backups` table, then older dumps thinned out by the retention policy.
 */
export async function runBackup(config: Config, logger: Logger, now: Date = new Date()): Promise<BackupResult> {
  const url = realDatabaseUrl(config, 'Backup');
  const tool = dumpTool(config);
  const database = await openDatabase(config, logger);
  try {
    const objects = await openObjectStore(config);
    try {
      const key = backupKeys.dump(now);
      const result = await withTempDir(async (dir) => {
        const file = path.join(dir, 'pictor.dump');
        try {
          await tool.dump(url, file);
        } catch (error) {
          throw ERRORS.backupFailed(error instanceof Error ? error.message : String(error), error);
        }
        await tool.list(file).catch((error: unknown) => {
          throw ERRORS.backupCorrupt(key, `pg_restore --list rejects the fresh dump (${String(error)})`);
        });
        const sha256 = await sha256OfFile(file);
        const { size } = await stat(file);
        const stored = await objects.putStream(key, createReadStream(file), 'application/octet-stream');
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
 * `--target=restore --from <key|latest>`: checks the dump against its sha256 and with
 * `pg_restore --list` before touching the database, refuses a database that holds images
 * unless forced, restores in one transaction (a failure leaves the database as it was), then
 * applies migrations newer than the dump.
 */
export async function runRestore(config: Config, logger: Logger, options: RestoreOptions): Promise<{ key: string }> {
  const url = realDatabaseUrl(config, 'Restore');
  const tool = dumpTool(config);
  const database = await openDatabase(config, logger);
  try {
    const objects = await openObjectStore(config);
    try {
      const key = await resolveDump(objects, options.from);
      if (!options.force && (await new PgLifecycleRepository(database.pool).hasImages())) {
        throw ERRORS.restoreRefused(
          'The database already holds images; restoring would replace them. Run again with --force to overwrite it.',
        );
      }
      await withTempDir(async (dir) => {
        const file = path.join(dir, 'pictor.dump');
        const body = await objects.get(key);
        if (!body) throw ERRORS.backupNotFound(options.from);
        await pipeline(body.body, createWriteStream(file));
        const expected = await readChecksum(objects, key);
        const actual = await sha256OfFile(file);
        if (actual !== expected) {
          throw ERRORS.backupCorrupt(key, `its sha256 is ${actual}, but ${backupKeys.checksum(key)} says ${expected}`);
        }
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
