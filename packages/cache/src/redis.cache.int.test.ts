import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { describeCacheContract } from '@pictor/testing';
import { redisRateLimiter } from './rate-limiter.js';
import type { Redis } from 'ioredis';
import { connectRedis, RedisCache } from './redis.cache.js';

const url = process.env.REDIS_URL ?? '';

describeCacheContract('RedisCache', async () => {
  if (!url) throw new Error('REDIS_URL is not set: the engines did not start');
  const cache = new RedisCache(await connectRedis(url), `contract:${Date.now()}:${Math.random()}:`);
  return { cache, teardown: () => cache.close() };
});

describe('redisRateLimiter', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connectRedis(url);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('when a client exceeds its uploads in the window, then it is refused with a retry time, and others are not', async () => {
    const limiter = redisRateLimiter(redis, { points: 3, windowSeconds: 60, keyPrefix: `rl-test-${Date.now()}` });
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('client-a'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]!.retryAfterSeconds).toBeGreaterThan(0);
    expect(decisions[3]!.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((await limiter.consume('client-b')).allowed).toBe(true);
  });

  it('when two processes share Redis, then they share the count', async () => {
    const prefix = `rl-shared-${Date.now()}`;
    const other = await connectRedis(url);
    try {
      const a = redisRateLimiter(redis, { points: 2, windowSeconds: 60, keyPrefix: prefix });
      const b = redisRateLimiter(other, { points: 2, windowSeconds: 60, keyPrefix: prefix });
      expect((await a.consume('c')).allowed).toBe(true);
      expect((await b.consume('c')).allowed).toBe(true);
      expect((await a.consume('c')).allowed).toBe(false);
    } finally {
      await other.quit();
    }
  });
});

describe('connectRedis', () => {
  it('when the client gives up reconnecting (ends) without being closed, then it connects again; closed on purpose, it stays closed', async () => {
    const redis = await connectRedis(url);
    // The next reconnect attempt fails in the connector itself, as when a Sentinel switch cancels
    // it: ioredis then ends the client instead of retrying.
    const connector = (redis as unknown as { connector: { connect: (...args: unknown[]) => Promise<unknown> } })
      .connector;
    const connect = connector.connect.bind(connector);
    connector.connect = () => {
      connector.connect = connect;
      return Promise.reject(new Error('Connection is closed.'));
    };
    const ended = new Promise((resolve) => redis.once('end', resolve));
    redis.disconnect(true);
    await ended;
    let answered = false;
    for (let i = 0; i < 50 && !answered; i++) {
      await new Promise((r) => setTimeout(r, 100));
      answered = redis.status === 'ready' && (await redis.ping().catch(() => '')) === 'PONG';
    }
    expect(answered).toBe(true);

    await redis.quit();
    await new Promise((r) => setTimeout(r, 1500));
    expect(redis.status).toBe('end');
  });
});
