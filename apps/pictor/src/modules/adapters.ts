import path from 'node:path';
import type { Config } from '@pictor/config';
import { PASTE_TOPICS, TOPICS, type Cache, type EventBus, type ObjectStore, type RateLimiter } from '@pictor/core';
import { connectRedis, memoryRateLimiter, MemoryCache, RedisCache, redisRateLimiter } from '@pictor/cache';
import { KafkaEventBus, MemoryEventBus } from '@pictor/events';
import { DiskObjectStore, S3ObjectStore } from '@pictor/objects';
import type { Logger } from '@pictor/observability';
import { createPool, startEmbeddedPostgres, type EmbeddedPostgres, type Pool } from '@pictor/sql';
import type { PictorContext } from './context.js';
import type { Stop } from './module-manager.js';

/** The cache and the rate limiters, in Redis when REDIS_URL (or Sentinel) is set, else in memory. */
export interface CacheAdapters {
  cache: Cache;
  /** The upload limiter (RATE_LIMIT_UPLOADS per window), when uploads are limited. */
  rateLimiter: RateLimiter | undefined;
  /** A limiter of its own (points per window), in the same store as the upload limiter. */
  makeRateLimiter(options: { points: number; windowSeconds: number; keyPrefix: string }): RateLimiter;
  kind: string;
}

/** The adapters of a running Pictor, for tests and tools that look inside it. */
export interface Infrastructure {
  pool: Pool;
  objects: ObjectStore;
  bus: EventBus;
  cache: Cache;
}

/** An open database: a pool, and the embedded engine when it is PGlite. */
export interface OpenedDatabase {
  pool: Pool;
  url: string;
  embedded: EmbeddedPostgres | undefined;
  kind: string;
  close(): Promise<void>;
}

/** The database: PostgreSQL when DATABASE_URL is set, else the embedded one under DATA_DIR. */
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

/** Object storage: S3 (MinIO) when S3_ENDPOINT is set, else a folder under DATA_DIR. */
export async function openObjectStore(config: Config): Promise<ObjectStore> {
  return config.s3
    ? new S3ObjectStore(config.s3).init()
    : new DiskObjectStore(path.resolve(config.dataDir, 'objects')).init();
}

/** The event bus: Kafka when KAFKA_BROKERS is set, else in this process. */
export async function openEventBus(config: Config, logger: Logger): Promise<EventBus> {
  const onHandlerError = (error: unknown, event: { topic: string; key: string }) =>
    logger.error('event handler failed; redelivering', { error, topic: event.topic, key: event.key });
  if (!config.kafka) return new MemoryEventBus({ onHandlerError });
  const kafkaLog = logger.child({ module: 'kafka' });
  return new KafkaEventBus({
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
}

/** The cache and rate limiters: Redis (or Sentinel) when configured, else memory. */
export async function openCache(config: Config, logger: Logger): Promise<CacheAdapters> {
  const limit = { points: config.rateLimit.uploads, windowSeconds: config.rateLimit.windowSeconds };
  if (config.redis) {
    const redis = await connectRedis('url' in config.redis ? config.redis.url : config.redis, (error) =>
      logger.warn('redis connection error', { error }),
    );
    return {
      cache: new RedisCache(redis),
      rateLimiter: limit.points > 0 ? redisRateLimiter(redis, limit) : undefined,
      makeRateLimiter: (options) => redisRateLimiter(redis, options),
      kind: 'url' in config.redis ? 'redis' : 'redis-sentinel',
    };
  }
  return {
    cache: new MemoryCache(),
    rateLimiter: limit.points > 0 ? memoryRateLimiter(limit) : undefined,
    makeRateLimiter: (options) => memoryRateLimiter(options),
    kind: 'memory',
  };
}

/** Module `database`: the pool (and the embedded engine), closed last. */
export async function startDatabase(ctx: PictorContext): Promise<Stop> {
  const database = await openDatabase(ctx.config, ctx.logger);
  ctx.provide('database', database);
  return () => database.close();
}

/** Module `objects`. */
export async function startObjects(ctx: PictorContext): Promise<Stop> {
  const objects = await openObjectStore(ctx.config);
  ctx.provide('objects', objects);
  return () => objects.close();
}

/** Module `bus`. */
export async function startBus(ctx: PictorContext): Promise<Stop> {
  const bus = await openEventBus(ctx.config, ctx.logger);
  ctx.provide('bus', bus);
  return () => bus.close();
}

/** Module `cache`: the cache and the rate limiters. */
export async function startCache(ctx: PictorContext): Promise<Stop> {
  const cache = await openCache(ctx.config, ctx.logger);
  ctx.provide('cache', cache);
  return () => cache.cache.close();
}
