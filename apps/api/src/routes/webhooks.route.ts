import express, { Router } from 'express';
import type { Webhook, WebhookService } from '@pictor/core';
import { accountOf, checkCsrf, requireSession, type AuthSettings } from '../http/auth.js';
import { CreateWebhookSchema, WebhookIdParam } from '../http/notification-schemas.js';
import { allowOnly } from '../http/method-not-allowed.js';
import { parseOrThrow } from '../http/validate.js';

export interface WebhooksRouteDeps extends AuthSettings {
  webhooks: WebhookService;
}

/** `/api/v1/account/webhooks`: the account's webhook endpoints (session only, like other account changes). */
export function webhooksRoute(deps: WebhooksRouteDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '8kb' }));
  router.use(checkCsrf(deps));
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.get('/', requireSession(), async (req, res) => {
    const hooks = await deps.webhooks.list(accountOf(req).id);
    res.json({ webhooks: hooks.map(present) });
  });

  router.post('/', requireSession(), async (req, res) => {
    const { url, events, scope } = parseOrThrow(CreateWebhookSchema, req.body);
    const hook = await deps.webhooks.create(accountOf(req), url, events, scope);
    res.status(201).json({ ...present(hook), secret: hook.secret });
  });

  router.post('/:id/rotate', requireSession(), async (req, res) => {
    const { id } = parseOrThrow(WebhookIdParam, req.params);
    const hook = await deps.webhooks.rotate(accountOf(req).id, id);
    res.json({ ...present(hook), secret: hook.secret });
  });

  router.post('/:id/enable', requireSession(), async (req, res) => {
    const { id } = parseOrThrow(WebhookIdParam, req.params);
    res.json(present(await deps.webhooks.enable(accountOf(req).id, id)));
  });

  router.get('/:id/deliveries', requireSession(), async (req, res) => {
    const { id } = parseOrThrow(WebhookIdParam, req.params);
    const attempts = await deps.webhooks.attempts(accountOf(req).id, id);
    res.json({
      deliveries: attempts.map((a) => ({
        deliveryId: a.deliveryId,
        status: a.status,
        httpStatus: a.httpStatus,
        durationMs: a.durationMs,
        error: a.error,
        at: a.at.toISOString(),
      })),
    });
  });

  router.delete('/:id', requireSession(), async (req, res) => {
    const { id } = parseOrThrow(WebhookIdParam, req.params);
    await deps.webhooks.remove(accountOf(req).id, id);
    res.status(204).end();
  });

  router.all('/', allowOnly('GET', 'POST'));
  router.all('/:id', allowOnly('DELETE'));
  router.all('/:id/rotate', allowOnly('POST'));
  router.all('/:id/enable', allowOnly('POST'));
  router.all('/:id/deliveries', allowOnly('GET'));
  return router;
}

function present(hook: Webhook) {
  return {
    id: hook.id,
    url: hook.url,
    events: hook.events,
    scope: hook.scope,
    createdAt: hook.createdAt.toISOString(),
    enabled: hook.disabledAt === null,
    disabledAt: hook.disabledAt?.toISOString() ?? null,
    failingSince: hook.failingSince?.toISOString() ?? null,
    failures: hook.failures,
  };
}
