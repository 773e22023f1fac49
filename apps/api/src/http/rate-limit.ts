import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ERRORS, type RateLimiter } from '@pictor/core';
import { clientAddress } from './client-address.js';

/**
 * Limits upload requests per client address. When the limiter's store is unreachable the
 * request goes through (and the failure is logged): losing rate limiting for a moment is
 * better than refusing every upload.
 */
export function rateLimit(limiter: RateLimiter | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!limiter) {
      next();
      return;
    }
    limiter.consume(`upload:${clientAddress(req)}`).then(
      (decision) => {
        if (decision.allowed) {
          res.setHeader('RateLimit-Remaining', String(decision.remaining));
          next();
        } else {
          next(ERRORS.rateLimited(decision.retryAfterSeconds));
        }
      },
      (error: unknown) => {
        req.log.warn('rate limiter unavailable; letting the request through', { error });
        next();
      },
    );
  };
}
