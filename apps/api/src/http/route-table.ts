import type { Express } from 'express';
import { initialiseSeries, methodLabel, STATUS_CLASSES } from '@pictor/observability';
import { IMAGE_FORMATS } from '@pictor/core';
import type { ApiMetrics } from '../metrics.js';

/** What Express keeps of a `use()` or a route: router 2's layer, read-only here. */
interface Layer {
  rawPath?: unknown;
  route?: { path?: unknown; methods?: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Error codes an upload request can be refused with (`pictor_uploads_rejected_total{reason}`). */
export const UPLOAD_REJECTION_REASONS = [
  'VALIDATION_FAILED',
  'NO_FILE',
  'EMPTY_FILE',
  'MALFORMED_MULTIPART',
  'FILE_TOO_LARGE',
  'TOO_MANY_FILES',
  'TOO_MANY_PARTS',
  'UNSUPPORTED_MEDIA_TYPE',
  'CORRUPT_IMAGE',
  'PIXEL_LIMIT_EXCEEDED',
  'FRAME_LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'DEPENDENCY_UNAVAILABLE',
  'SHUTTING_DOWN',
  'INTERNAL',
] as const;

/**
 * The (method, route template) pairs of an Express app, spelled as the request counter labels
 * them (`${baseUrl}${route.path}` without a trailing slash; HEAD wherever GET is served), found by
 * walking the app's router and its mounted routers.
 */
export function routeTable(app: Express): { method: string; route: string }[] {
  const found = new Map<string, { method: string; route: string }>();
  const walk = (stack: readonly Layer[], prefix: string) => {
    for (const layer of stack) {
      const path = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      if (layer.route && typeof layer.route.path === 'string') {
        const route = `${prefix}${layer.route.path}`.replace(/(.)\/$/, '$1') || '/';
        const methods = Object.keys(layer.route.methods ?? {}).filter((m) => m !== '_all');
        if (methods.includes('get')) methods.push('head');
        for (const m of methods) {
          const method = methodLabel(m.toUpperCase());
          found.set(`${method} ${route}`, { method, route });
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        walk(layer.handle.stack, `${prefix}${path}`);
      }
    }
  };
  const router = (app as unknown as { router?: { stack?: Layer[] } }).router;
  walk(router?.stack ?? [], '');
  return [...found.values()];
}

/**
 * Creates the api's counters at 0 for every route, status class, upload format and refusal
 * reason, so the first 5xx, the first rejection of each reason and the first upload of each
 * format are increases Prometheus sees.
 */
export function initialiseApiSeries(metrics: ApiMetrics, app: Express): void {
  for (const { method, route } of [...routeTable(app), { method: 'GET', route: 'unmatched' }]) {
    initialiseSeries(metrics.httpRequests, { method: [method], route: [route], status_class: STATUS_CLASSES });
  }
  initialiseSeries(metrics.uploadsAccepted, { format: IMAGE_FORMATS });
  initialiseSeries(metrics.uploadsRejected, { reason: UPLOAD_REJECTION_REASONS });
}
