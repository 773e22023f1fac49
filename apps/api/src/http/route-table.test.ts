import { describe, expect, it } from '@jest/globals';
import express, { Router } from 'express';
import { createRegistry } from '@pictor/observability';
import { createApiMetrics } from '../metrics.js';
import { initialiseApiSeries, routeTable } from './route-table.js';

function app() {
  const images = Router();
  images.post('/', (_req, res) => res.end());
  images.get('/:id', (_req, res) => res.end());
  images.delete('/:id', (_req, res) => res.end());
  const pages = Router();
  pages.get('/v/:id', (_req, res) => res.end());
  const a = express();
  a.use((_req, _res, next) => next());
  a.get('/api/v1/limits', (_req, res) => res.end());
  a.use('/api/v1/images', images);
  a.use(pages);
  return a;
}

describe('routeTable', () => {
  it('when routers are mounted, then each route is listed with its mount path, HEAD beside GET, no trailing slash', () => {
    const listed = routeTable(app()).map((r) => `${r.method} ${r.route}`);
    expect(listed.sort()).toEqual(
      [
        'GET /api/v1/limits',
        'HEAD /api/v1/limits',
        'POST /api/v1/images',
        'GET /api/v1/images/:id',
        'HEAD /api/v1/images/:id',
        'DELETE /api/v1/images/:id',
        'GET /v/:id',
        'HEAD /v/:id',
      ].sort(),
    );
  });

  it('when the api series are initialised, then a 5xx of every route exists at 0 before any request', async () => {
    const registry = createRegistry();
    initialiseApiSeries(createApiMetrics(registry), app());
    const text = await registry.metrics();
    expect(text).toContain('http_requests_total{method="POST",route="/api/v1/images",status_class="5xx"} 0');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status_class="4xx"} 0');
    expect(text).toContain('pictor_uploads_rejected_total{reason="FILE_TOO_LARGE"} 0');
    expect(text).toContain('pictor_uploads_accepted_total{format="avif"} 0');
  });
});
