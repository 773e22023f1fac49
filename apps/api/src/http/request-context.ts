import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@pictor/observability';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

const INBOUND_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Gives every request an id (kept from X-Request-Id when sane), a logger, and one log line when it ends. */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const inbound = req.get('x-request-id');
    req.id = inbound && INBOUND_ID.test(inbound) ? inbound : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const route = (req.route as { path?: string } | undefined)?.path;
      req.log.info('request', {
        method: req.method,
        route: route ? `${req.baseUrl}${route}` : 'unmatched',
        path: req.originalUrl.split('?')[0],
        clientIp: req.ip,
        status: res.statusCode,
        durationMs: Math.round(durationMs * 10) / 10,
        bytesOut: Number(res.getHeader('content-length') ?? 0),
      });
    });
    next();
  };
}
