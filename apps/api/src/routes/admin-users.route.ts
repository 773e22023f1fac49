import express, { Router } from 'express';
import { ERRORS, parseDuration, type AccountService } from '@pictor/core';
import { checkCsrf, requireAdmin, type AuthSettings } from '../http/auth.js';
import {
  ACCOUNT_CURSOR_PATTERN,
  AdminUpdateUserSchema,
  AdminUsersQuery,
  CreateInviteSchema,
  PublicIdParam,
} from '../http/account-schemas.js';
import { presentAccount } from '../http/account-presenter.js';
import { allowOnly } from '../http/method-not-allowed.js';
import { parseOrThrow } from '../http/validate.js';

const encodeCursor = (a: { createdAt: Date; id: string }) => `${a.createdAt.getTime().toString(36)}_${a.id}`;

function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  if (!ACCOUNT_CURSOR_PATTERN.test(cursor)) return null;
  const split = cursor.indexOf('_');
  const createdAt = new Date(Number.parseInt(cursor.slice(0, split), 36));
  return Number.isNaN(createdAt.getTime()) ? null : { createdAt, id: cursor.slice(split + 1) };
}

/** `/api/v1/admin/users` and `/api/v1/admin/invites`: for admin sessions and ADMIN_TOKEN. */
export function adminUsersRoute(deps: AuthSettings & { accounts: AccountService }): Router {
  const router = Router();
  router.use(
    ['/users', '/invites'],
    express.json({ limit: '4kb' }),
    requireAdmin(),
    checkCsrf(deps),
    (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
  );

  router.get('/users', async (req, res) => {
    const query = parseOrThrow(AdminUsersQuery, req.query);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (after === null) throw ERRORS.validationFailed('cursor is not valid');
    const page = await deps.accounts.list({
      limit: query.limit + 1,
      ...(query.q ? { query: query.q } : {}),
      ...(after ? { after } : {}),
    });
    const users = page.slice(0, query.limit);
    const last = users.at(-1);
    res.json({
      users: users.map((a) => presentAccount(a)),
      nextCursor: page.length > query.limit && last ? encodeCursor(last) : null,
    });
  });

  router.get('/users/:id', async (req, res) => {
    const { id } = parseOrThrow(PublicIdParam, req.params);
    res.json(presentAccount(await deps.accounts.get(id)));
  });

  router.patch('/users/:id', async (req, res) => {
    const { id } = parseOrThrow(PublicIdParam, req.params);
    const changes = parseOrThrow(AdminUpdateUserSchema, req.body);
    const principal = req.principal;
    // An admin cannot lock themself out by accident; another admin or the operator can.
    if (
      principal?.kind === 'session' &&
      principal.account.id === id &&
      (changes.status === 'blocked' || changes.role === 'user')
    ) {
      throw ERRORS.validationFailed('You cannot block or demote yourself.');
    }
    const account = await deps.accounts.update(id, changes);
    req.log.info('account changed by admin', { accountId: id, ...changes });
    res.json(presentAccount(account));
  });

  router.delete('/users/:id', async (req, res) => {
    const { id } = parseOrThrow(PublicIdParam, req.params);
    const { images } = await deps.accounts.delete(id);
    req.log.info('account deleted by admin', { accountId: id, images });
    res.status(204).end();
  });

  router.post('/invites', async (req, res) => {
    const { expiresIn } = parseOrThrow(CreateInviteSchema, req.body ?? {});
    const principal = req.principal;
    const createdBy = principal?.kind === 'session' ? principal.account.id : null;
    const invite = await deps.accounts.createInvite(createdBy, parseDuration(expiresIn) ?? 604_800);
    res.status(201).json({ code: invite.code, expiresAt: invite.expiresAt.toISOString() });
  });

  router.all('/users', allowOnly('GET'));
  router.all('/users/:id', allowOnly('GET', 'PATCH', 'DELETE'));
  router.all('/invites', allowOnly('POST'));
  return router;
}
