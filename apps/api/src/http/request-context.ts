import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ImageRecord } from '@pictor/core';
import { clientAddress } from './client-address.js';
import { methodLabel, statusClass, type Logger } from '@pictor/observability';
import type { ApiMetrics } from '../metrics.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

const INBOUND_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Route templates of the two upload flows (API and HTML form), as `route` reports them. */
const UPLOAD_ROUTES = new Set(['POST /api/v1/images', 'POST /upload']);

/**
 * Gives every request an id (kept from X-Request-Id when sane), a logger, and one log line when
 * it ends; with `metrics`, counts it by route template (never the path, which holds ids) and the
 * outcome of uploads (`res.locals.uploaded` from the routes, `res.locals.errorCode` from the
 * error answers).
 */
export function requestContext(logger: Logger, metrics?: ApiMetrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const inbound = req.get('x-request-id');
    req.id = inbound && INBOUND_ID.test(inbound) ? inbound : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    // The template is read when Express enters a route, while req.baseUrl is still the router's
    // mount point: after an error leaves the router, baseUrl is back to the parent's.
    let routeTemplate: string | undefined;
    let matched: unknown;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => matched,
      set: (value: { path?: unknown } | undefined) => {
        matched = value;
        if (typeof value?.path === 'string') routeTemplate = `${req.baseUrl}${value.path}`;
      },
    });
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const route = routeTemplate ? routeTemplate.replace(/(.)\/$/, '$1') : 'unmatched';
      req.log.info('request', {
        method: req.method,
        route,
        path: req.originalUrl.split('?')[0],
        clientIp: clientAddress(req),
        status: res.statusCode,
        durationMs: Math.round(durationMs * 10) / 10,
        bytesOut: Number(res.getHeader('content-length') ?? 0),
        // The error code of a refused or failed request, on the line the runbook filters on.
        ...(typeof res.locals.errorCode === 'string' ? { code: res.locals.errorCode } : {}),
      });
      if (metrics) record(metrics, req, res, route, durationMs / 1000);
    });
    next();
  };
}

function record(metrics: ApiMetrics, req: Request, res: Response, route: string, seconds: number): void {
  const labels = { method: methodLabel(req.method), route, status_class: statusClass(res.statusCode) };
  metrics.httpRequests.inc(labels);
  metrics.httpRequestDuration.observe(labels, seconds);
  if (!UPLOAD_ROUTES.has(`${req.method} ${route}`)) return;
  const uploaded = res.locals.uploaded as ImageRecord[] | undefined;
  if (res.statusCode < 300 && uploaded) {
    for (const image of uploaded) {
      metrics.uploadsAccepted.inc({ format: image.format });
      metrics.uploadBytes.inc(image.bytes);
    }
  } else if (res.statusCode >= 400) {
    const code = res.locals.errorCode as string | undefined;
    metrics.uploadsRejected.inc({ reason: code ?? 'INTERNAL' });
  }
}
