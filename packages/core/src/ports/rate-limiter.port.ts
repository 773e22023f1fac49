export interface RateLimitDecision {
  allowed: boolean;
  /** When refused: seconds until the client may try again. */
  retryAfterSeconds: number;
  remaining: number;
}

/** Counts actions per key over a fixed window, shared by every process that shares the store. */
export interface RateLimiter {
  consume(key: string): Promise<RateLimitDecision>;
}
