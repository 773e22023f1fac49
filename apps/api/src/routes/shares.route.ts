import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { DISPLAY, ERRORS, FORMAT_INFO, parseDuration, SHARE_MAX_SECONDS, type ShareService } from '@pictor/core';
import { accountOf, checkCsrf, requireAccount, type AuthSettings } from '../http/auth.js';
import { allowOnly } from '../http/method-not-allowed.js';
import { ImageIdParam } from '../http/schemas.js';
import { parseOrThrow } from '../http/validate.js';
import type { NearestLinks } from '../links/nearest-links.js';

export interface SharesRouteDeps {
  shares: ShareService;
  /** Presigned links on the visitor's nearest replica; absent: the public direct link. */
  links?: NearestLinks;
  publicUrl: string;
  auth: AuthSettings;
}

/** Durations of at most a year in the grammar of `expiresIn` (the OpenAPI document shows the same pattern). */
export const SHARE_DURATION =
  /^([1-9][0-9]{0,6}s?|[1-9][0-9]{0,4}m|[1-9][0-9]{0,2}h|([1-9]|[1-9][0-9]|[12][0-9]{2}|3[0-5][0-9]|36[0-5])d|([1-9]|[1-4][0-9]|5[0-2])w|([1-9]|1[0-2])mo|1y)$/;
export const CreateShareSchema = z.strictObject({
  expiresIn: z.string().regex(SHARE_DURATION, 'a duration of at most a year, e.g. 1h, 7d, 1mo, 1y'),
});
export const ShareParams = z.object({
  id: z.string(),
  share: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'a share link id'),
});

const actorOf: (req: express.Request) => { accountId: string; admin: boolean } = (req) => {
  if (req.principal?.kind === 'operator') return { accountId: '', admin: true };
  const account = accountOf(req);
  return { accountId: account.id, admin: account.role === 'admin' && req.principal?.kind === 'session' };
};

/** `POST /api/v1/images/:id/shares`, `DELETE /api/v1/images/:id/shares/:share`: the owner's share links. */
export function sharesRoute(deps: SharesRouteDeps): Router {
  const router = Router();
  const mayShare: RequestHandler = (req, res, next) =>
    req.principal?.kind === 'operator' ? next() : requireAccount('images:write')(req, res, next);
  const csrf = checkCsrf(deps.auth);

  router.post('/:id/shares', express.json({ limit: '1kb' }), csrf, mayShare, async (req, res) => {
    const { id } = parseOrThrow(ImageIdParam, req.params);
    const { expiresIn } = parseOrThrow(CreateShareSchema, req.body ?? {});
    const seconds = parseDuration(expiresIn);
    if (seconds === null || seconds > SHARE_MAX_SECONDS) {
      throw ERRORS.validationFailed(
        `A share link lasts at most ${SHARE_MAX_SECONDS} seconds (a year); "never" is not allowed.`,
        {
          maxSeconds: SHARE_MAX_SECONDS,
        },
      );
    }
    const { link, token } = await deps.shares.create(id, actorOf(req), seconds);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({
      id: link.id,
      url: `${deps.publicUrl}/s/${token}`,
      expiresAt: link.expiresAt.toISOString(),
    });
  });

  router.delete('/:id/shares/:share', csrf, mayShare, async (req, res) => {
    const { id, share } = parseOrThrow(ShareParams, req.params);
    await deps.shares.revoke(id, share, actorOf(req));
    res.status(204).end();
  });

  router.all('/:id/shares', allowOnly('POST'));
  router.all('/:id/shares/:share', allowOnly('DELETE'));
  return router;
}

/** `GET /s/<token>`: a share link opened; each visit gets a fresh presigned URL at the visitor's nearest replica. */
export function shareOpenRoute(
  deps: Pick<SharesRouteDeps, 'shares' | 'links' | 'publicUrl'> & { clientAddress: (req: express.Request) => string },
): Router {
  const router = Router();
  router.get('/:token', async (req, res) => {
    // Whatever the token looks like, a link that does not open is 404, like an unknown image.
    const image = await deps.shares.open(String(req.params.token ?? '').slice(0, 128));
    const display = image.variants.find((v) => v.name === DISPLAY);
    if (image.status !== 'ready' || !display) throw ERRORS.imageNotReady();
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (deps.links) {
      const link = await deps.links.linkFor(deps.clientAddress(req), display.key);
      res.redirect(302, link.url);
      return;
    }
    res.redirect(302, `${deps.publicUrl}/i/${image.id}.${FORMAT_INFO[display.format].ext}`);
  });
  router.all('/:token', allowOnly('GET'));
  return router;
}
