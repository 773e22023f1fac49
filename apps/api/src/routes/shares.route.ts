import { pipeline } from 'node:stream/promises';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import {
  DISPLAY,
  ERRORS,
  FORMAT_INFO,
  parseDuration,
  pasteObjectKey,
  SHARE_MAX_SECONDS,
  storageKeys,
  type ObjectStore,
  type ShareService,
  type ShareTarget,
} from '@pictor/core';
import { accountOf, checkCsrf, requireAccount, type AuthSettings } from '../http/auth.js';
import { allowOnly } from '../http/method-not-allowed.js';
import { ImageIdParam, PasteIdParam } from '../http/schemas.js';
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
const ShareIdParam = ShareParams.pick({ share: true });

const actorOf: (req: express.Request) => { accountId: string; admin: boolean } = (req) => {
  if (req.principal?.kind === 'operator') return { accountId: '', admin: true };
  const account = accountOf(req);
  return { accountId: account.id, admin: account.role === 'admin' && req.principal?.kind === 'session' };
};

/**
 * `POST /api/v1/images/:id/shares`, `DELETE /api/v1/images/:id/shares/:share` (and the same under
 * `/api/v1/pastes` with `kind: 'paste'`): the owner's share links.
 */
export function sharesRoute(deps: SharesRouteDeps & { kind?: ShareTarget['kind'] }): Router {
  const kind = deps.kind ?? 'image';
  const targetOf = (params: unknown): ShareTarget =>
    kind === 'paste'
      ? { kind, id: parseOrThrow(PasteIdParam, params).id }
      : { kind, id: parseOrThrow(ImageIdParam, params).id };
  const router = Router();
  const scope = kind === 'paste' ? 'pastes:write' : 'images:write';
  const mayShare: RequestHandler = (req, res, next) =>
    req.principal?.kind === 'operator' ? next() : requireAccount(scope)(req, res, next);
  const csrf = checkCsrf(deps.auth);

  router.post('/:id/shares', express.json({ limit: '1kb' }), csrf, mayShare, async (req, res) => {
    const target = targetOf(req.params);
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
    const { link, token } = await deps.shares.createFor(target, actorOf(req), seconds);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({
      id: link.id,
      url: `${deps.publicUrl}/s/${token}`,
      expiresAt: link.expiresAt.toISOString(),
    });
  });

  router.delete('/:id/shares/:share', csrf, mayShare, async (req, res) => {
    const target = targetOf(req.params);
    const { share } = parseOrThrow(ShareIdParam, req.params);
    await deps.shares.revokeFor(target, share, actorOf(req));
    res.status(204).end();
  });

  router.all('/:id/shares', allowOnly('POST'));
  router.all('/:id/shares/:share', allowOnly('DELETE'));
  return router;
}

/**
 * `GET /s/<token>`: a share link opened; each visit gets a fresh presigned URL at the visitor's
 * nearest replica (an image's display copy, a paste's text). Without replicas, a public image goes
 * to its direct link and anything private is answered by the api itself.
 */
export function shareOpenRoute(
  deps: Pick<SharesRouteDeps, 'shares' | 'links' | 'publicUrl'> & {
    clientAddress: (req: express.Request) => string;
    objects: ObjectStore;
  },
): Router {
  const router = Router();
  router.get('/:token', async (req, res) => {
    // Whatever the token looks like, a link that does not open is 404, like an unknown image.
    const item = await deps.shares.openItem(String(req.params.token ?? '').slice(0, 128));
    let key: string;
    let contentType: string;
    let isPrivate: boolean;
    let direct: string;
    if (item.kind === 'image') {
      const { image } = item;
      const display = image.variants.find((v) => v.name === DISPLAY);
      if (image.status !== 'ready' || !display) throw ERRORS.imageNotReady();
      key = storageKeys.stored(image.visibility, display.key);
      contentType = FORMAT_INFO[display.format].mime;
      isPrivate = image.visibility === 'private';
      direct = `${deps.publicUrl}/i/${image.id}.${FORMAT_INFO[display.format].ext}`;
    } else {
      key = pasteObjectKey(item.paste.id);
      contentType = 'text/plain; charset=utf-8';
      isPrivate = item.paste.visibility === 'private';
      direct = `${deps.publicUrl}/p/${item.paste.id}/raw`;
    }
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (deps.links) {
      const link = await deps.links.linkFor(deps.clientAddress(req), key);
      res.redirect(302, link.url);
      return;
    }
    if (!isPrivate) {
      res.redirect(302, direct);
      return;
    }
    // No presigned links here (embedded storage, or no replicas): the api hands the bytes over.
    const object = await deps.objects.get(key);
    if (!object) throw item.kind === 'image' ? ERRORS.imageNotFound() : ERRORS.pasteNotFound();
    res.setHeader('Content-Type', contentType);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self' data:; sandbox");
    res.setHeader('Content-Disposition', 'inline');
    await pipeline(object.body, res);
  });
  router.all('/:token', allowOnly('GET'));
  return router;
}
