import { Router, type RequestHandler } from 'express';
import { allowOnly } from '../http/method-not-allowed.js';
import type { NearestLinks } from '../links/nearest-links.js';

export interface ReplicasRouteDeps {
  links: NearestLinks;
  /** Admin sessions or ADMIN_TOKEN. */
  guard: RequestHandler;
  /** Longest wait for the lag probe to reach a replica. */
  lagBoundMs: number;
}

/** `GET /api/v1/replicas` (admin): each storage site's health as this process sees it, and lag measured now. */
export function replicasRoute(deps: ReplicasRouteDeps): Router {
  const router = Router();
  router.get('/', deps.guard, async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const status = await deps.links.status(deps.lagBoundMs);
    res.json({
      replicas: status.map((s) => ({
        name: s.name,
        healthy: s.healthy,
        retryAt: s.retryAt === undefined ? null : new Date(s.retryAt).toISOString(),
        lastError: s.lastError ?? null,
        consecutiveFailures: s.consecutiveFailures,
        lagMs: s.lagMs,
      })),
    });
  });
  router.all('/', allowOnly('GET'));
  return router;
}
