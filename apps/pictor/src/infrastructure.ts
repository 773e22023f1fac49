import path from 'node:path';
import type { Config } from '@pictor/config';
import { PASTE_TOPICS, TOPICS, type Cache, type EventBus, type ObjectStore, type RateLimiter } from '@pictor/core';
import { connectRedis, memoryRateLimiter, MemoryCache, RedisCache, redisRateLimiter } from '@pictor/cache';
import { KafkaEventBus, MemoryEventBus } from '@pictor/events';
import { DiskObjectStore, S3ObjectStore } from '@pictor/objects';
import type { Logger } from '@pictor/observability';
import { createPool, startEmbeddedPostgres, type EmbeddedPostgres, type Pool } from '@pictor/sql';

/** The adapters behind each port, chosen by configuration: embedded unless a URL is set. */
export interface Infrastructure {
  pool: Pool;
  /** Where the pool connects; the relay LISTENs on it (real PostgreSQL only). */
  databaseUrl: string;
  objects: ObjectStore;
  bus: EventBus;
  cache: Cache;
  rateLimiter: RateLimiter | undefined;
  /** A limiter of its own (points per window), in the same store as the upload limiter. */
  makeRateLimiter(options: { points: number; windowSeconds: number; keyPrefix: string }): RateLimiter;
  /** True when the database is the embedded one (one connection, no LISTEN). */
  databaseIsEmbedded: boolean;
  /** The embedded database itself (its dump and restore), when it is the one in use. */
  embeddedDatabase: EmbeddedPostgres | undefined;
  /** True when events live only in this process (the outbox re-queues them at start). */
  busIsEphemeral: boolean;
  kinds: { database: string; objects: string; events: string; cache: string };
  close(): Promise<void>;
}

/** An open database: a pool, and the embedded engine when it is PGlite. */
export interface OpenedDatabase {
  pool: Pool;
  url: string;
  embedded: EmbeddedPostgres | undefined;
  kind: string;
  close(): Promise<void>;
}

/** The database alone, for `--target=migrate`, which must run before anything else exists. */
export async function openDatabase(config: Config, logger: Logger): Promise<OpenedDatabase> {
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(path.resolve(config.dataDir, 'pgdata'));
    databaseUrl = embedded.connectionString;
  }
  const pool = createPool(
    {
      connectionString: databaseUrl,
      // The embedded server serves one connection at a time.
      max: embedded ? 1 : config.database.poolMax,
      ...(embedded ? {} : { statementTimeoutMs: config.database.statementTimeoutMs }),
    },
    (error) => logger.warn('idle database connection failed', { error }),
  );
  return {
    pool,
    url: databaseUrl,
    embedded,
    kind: embedded ? 'embedded (PGlite)' : 'postgresql',
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}

/** Object storage alone, for the cleanup, backup and restore targets. */
export async function openObjectStore(config: Config): Promise<ObjectStore> {
  return config.s3
    ? new S3ObjectStore(config.s3).init()
    : new DiskObjectStore(path.resolve(config.dataDir, 'objects')).init();
}

export async function openInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer().catch((error: unknown) => logger.warn('error while closing', { error }));
    }
  };
  try {
    const database = await openDatabase(config, logger);
    closers.push(() => database.close());
    const { pool } = database;

    const objects = await openObjectStore(config);
    closers.push(() => objects.close());

    const onHandlerError = (error: unknown, event: { topic: string; key: string }) =>
      logger.error('event handler failed; redelivering', { error, topic: event.topic, key: event.key });
    let bus: EventBus;
    if (config.kafka) {
      const kafkaLog = logger.child({ module: 'kafka' });
      bus = await new KafkaEventBus({
        brokers: config.kafka.brokers,
        clientId: config.kafka.clientId,
        topics: [
          TOPICS.imageUploaded,
          TOPICS.imageUploadedDeadLetter,
          TOPICS.notifications,
          TOPICS.notificationsDeadLetter,
          PASTE_TOPICS.created,
        ],
        partitions: config.kafka.partitions,
        replicationFactor: config.kafka.replicationFactor,
        sessionTimeoutMs: config.kafka.sessionTimeoutMs,
        onHandlerError,
        onLog: (level, msg, extra) => kafkaLog[level](msg, extra),
      }).init();
    } else {
      bus = new MemoryEventBus({ onHandlerError });
    }
    closers.push(() => bus.close());

    let cache: Cache;
    let rateLimiter: RateLimiter | undefined;
    let makeRateLimiter: Infrastructure['makeRateLimiter'];
    const limit = { points: config.rateLimit.uploads, windowSeconds: config.rateLimit.windowSeconds };
    if (config.redis) {
      const redis = await connectRedis('url' in config.redis ? config.redis.url : config.redis, (error) =>
        logger.warn('redis connection error', { error }),
      );
      cache = new RedisCache(redis);
      rateLimiter = limit.points > 0 ? redisRateLimiter(redis, limit) : undefined;
      makeRateLimiter = (options) => redisRateLimiter(redis, options);
    } else {
      cache = new MemoryCache();
      rateLimiter = limit.points > 0 ? memoryRateLimiter(limit) : undefined;
      makeRateLimiter = (options) => memoryRateLimiter(options);
    }
    closers.push(() => cache.close());

    return {
      pool,
      databaseUrl: database.url,
      objects,
      bus,
      cache,
      rateLimiter,
      makeRateLimiter,
      databaseIsEmbedded: database.embedded !== undefined,
      embeddedDatabase: database.embedded,
      busIsEphemeral: !config.kafka,
      kinds: {
        database: database.kind,
        objects: config.s3 ? 's3' : 'disk',
        events: config.kafka ? 'kafka' : 'in-process',
        cache: config.redis ? ('url' in config.redis ? 'redis' : 'redis-sentinel') : 'memory',
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
