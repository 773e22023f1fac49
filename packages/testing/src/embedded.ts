import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryCache } from '@pictor/cache';
import { MemoryEventBus, type MemoryEventBusOptions } from '@pictor/events';
import { DiskObjectStore } from '@pictor/objects';
import { createPool, migrate, startEmbeddedPostgres, type Pool } from '@pictor/sql';

/** The embedded adapters of a single-machine Pictor, fresh and private to one test file. */
export interface EmbeddedAdapters {
  /** A pg pool on an in-memory PGlite with every migration applied; one connection, as in production. */
  pool: Pool;
  /** A disk object store in a temporary directory. */
  objects: DiskObjectStore;
  /** The object store's root: objects lie under `<root>/objects/<key>`. */
  objectsRoot: string;
  bus: MemoryEventBus;
  cache: MemoryCache;
  /** Closes everything and removes the temporary directory. */
  close(): Promise<void>;
}

/**
 * Opens PGlite (in memory, migrated), a disk store, the in-process bus and a memory cache, the
 * way `pictor` does when no URL is configured: for service tests that run one service on real
 * adapters without any engine or child process. Open once per test file (beforeAll), close in afterAll;
 * tests of one file share it, so each works on rows and keys of its own.
 */
export async function openEmbeddedAdapters(options: { bus?: MemoryEventBusOptions } = {}): Promise<EmbeddedAdapters> {
  const objectsRoot = await mkdtemp(path.join(tmpdir(), 'pictor-service-'));
  const closers: (() => Promise<unknown>)[] = [() => rm(objectsRoot, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const server = await startEmbeddedPostgres(undefined);
    closers.push(() => server.stop());
    // The embedded server takes one connection at a time.
    const pool = createPool({ connectionString: server.connectionString, max: 1 });
    closers.push(() => pool.end());
    await migrate(pool);
    const objects = await new DiskObjectStore(objectsRoot).init();
    closers.push(() => objects.close());
    const bus = new MemoryEventBus(options.bus);
    closers.push(() => bus.close());
    const cache = new MemoryCache();
    closers.push(() => cache.close());
    return { pool, objects, objectsRoot, bus, cache, close };
  } catch (error) {
    await close();
    throw error;
  }
}
