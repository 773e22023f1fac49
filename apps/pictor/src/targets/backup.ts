import type { Config } from '@pictor/config';
import { BackupService, type BackupResult, type DatabaseDumper, type ObjectStore } from '@pictor/core';
import type { Logger } from '@pictor/observability';
import { EmbeddedDumper, PgDumpDumper, PgDumpTool, PgLifecycleRepository } from '@pictor/sql';
import type { OpenedDatabase } from '../modules/adapters.js';
import type { PictorContext } from '../modules/context.js';

export type { BackupResult };

/** pg_dump and pg_restore as BACKUP_PG_DUMP_PATH / BACKUP_PG_RESTORE_PATH name them. */
export function dumpTool(config: Config): PgDumpTool {
  return new PgDumpTool({ pgDump: config.backup.pgDumpPath, pgRestore: config.backup.pgRestorePath });
}

/** The dumper of an open database: PGlite's for the embedded one, pg_dump for PostgreSQL. */
function dumperOf(config: Config, database: Pick<OpenedDatabase, 'pool' | 'url' | 'embedded'>): DatabaseDumper {
  return database.embedded
    ? new EmbeddedDumper(database.pool, database.embedded)
    : new PgDumpDumper(dumpTool(config), database.url);
}

/**
 * One verified backup of an open database (the backup use case on this process's adapters).
 * Shared by `--target=backup` and the in-process runs of `all` (POST /api/v1/admin/backups).
 */
export async function backUp(
  config: Config,
  logger: Logger,
  database: Pick<OpenedDatabase, 'pool' | 'url' | 'embedded'>,
  objects: ObjectStore,
): Promise<BackupResult> {
  const result = await new BackupService({
    dumper: dumperOf(config, database),
    objects,
    lifecycle: new PgLifecycleRepository(database.pool),
    retention: {
      keepLast: config.backup.keepLast,
      keepDaily: config.backup.keepDaily,
      keepWeekly: config.backup.keepWeekly,
    },
  }).run();
  logger.info('backup finished', {
    key: result.key,
    bytes: result.bytes,
    sha256: result.sha256,
    deleted: result.deleted,
  });
  return result;
}

/**
 * `--target=backup` (module `backup-once`): one backup, then exit. With the embedded database,
 * Pictor must be stopped: a running one holds its files (`all` backs up in-process instead).
 */
export async function backupOnce(ctx: PictorContext): Promise<undefined> {
  ctx.result = await backUp(ctx.config, ctx.logger, ctx.use('database'), ctx.use('objects'));
  return undefined;
}
