import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  ERRORS,
  isApiToken,
  type AccountService,
  type Principal,
  type RateLimiter,
  type TokenScope,
} from '@pictor/core';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who is calling; undefined for anonymous requests. Set by `authenticate`. */
    principal?: Principal;
    /** The raw session id from the cookie, when it named a live session. */
    sessionId?: string;
  }
}

export interface AccountLimiters {
  /** Sign-in attempts per account name. */
  loginPerAccount: RateLimiter;
  /** Sign-in attempts per client address. */
  loginPerClient: RateLimiter;
  /** Reset requests and confirmations per account name and per client address; registrations per client. */
  reset: RateLimiter;
}

export interface AuthSettings {
  accounts: AccountService;
  publicUrl: string;
  /** `Secure` cookies (PUBLIC_URL is https); the cookie is then named with the `__Host-` prefix. */
  secureCookies: boolean;
  sessionTtlSeconds: number;
  /** ADMIN_TOKEN: a bearer that acts as the operator. */
  adminToken: string | undefined;
  limiters?: AccountLimiters;
}

export const sessionCookieName = (secure: boolean) => (secure ? '__Host-pictor_session' : 'pictor_session');

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * The CSRF token of a session: an HMAC of the session id, so it needs no storage, changes with
 * every sign-in, and cannot be computed without the HttpOnly cookie.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', 'pictor-csrf').update(sessionId, 'utf8').digest('base64url');
}

export function setSessionCookie(res: Response, settings: AuthSettings, sessionId: string): void {
  res.append(
    'Set-Cookie',
    serializeCookie(sessionCookieName(settings.secureCookies), sessionId, {
      httpOnly: true,
      sameSite: 'lax',
      secure: settings.secureCookies,
      path: '/',
      maxAge: settings.sessionTtlSeconds,
    }),
  );
}

export function clearSessionCookie(res: Response, settings: AuthSettings): void {
  res.append(
    'Set-Cookie',
    serializeCookie(sessionCookieName(settings.secureCookies), '', {
      httpOnly: true,
      sameSite: 'lax',
      secure: settings.secureCookies,
      path: '/',
      maxAge: 0,
    }),
  );
}

export function readSessionCookie(req: Request, settings: AuthSettings): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  return parseCookies(header)[sessionCookieName(settings.secureCookies)] ?? undefined;
}

/**
 * Works out the principal: `Authorization: Bearer` (ADMIN_TOKEN or a personal `pictor_…` token)
 * first, else the session cookie. A `pictor_…` token that is not valid is refused with 401 at
 * once (a revoked or expired token must not quietly fall back to anonymous); a stale cookie just
 * leaves the request anonymous.
 */
export function authenticate(settings: AuthSettings): RequestHandler {
  const adminDigest = settings.adminToken ? digest(settings.adminToken) : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    void (async () => {
      const authorization = req.get('authorization');
      if (authorization) {
        const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(authorization);
        const bearer = match?.[1];
        // Other schemes and malformed values are for the routes that expect them to judge.
        if (!bearer) return;
        if (adminDigest && timingSafeEqual(digest(bearer), adminDigest)) {
          req.principal = { kind: 'operator' };
          return;
        }
        if (!isApiToken(bearer)) return;
        const found = await settings.accounts.authenticateToken(bearer);
        if (!found) {
          res.setHeader('WWW-Authenticate', 'Bearer realm="pictor"');
          throw ERRORS.authenticationRequired('The API token is unknown, revoked or expired.');
        }
        req.principal = { kind: 'token', account: found.account, token: found.token };
        return;
      }
      const sessionId = readSessionCookie(req, settings);
      if (!sessionId) return;
      const found = await settings.accounts.authenticateSession(sessionId);
      if (!found) {
        clearSessionCookie(res, settings);
        return;
      }
      req.sessionId = sessionId;
      req.principal = { kind: 'session', account: found.account, sessionIdHash: found.session.idHash };
    })().then(() => next(), next);
  };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Cross-site request forgery: a state-changing request that rides on the cookie must come from
 * Pictor's own origin (Sec-Fetch-Site, else Origin) and carry the session's CSRF token (header
 * `X-CSRF-Token`, or form field `_csrf`). Bearer-token requests carry no ambient credential and
 * need neither.
 */
