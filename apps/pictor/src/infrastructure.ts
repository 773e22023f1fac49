import path from 'node:path';
import type { Config } from '@pictor/config';
import type { Cache, EventBus, ObjectStore } from '@pictor/core';
import { MemoryCache } from '@pictor/cache';
import { MemoryEventBus } from '@pictor/events';
import { DiskObjectStore } from '@pictor/objects';
import type { Logger } from '@pictor/observability';
import { createPool, startEmbeddedPostgres, type EmbeddedPostgres, type Pool } from '@pictor/sql';

/** The adapters behind each port, chosen by configuration: embedded unless a URL is set. */
export interface Infrastructure {
  pool: Pool;
  objects: ObjectStore;
  bus: EventBus;
  cache: Cache;
  /** True when events live only in this process (the outbox re-queues them at start). */
  busIsEphemeral: boolean;
  kinds: { database: string; objects: string; events: string; cache: string };
  close(): Promise<void>;
}

export async function openInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer().catch((error: unknown) => logger.warn('error while closing', { error }));
    }
  };
  try {
    let embedded: EmbeddedPostgres | undefined;
    let connectionString = config.database.url;
    if (!connectionString) {
      embedded = await startEmbeddedPostgres(path.resolve(config.dataDir, 'pgdata'));
      closers.push(() => embedded!.stop());
      connectionString = embedded.connectionString;
    }
    const pool = createPool(
      {
        connectionString,
        // The embedded server serves one connection at a time.
        max: embedded ? 1 : config.database.poolMax,
        ...(embedded ? {} : { statementTimeoutMs: config.database.statementTimeoutMs }),
      },
      (error) => logger.warn('idle database connection failed', { error }),
    );
    closers.push(() => pool.end());

    if (config.s3) throw new Error('S3 object storage is configured but this build has no S3 adapter yet');
    const objects = await new DiskObjectStore(path.resolve(config.dataDir, 'objects')).init();
    closers.push(() => objects.close());

    if (config.kafka) throw new Error('Kafka is configured but this build has no Kafka adapter yet');
    const bus = new MemoryEventBus({
      onHandlerError: (error, event) =>
        logger.error('event handler failed; redelivering', { error, topic: event.topic, key: event.key }),
    });
    closers.push(() => bus.close());

    if (config.redis) throw new Error('Redis is configured but this build has no Redis adapter yet');
    const cache = new MemoryCache();
    closers.push(() => cache.close());

    return {
      pool,
      objects,
      bus,
      cache,
      busIsEphemeral: true,
      kinds: {
        database: embedded ? 'embedded (PGlite)' : 'postgresql',
        objects: 'disk',
        events: 'in-process',
        cache: 'memory',
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
