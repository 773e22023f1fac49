import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitDecision, RateLimiter } from '@pictor/core';

export interface RateLimitOptions {
  points: number;
  windowSeconds: number;
  /** Namespace of the counters. */
  keyPrefix?: string;
}

/** Fixed-window limits from rate-limiter-flexible, in memory or in Redis. */
class FlexibleRateLimiter implements RateLimiter {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  async consume(key: string): Promise<RateLimitDecision> {
    try {
      const res = await this.limiter.consume(key, 1);
      return { allowed: true, retryAfterSeconds: 0, remaining: res.remainingPoints };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
          remaining: 0,
        };
      }
      throw rejection;
    }
  }
}

export function memoryRateLimiter(options: RateLimitOptions): RateLimiter {
  return new FlexibleRateLimiter(
    new RateLimiterMemory({
      points: options.points,
      duration: options.windowSeconds,
      keyPrefix: options.keyPrefix ?? 'pictor-rl',
    }),
  );
}

export function redisRateLimiter(redis: Redis, options: RateLimitOptions): RateLimiter {
  return new FlexibleRateLimiter(
    new RateLimiterRedis({
      storeClient: redis,
      points: options.points,
      duration: options.windowSeconds,
      keyPrefix: options.keyPrefix ?? 'pictor-rl',
    }),
  );
}