export function checkCsrf(settings: AuthSettings): RequestHandler {
  const origin = new URL(settings.publicUrl).origin;
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!UNSAFE.has(req.method) || req.principal?.kind !== 'session' || !req.sessionId) {
      next();
      return;
    }
    if (!sameOrigin(req, origin)) {
      next(ERRORS.csrfRejected());
      return;
    }
    const body = req.body as Record<string, unknown> | undefined;
    const sent = req.get('x-csrf-token') ?? (typeof body?._csrf === 'string' ? body._csrf : undefined);
    const expected = Buffer.from(csrfTokenFor(req.sessionId));
    if (!sent || sent.length !== expected.length || !timingSafeEqual(Buffer.from(sent), expected)) {
      next(ERRORS.csrfRejected());
      return;
    }
    next();
  };
}

/** Browsers send Sec-Fetch-Site (all current ones) or Origin on every cross-site POST. */
export function sameOrigin(req: Request, origin: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const sentOrigin = req.get('origin');
  if (sentOrigin !== undefined) return sentOrigin === origin;
  return true;
}

/** For sign-in and registration, which have no session yet: refuse other sites (login CSRF). */
export function requireSameOrigin(settings: AuthSettings): RequestHandler {
  const origin = new URL(settings.publicUrl).origin;
  return (req, _res, next) => next(sameOrigin(req, origin) ? undefined : ERRORS.csrfRejected());
}

/** The signed-in account (session or token); a token must hold `scope`. */
export function requireAccount(scope?: TokenScope): RequestHandler {
  return (req, _res, next) => {
    const principal = req.principal;
    if (!principal || principal.kind === 'operator') {
      next(ERRORS.authenticationRequired());
      return;
    }
    if (principal.kind === 'token' && scope && !principal.token.scopes.includes(scope)) {
      next(ERRORS.tokenScope(scope));
      return;
    }
    next();
  };
}

/** Account changes (password, email, tokens, deletion) need the browser session itself. */
export function requireSession(): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal) next(ERRORS.authenticationRequired());
    else if (req.principal.kind !== 'session') next(ERRORS.sessionRequired());
    else next();
  };
}

/** An admin's session, or the operator's ADMIN_TOKEN. */
export function requireAdmin(): RequestHandler {
  return (req, _res, next) => {
    const principal = req.principal;
    if (!principal) next(ERRORS.authenticationRequired());
    else if (principal.kind === 'operator') next();
    else if (principal.kind === 'session' && principal.account.role === 'admin') next();
    else next(ERRORS.forbidden());
  };
}

/** Consumes one point of each key; the first refusal answers 429 RATE_LIMITED with Retry-After. */
export async function consumeAll(
  checks: readonly { limiter: RateLimiter | undefined; key: string }[],
  message: string,
  onUnavailable: (error: unknown) => void,
): Promise<void> {
  for (const { limiter, key } of checks) {
    if (!limiter) continue;
    let decision;
    try {
      decision = await limiter.consume(key);
    } catch (error) {
      // The store is down: let the request through rather than lock everybody out.
      onUnavailable(error);
      continue;
    }
    if (!decision.allowed) throw ERRORS.rateLimited(decision.retryAfterSeconds, message);
  }
}

/** The account of a session or token principal (after requireAccount/requireSession). */
export function accountOf(req: Request) {
  const principal = req.principal;
  if (!principal || principal.kind === 'operator') throw ERRORS.authenticationRequired();
  return principal.account;
}

/** The signed-in account of a request, looked up on demand. */
export type Identify = (req: Request, res: Response) => Promise<string | undefined>;

/**
 * Who sent a request outside `/api` (direct links, pages), looked up only when a private item
 * asks: public reads cost no session lookup. An unknown or bad credential is no one (the private
 * item is then missing, as for any stranger), never a 401 that would tell it exists. The operator
 * token is no one here either: private items are their owner's.
 */
export function whoIsAsking(settings: AuthSettings): Identify {
  const run = authenticate(settings);
  return async (req, res) => {
    if (!req.principal) {
      await new Promise<void>((resolve) => {
        run(req, res, () => resolve());
      });
      // A refused token answers nothing here: the item is missing, not the credential.
      if (!req.principal) res.removeHeader('WWW-Authenticate');
    }
    const principal = req.principal;
    return principal && principal.kind !== 'operator' ? principal.account.id : undefined;
  };
}
