import express, { Router } from 'express';
import { ERRORS, parseDuration, type AccountService, type ImageService } from '@pictor/core';
import {
  accountOf,
  checkCsrf,
  clearSessionCookie,
  csrfTokenFor,
  requireAccount,
  requireSession,
  type AuthSettings,
} from '../http/auth.js';
import {
  ChangeEmailSchema,
  ChangePasswordSchema,
  CreateTokenSchema,
  DeleteAccountSchema,
  PublicIdParam,
} from '../http/account-schemas.js';
import { presentAccount, presentToken, shareXConfig } from '../http/account-presenter.js';
import { decodeCursor, encodeCursor, presentImage } from '../http/presenter.js';
import { allowOnly } from '../http/method-not-allowed.js';
import { ListQuerySchema } from '../http/schemas.js';
import { parseOrThrow } from '../http/validate.js';

export interface AccountRouteDeps extends AuthSettings {
  accounts: AccountService;
  images: ImageService;
}

/** `/api/v1/account`: the signed-in account, its tokens and its images. */
export function accountRoute(deps: AccountRouteDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '8kb' }), express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 }));
  router.use(checkCsrf(deps));
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.get('/', requireAccount('account:read'), (req, res) => {
    res.json(presentAccount(accountOf(req), req.sessionId ? csrfTokenFor(req.sessionId) : undefined));
  });

  router.post('/password', requireSession(), async (req, res) => {
    const { currentPassword, newPassword } = parseOrThrow(ChangePasswordSchema, req.body);
    await deps.accounts.changePassword(accountOf(req), currentPassword, newPassword);
    // Every session ended, this one included: sign in again with the new password.
    clearSessionCookie(res, deps);
    res.status(204).end();
  });

  router.post('/email', requireSession(), async (req, res) => {
    const { password, email } = parseOrThrow(ChangeEmailSchema, req.body);
    const account = await deps.accounts.changeEmail(accountOf(req), password, email);
    res.json(presentAccount(account, req.sessionId ? csrfTokenFor(req.sessionId) : undefined));
  });

  router.delete('/', requireSession(), async (req, res) => {
    const { password } = parseOrThrow(DeleteAccountSchema, req.body ?? {});
    const account = accountOf(req);
    await deps.accounts.checkPasswordOf(account, password);
    const { images } = await deps.accounts.delete(account.id);
    req.log.info('account deleted', { accountId: account.id, images });
    clearSessionCookie(res, deps);
    res.status(204).end();
  });

  router.get('/tokens', requireSession(), async (req, res) => {
    const tokens = await deps.accounts.listTokens(accountOf(req).id);
    res.json({ tokens: tokens.map(presentToken) });
  });

  router.post('/tokens', requireSession(), async (req, res) => {
    const input = parseOrThrow(CreateTokenSchema, req.body);
    const created = await deps.accounts.createToken(accountOf(req), {
      name: input.name,
      scopes: input.scopes,
      expiresInSeconds: parseDuration(input.expiresIn),
    });
    res.status(201).json({ ...presentToken(created.record), token: created.token });
  });

  router.delete('/tokens/:id', requireSession(), async (req, res) => {
    const { id } = parseOrThrow(PublicIdParam, req.params);
    await deps.accounts.revokeToken(accountOf(req).id, id);
    res.status(204).end();
  });

  /**
   * A ShareX uploader. Called with a token (Bearer), it embeds that very token; called from the
   * signed-in page (POST, CSRF-checked), it makes a new token for ShareX and embeds it.
   */
  router.get('/sharex.sxcu', requireAccount('images:write'), (req, res) => {
    const principal = req.principal;
    if (principal?.kind !== 'token')
      throw ERRORS.authenticationRequired('Send the token to embed as Bearer, or POST from the account page.');
    const bearer = /^Bearer[ \t]+(\S+)/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    sendShareX(res, deps.publicUrl, bearer);
  });
  router.post('/sharex.sxcu', requireSession(), async (req, res) => {
    const created = await deps.accounts.createToken(accountOf(req), {
      name: 'ShareX',
      scopes: ['images:write', 'images:delete'],
      expiresInSeconds: null,
    });
    sendShareX(res, deps.publicUrl, created.token);
  });

  router.get('/images', requireAccount('account:read'), async (req, res) => {
    const query = parseOrThrow(ListQuerySchema, req.query);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (after === null) throw ERRORS.validationFailed('cursor is not valid');
    const page = await deps.images.listOwned(accountOf(req).id, {
      limit: query.limit + 1,
      ...(after ? { after } : {}),
    });
    const images = page.slice(0, query.limit);
    const last = images.at(-1);
    res.json({
      images: images.map((i) => presentImage(deps.publicUrl, i)),
      nextCursor: page.length > query.limit && last ? encodeCursor(last) : null,
    });
  });

  router.all('/', allowOnly('GET', 'DELETE'));
  router.all(['/password', '/email'], allowOnly('POST'));
  router.all('/tokens', allowOnly('GET', 'POST'));
  router.all('/tokens/:id', allowOnly('DELETE'));
  router.all('/sharex.sxcu', allowOnly('GET', 'POST'));
  router.all('/images', allowOnly('GET'));
  return router;
}

function sendShareX(res: express.Response, publicUrl: string, token: string): void {
  const host = new URL(publicUrl).host.replace(/[^A-Za-z0-9.-]/g, '_');
  res.setHeader('Content-Disposition', `attachment; filename="pictor-${host}.sxcu"`);
  res.type('application/json').send(JSON.stringify(shareXConfig(publicUrl, token), null, 2));
}
