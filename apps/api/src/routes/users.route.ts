import express, { Router, type Request } from 'express';
import { ERRORS, type Follow, type FollowCursor, type FollowPage, type FollowService } from '@pictor/core';
import { accountOf, checkCsrf, requireAccount, type AuthSettings } from '../http/auth.js';
import { FollowBodySchema, FollowListQuerySchema, UsernameParam } from '../http/follow-schemas.js';
import { allowOnly } from '../http/method-not-allowed.js';
import { parseOrThrow } from '../http/validate.js';

export interface UsersRouteDeps extends AuthSettings {
  follows: FollowService;
}

/** `/api/v1/users/:username`: following someone, and who follows whom. */
export function usersRoute(deps: UsersRouteDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '1kb' }));
  router.use(checkCsrf(deps));
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.get('/:username/follow', requireAccount('account:read'), async (req, res) => {
    const { username } = parseOrThrow(UsernameParam, req.params);
    const follow = await deps.follows.status(accountOf(req), username);
    res.json(presentFollow(username, follow));
  });

  router.put('/:username/follow', requireAccount('follows:write'), async (req, res) => {
    const { username } = parseOrThrow(UsernameParam, req.params);
    const { notify } = parseOrThrow(FollowBodySchema, req.body ?? {});
    const { follow, created } = await deps.follows.follow(accountOf(req), username, notify);
    res.status(created ? 201 : 200).json(presentFollow(username, follow));
  });

  router.delete('/:username/follow', requireAccount('follows:write'), async (req, res) => {
    const { username } = parseOrThrow(UsernameParam, req.params);
    await deps.follows.unfollow(accountOf(req), username);
    res.status(204).end();
  });

  router.get('/:username/followers', async (req, res) => {
    const { username } = parseOrThrow(UsernameParam, req.params);
    const { limit, cursor } = parseOrThrow(FollowListQuerySchema, req.query);
    const page = await deps.follows.followers(username, limit, decodeFollowCursor(cursor));
    const { followers } = await deps.follows.counts(username);
    res.json(presentPage(deps.publicUrl, page, followers, false));
  });

  router.get('/:username/following', async (req, res) => {
    const { username } = parseOrThrow(UsernameParam, req.params);
    const { limit, cursor } = parseOrThrow(FollowListQuerySchema, req.query);
    const page = await deps.follows.following(username, limit, decodeFollowCursor(cursor));
    const { following } = await deps.follows.counts(username);
    // Whether someone is notified is theirs to know only.
    res.json(presentPage(deps.publicUrl, page, following, isSelf(req, username)));
  });

  router.all('/:username/follow', allowOnly('GET', 'PUT', 'DELETE'));
  router.all('/:username/followers', allowOnly('GET'));
  router.all('/:username/following', allowOnly('GET'));
  return router;
}

function isSelf(req: Request, username: string): boolean {
  const principal = req.principal;
  return (
    principal !== undefined &&
    principal.kind !== 'operator' &&
    principal.account.username === username.trim().toLowerCase()
  );
}

function presentFollow(username: string, follow: Follow | null) {
  return {
    username: username.trim().toLowerCase(),
    following: follow !== null,
    notify: follow?.notify ?? false,
    since: follow?.createdAt.toISOString() ?? null,
  };
}

function presentPage(publicUrl: string, page: FollowPage, total: number, withNotify: boolean) {
  return {
    accounts: page.entries.map((e) => ({
      username: e.account.username,
      profile: new URL(`/u/${encodeURIComponent(e.account.username)}`, publicUrl).toString(),
      since: e.createdAt.toISOString(),
      ...(withNotify ? { notify: e.notify } : {}),
    })),
    total,
    nextCursor: page.next ? encodeFollowCursor(page.next) : null,
  };
}

export function encodeFollowCursor(cursor: FollowCursor): string {
  return `${cursor.createdAt.getTime().toString(36)}_${cursor.accountId}`;
}

/** Only strings matching FOLLOW_CURSOR_PATTERN reach here. */
export function decodeFollowCursor(cursor: string | undefined): FollowCursor | undefined {
  if (cursor === undefined) return undefined;
  const cut = cursor.indexOf('_');
  const createdAt = new Date(Number.parseInt(cursor.slice(0, cut), 36));
  if (Number.isNaN(createdAt.getTime())) throw ERRORS.validationFailed('cursor is not valid');
  return { createdAt, accountId: cursor.slice(cut + 1) };
}
