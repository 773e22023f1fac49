import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ERRORS } from '@pictor/core';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Lets a request through only with `Authorization: Bearer <token>`. Both sides are hashed before
 * the constant-time comparison, so neither the token's content nor its length leaks through timing.
 */
export function requireAdminToken(token: string) {
  const expected = digest(token);
  return (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (match?.[1] && timingSafeEqual(digest(match[1]), expected)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="pictor-admin"');
    next(ERRORS.unauthorized());
  };
}
