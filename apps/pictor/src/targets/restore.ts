import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Config } from '@pictor/config';
import { backupKeys, ERRORS, listDumps, type ObjectStore } from '@pictor/core';
import type { Logger } from '@pictor/observability';
import {
  exclusively,
  migrate,
  PgLifecycleRepository,
  PgToolError,
  verifySqlDump,
  type EmbeddedPostgres,
  type Pool,
} from '@pictor/sql';
import type { PictorContext } from '../modules/context.js';
import { dumpTool } from './backup.js';

export interface RestoreOptions {
  /** A dump's key (or its file name), or `latest`. */
  from: string;
  /** Overwrite a database that holds images. */
  force: boolean;
}

/**
 * `--target=restore --from <key|latest>` (module `restore-once`): checks the dump against its
 * sha256, and that it reads (`pg_restore --list`; a plain-SQL dump is replayed into a fresh
 * in-memory PGlite), before touching the database; refuses a database that holds images unless
 * forced; restores in one transaction (a failure leaves the database as it was), then applies
 * migrations newer than the dump. `.dump` files restore into PostgreSQL, `.sql` files into the
 * embedded database.
 */
export async function restoreOnce(ctx: PictorContext): Promise<undefined> {
  const { config, logger } = ctx;
  const options = ctx.options.restore;
  if (!options) throw new Error('--target=restore needs --from=<key|latest>');
  const database = ctx.use('database');
  const objects = ctx.use('objects');
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
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-'));
  try {
    const file = path.join(dir, path.posix.basename(key));
    const body = await objects.get(key);
    if (!body) throw ERRORS.backupNotFound(options.from);
    await pipeline(body.body, createWriteStream(file));
    const expected = await readChecksum(objects, key);
    const hash = createHash('sha256');
    await pipeline(createReadStream(file), hash);
    const actual = hash.digest('hex');
    if (actual !== expected) {
      throw ERRORS.backupCorrupt(key, `its sha256 is ${actual}, but ${backupKeys.checksum(key)} says ${expected}`);
    }
    if (database.embedded) {
      await restoreEmbedded(key, await readFile(file, 'utf8'), database.pool, database.embedded, logger);
    } else {
      await restorePostgres(key, file, config, logger);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const applied = await migrate(database.pool);
  logger.info('restore finished', { key, migrationsApplied: applied });
  ctx.result = { key };
  return undefined;
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
