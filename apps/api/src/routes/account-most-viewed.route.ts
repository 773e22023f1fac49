import { Router } from 'express';
import type { ViewCounter } from '@pictor/core';
import { accountOf, requireAccount } from '../http/auth.js';
import { allowOnly } from '../http/method-not-allowed.js';
import { MostViewedQuerySchema } from '../http/schemas.js';
import { parseOrThrow } from '../http/validate.js';

/** `GET /api/v1/account/most-viewed`: the signed-in owner's pastes and images with the most views. */
export function accountMostViewedRoute(deps: { views: ViewCounter; publicUrl: string }): Router {
  const router = Router();
  router.get('/', requireAccount('account:read'), async (req, res) => {
    const { limit } = parseOrThrow(MostViewedQuerySchema, req.query);
    const items = await deps.views.mostViewedOf(accountOf(req).id, limit);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      items: items.map((item) => ({
        kind: item.kind,
        id: item.id,
        title: item.title,
        views: item.views,
        createdAt: item.createdAt.toISOString(),
        link: `${deps.publicUrl}/${item.kind === 'paste' ? 'p' : 'v'}/${item.id}`,
      })),
    });
  });
  router.all('/', allowOnly('GET'));
  return router;
}
