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
