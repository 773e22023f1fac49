import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ERRORS, type DatabaseDump, type DatabaseDumper } from '@pictor/core';
import { DUMP_ARGS, type EmbeddedPostgres } from './embedded-postgres.js';
import { dumpSnapshotOffThread, OffThreadDumpError } from './offthread-dump.js';
import type { PgDumpTool } from './pg-dump.js';
import type { Pool } from './pool.js';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `write` into a fresh temporary file named after `key`, hands the dump on, then removes it. */
async function inTempFile<T>(
  key: string,
  write: (file: string) => Promise<void>,
  use: (dump: DatabaseDump) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-'));
  try {
    const file = path.join(dir, path.posix.basename(key));
    await write(file);
    const hash = createHash('sha256');
    await pipeline(createReadStream(file), hash);
    const { size } = await stat(file);
    return await use({ bytes: size, sha256: hash.digest('hex'), open: () => createReadStream(file) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** PostgreSQL: pg_dump in its custom format, verified with `pg_restore --list`. */
export class PgDumpDumper implements DatabaseDumper {
  readonly format = 'dump';
  readonly contentType = 'application/octet-stream';

  constructor(
    private readonly tool: PgDumpTool,
    private readonly url: string,
  ) {}

  withDump<T>(key: string, use: (dump: DatabaseDump) => Promise<T>): Promise<T> {
    return inTempFile(
      key,
      async (file) => {
        try {
          await this.tool.dump(this.url, file);
        } catch (error) {
          throw ERRORS.backupFailed(message(error), error);
        }
        await this.tool.list(file).catch((error: unknown) => {
          throw ERRORS.backupCorrupt(key, `pg_restore --list rejects the fresh dump (${String(error)})`);
        });
      },
      use,
    );
  }
}

/**
 * The embedded database: a copy of its data directory made while the pool's only connection is
 * held (it does not block the event loop), then PGlite's pg_dump of the copy and its verification
 * (replayed into a fresh in-memory PGlite) in a worker thread, so requests and probes keep their
 * answers during minutes of WASM work on a large database.
 */
export class EmbeddedDumper implements DatabaseDumper {
  readonly format = 'sql';
  readonly contentType = 'application/sql; charset=utf-8';

  constructor(
    private readonly pool: Pool,
    private readonly embedded: EmbeddedPostgres,
  ) {}

  withDump<T>(key: string, use: (dump: DatabaseDump) => Promise<T>): Promise<T> {
    return inTempFile(
      key,
      async (file) => {
        const copy = path.join(path.dirname(file), 'pgdata');
        try {
          await exclusively(this.pool, () => this.embedded.snapshotTo(copy));
        } catch (error) {
          throw ERRORS.backupFailed(message(error), error);
        }
        let tables: string[];
        try {
          ({ tables } = await dumpSnapshotOffThread(copy, file, DUMP_ARGS));
        } catch (error) {
          if (error instanceof OffThreadDumpError && error.stage === 'verify') {
            throw ERRORS.backupCorrupt(
              key,
              `the fresh dump does not restore into an empty database (${error.message})`,
            );
          }
          throw ERRORS.backupFailed(message(error), error);
        }
        if (!tables.includes('images')) {
          throw ERRORS.backupCorrupt(key, `the fresh dump restores no images table (tables: ${tables.join(', ')})`);
        }
      },
      use,
    );
  }
}

/**
 * Runs `work` on the embedded database while holding the pool's only connection: PGlite has one
 * session, which the socket server shares with direct calls, so nothing else may run meanwhile
 * (other queries wait for the pool, up to its connection timeout).
 */
export async function exclusively<T>(pool: Pool, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work();
  } finally {
    client.release();
  }
}
