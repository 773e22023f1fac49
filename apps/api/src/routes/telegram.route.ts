import { timingSafeEqual } from 'node:crypto';
import express, { Router, type RequestHandler } from 'express';
import { ERRORS, type TelegramLinks, type TelegramUpdate } from '@pictor/core';
import { allowOnly } from '../http/method-not-allowed.js';
import { accountOf, checkCsrf, requireAccount, requireSession, type AuthSettings } from '../http/auth.js';

export interface TelegramRouteDeps extends AuthSettings {
  /** Absent when no bot is configured: the status says `available: false`, linking answers 404. */
  telegram: TelegramLinks | undefined;
}

/**
 * `/api/v1/account/telegram`: link a Telegram chat by a one-time code, see it, unlink it. The
 * status answers on every server, so a page can tell whether to offer Telegram without an error.
 */
export function telegramAccountRoute(deps: TelegramRouteDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '1kb' }));
  router.use(checkCsrf(deps));
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  const { telegram } = deps;
  router.get('/', requireAccount('account:read'), async (req, res) => {
    if (!telegram) {
      res.json({ available: false, linked: false });
      return;
    }
    res.json({ available: true, linked: (await telegram.linkedChat(accountOf(req).id)) !== null });
  });
  router.post('/link', requireSession(), async (req, res) => {
    if (!telegram) throw ERRORS.notFound();
    const link = await telegram.startLink(accountOf(req).id);
    res.status(201).json({ url: link.url, code: link.code, expiresAt: link.expiresAt.toISOString() });
  });
  router.delete('/', requireSession(), async (req, res) => {
    if (!telegram) throw ERRORS.notFound();
    await telegram.unlink(accountOf(req).id);
    res.status(204).end();
  });
  router.all('/', allowOnly('GET', 'DELETE'));
  router.all('/link', allowOnly('POST'));
  return router;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `POST /hooks/telegram/<secret>`: updates from Telegram (setWebhook with `secret_token`). The path
 * and the `X-Telegram-Bot-Api-Secret-Token` header must both carry the secret; anything else is
 * answered like an unknown path.
 */
export function telegramWebhookRoute(telegram: TelegramLinks, secret: string): Router {
  const router = Router();
  // The secret is checked before the body is read: a wrong one is an unknown path, whatever it sends.
  const checkSecret: RequestHandler = (req, _res, next) => {
    const header = req.get('x-telegram-bot-api-secret-token') ?? '';
    if (!sameSecret(String(req.params.secret), secret) || !sameSecret(header, secret)) next(ERRORS.notFound());
    else next();
  };
  router.post('/:secret', checkSecret, express.json({ limit: '64kb' }), async (req, res) => {
    const outcome = await telegram.handleUpdate((req.body ?? {}) as TelegramUpdate);
    req.log.info('telegram update', { outcome });
    // Telegram retries anything but 2xx: an update that is not for us is still answered 200.
    res.status(200).json({ ok: true });
  });
  router.all('/:secret', allowOnly('POST'));
  return router;
}
