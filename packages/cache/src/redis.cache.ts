import { Redis } from 'ioredis';
import type { Cache } from '@pictor/core';

/** The cache on Redis or Valkey, shared by every pod, so a delete invalidates everywhere. */
export class RedisCache implements Cache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'pictor:',
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'EX', Math.max(1, Math.floor(ttlSeconds)));
  }

  /**
   * Deletes, then waits (briefly) until a replica has the delete too: a failover right after
   * it must not promote a replica that still serves what was deleted. Without replicas WAIT
   * answers at once.
   */
  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
    await this.redis.wait(1, 200);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
    // With Sentinel's failover detector, quit() leaves the Sentinel subscriptions connected and the
    // process alive (ioredis #1362); disconnect() closes them too. It is a no-op once quit is done.
    this.redis.disconnect();
  }
}

/** Clients closed on purpose (quit, disconnect): the only ones that may stay ended. */
const closing = new WeakSet<Redis>();

/**
 * A connected Redis client that fails fast while the server is away instead of queueing
 * commands for ever, and reconnects in the background.
 */
/** Where Redis is: a URL, or Sentinels that name the current master. */
export type RedisTarget = string | { sentinels: { host: string; port: number }[]; name: string };

export async function connectRedis(
  target: RedisTarget,
  onError: (error: Error) => void = () => undefined,
): Promise<Redis> {
  const options = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    // A cache that is down answers at once (a miss), rather than holding requests in a queue.
    enableOfflineQueue: false,
    connectTimeout: 3000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    // After a failover the old master, back as a replica, refuses writes: reconnect, and Sentinel
    // (or the URL's DNS) leads to the new master.
    reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
  } as const;
  const redis =
    typeof target === 'string'
      ? new Redis(target, options)
      : new Redis({
          ...options,
          sentinels: target.sentinels,
          name: target.name,
          // Sentinels tell every client of a switch at once, rather than waiting for errors.
          failoverDetector: true,
          sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
        });
  const quit = redis.quit.bind(redis);
  const disconnect = redis.disconnect.bind(redis);
  redis.quit = (...args: Parameters<typeof quit>) => {
    closing.add(redis);
    return quit(...args);
  };
  redis.disconnect = (reconnect = false) => {
    if (!reconnect) closing.add(redis);
    disconnect(reconnect);
  };
  redis.on('error', onError);
  await redis.connect();
  // ioredis gives a client up for good ('end') when a reconnect attempt itself fails rather than
  // its connection: with Sentinels, a switch announced while the client is still asking where the
  // master is cancels that attempt, and the cache would stay away until a restart (seen in the
  // Sentinel failover test). A client that ended without being closed here connects again.
  redis.on('end', () => {
    if (closing.has(redis)) return;
    setTimeout(() => {
      if (closing.has(redis) || redis.status !== 'end') return;
      onError(new Error('the Redis client gave up reconnecting; connecting again'));
      // A failure ends it again, and this runs again a second later.
      redis.connect().catch(() => undefined);
    }, REVIVE_AFTER_MS).unref();
  });
  return redis;
}

const REVIVE_AFTER_MS = 1000;
