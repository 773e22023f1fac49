import { cp, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { pgDump } from '@electric-sql/pglite-tools/pg_dump';

export interface EmbeddedPostgres {
  /** A `postgres://` URL for `pg`; the server takes one connection at a time. */
  connectionString: string;
  /**
   * A plain-SQL dump of the database (PGlite's own pg_dump, compiled to WASM), in memory. The
   * caller must keep every other session idle meanwhile: PGlite has one session, shared with the
   * socket server (hold the pool's only client).
   */
  dumpSql(): Promise<string>;
  /**
   * Copies the whole data directory into the directory `into` (made if missing): a consistent
   * copy while every other session is idle (hold the pool's only client), which PGlite opens as
   * it would after a crash; see dumpSnapshotOffThread. The files go through the thread pool
   * (or, in memory, one at a time between turns of the event loop), so requests and probes keep
   * being answered while a large database is copied.
   */
  snapshotTo(into: string): Promise<void>;
  /**
   * Replaces everything in the `public` schema by what `sql` (a dump of dumpSql) creates, in one
   * transaction: a failure leaves the database as it was. Same caveat as dumpSql.
   */
  restoreSql(sql: string): Promise<void>;
  stop(): Promise<void>;
}

/** The one PGlite instance of a data directory is in use by another live process. */
export class EmbeddedDatabaseBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`The embedded database in ${dir} is in use by process ${pid}`);
    this.name = 'EmbeddedDatabaseBusyError';
  }
}

export const DUMP_ARGS = ['--no-owner', '--no-privileges'];

/**
 * PostgreSQL compiled to WASM (PGlite), persisted in `dir` (or in memory when `dir` is
 * undefined), behind its wire-protocol socket server on a free loopback port, so the same `pg`
 * code talks to it as to a real server. PGlite does not guard its files against a second
 * process, so `<dir>.lock` (holding the owner's pid) does: a second opener fails with
 * EmbeddedDatabaseBusyError while the first lives.
 */
export async function startEmbeddedPostgres(dir: string | undefined): Promise<EmbeddedPostgres> {
  const unlock = dir ? await lockDirectory(dir) : () => Promise.resolve();
  let db: PGlite;
  try {
    if (dir) await mkdir(dir, { recursive: true });
    db = dir ? await PGlite.create(dir) : await PGlite.create();
  } catch (error) {
    await unlock();
    throw error;
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  const address = server.getServerConn();
  return {
    connectionString: `postgres://postgres@${address}/postgres?sslmode=disable`,
    dumpSql: () => dumpSql(db),
    // On disk, PGlite writes through to the files at once (no cache of its own), so the files are
    // the database; in memory they live in its WASM file system, read out file by file.
    snapshotTo: (into) => (dir ? cp(dir, into, { recursive: true }) : copyMemoryDataDir(db, into)),
    async restoreSql(sql) {
      await db.transaction(async (tx) => {
        await tx.exec('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;');
        await tx.exec(sql);
      });
      // The dump empties search_path for its own statements; give the session back its default.
      await db.exec('RESET search_path');
    },
    async stop() {
      await server.stop();
      await db.close();
      await unlock();
    },
  };
}

/** Where PGlite's file system holds the data directory. */
const PGDATA = '/pglite/data';

/** The part of Emscripten's FS API used here (its type package is not a dependency). */
interface MemoryFs {
  readdir(path: string): string[];
  stat(path: string): { mode: number };
  isDir(mode: number): boolean;
  readFile(path: string): Uint8Array;
}

async function copyMemoryDataDir(db: PGlite, into: string): Promise<void> {
  const fs = db.Module.FS as unknown as MemoryFs;
  const walk = async (from: string, to: string): Promise<void> => {
    await mkdir(to, { recursive: true });
    for (const name of fs.readdir(from)) {
      if (name === '.' || name === '..') continue;
      const source = `${from}/${name}`;
      const target = path.join(to, name);
      if (fs.isDir(fs.stat(source).mode)) await walk(source, target);
      else await writeFile(target, fs.readFile(source));
    }
  };
  await walk(PGDATA, into);
}

async function dumpSql(db: PGlite): Promise<string> {
  try {
    const file = await pgDump({ pg: db, args: DUMP_ARGS });
    return await file.text();
  } finally {
    // pg_dump shares the one session and leaves behind its read-only snapshot transaction and
    // its settings (an empty search_path among them): end the one and reset the others.
    if (db.isInTransaction()) await db.exec('ROLLBACK');
    await db.exec('RESET ALL');
  }
}

/**
 * Replays `sql` into a fresh in-memory PGlite and returns the tables it created: a dump that
 * does not restore there would not restore anywhere, so this is what "verified" means for a
 * plain-SQL dump.
 */
export async function verifySqlDump(sql: string): Promise<string[]> {
  const db = await PGlite.create();
  try {
    await db.exec(sql);
    const { rows } = await db.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  } finally {
    await db.close();
  }
}

async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const lockFile = `${dir.replace(/\/+$/, '')}.lock`;
  await mkdir(dir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) throw new EmbeddedDatabaseBusyError(dir, pid);
      // Left behind by a process that died: take it over.
      await rm(lockFile, { force: true });
    }
  }
  throw new Error(`Could not lock ${lockFile}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
