import express, { Router } from 'express';
import { normaliseLogin } from '@pictor/core';
import {
  clearSessionCookie,
  consumeAll,
  csrfTokenFor,
  readSessionCookie,
  requireSameOrigin,
  setSessionCookie,
  type AuthSettings,
} from '../http/auth.js';
import {
  LoginSchema,
  RegisterSchema,
  ResetConfirmSchema,
  ResetRequestSchema,
  VerifyEmailSchema,
} from '../http/account-schemas.js';
import { presentAccount } from '../http/account-presenter.js';
import { allowOnly } from '../http/method-not-allowed.js';
import { parseOrThrow } from '../http/validate.js';

/** `/api/v1/auth`: register, sign in and out, password reset by one-time code. */
export function authRoute(settings: AuthSettings): Router {
  const router = Router();
  const { accounts, limiters } = settings;
  router.use(express.json({ limit: '8kb' }), express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 }));
  router.use(requireSameOrigin(settings));
  const clientKey = (ip: string | undefined) => ip ?? 'unknown';

  router.post('/register', async (req, res) => {
    const input = parseOrThrow(RegisterSchema, req.body);
    await consumeAll(
      [{ limiter: limiters?.reset, key: `register:client:${clientKey(req.ip)}` }],
      'Too many registrations from this address; try again later.',
      (error) => req.log.warn('rate limiter unavailable', { error }),
    );
    const account = await accounts.register(input);
    if (!account) {
      // REGISTRATION=verify-email: the same answer whether the email was free or taken.
      res.status(202).json({ message: 'Check your email: enter the code we sent to confirm the account.' });
      return;
    }
    req.log.info('account registered', { accountId: account.id, role: account.role });
    res.status(201).json(presentAccount(account));
  });

  router.post('/verify-email', async (req, res) => {
    const { login, code } = parseOrThrow(VerifyEmailSchema, req.body);
    await consumeAll(
      [{ limiter: limiters?.reset, key: `verify:client:${clientKey(req.ip)}` }],
      'Too many attempts; try again later.',
      (error) => req.log.warn('rate limiter unavailable', { error }),
    );
    await accounts.verifyEmail(login, code);
    res.status(204).end();
  });

  router.post('/verify-email/resend', async (req, res) => {
    const { login } = parseOrThrow(ResetRequestSchema, req.body);
    await consumeAll(
      [
        { limiter: limiters?.reset, key: `verify-resend:client:${clientKey(req.ip)}` },
        { limiter: limiters?.reset, key: `verify-resend:account:${normaliseLogin(login).slice(0, 254)}` },
      ],
      'Too many requests; try again later.',
      (error) => req.log.warn('rate limiter unavailable', { error }),
    );
    await accounts.resendVerification(login);
    res.status(202).json({ message: 'If an account awaits confirmation, a new code is on its way.' });
  });

  router.post('/login', async (req, res) => {
    const { login, password } = parseOrThrow(LoginSchema, req.body);
    await consumeAll(
      [
        { limiter: limiters?.loginPerClient, key: `login:client:${clientKey(req.ip)}` },
        { limiter: limiters?.loginPerAccount, key: `login:account:${normaliseLogin(login).slice(0, 254)}` },
      ],
      'Too many sign-in attempts; try again later.',
      (error) => req.log.warn('rate limiter unavailable', { error }),
    );
    // A session from before sign-in is ended: the new one gets a fresh id (no fixation).
    const previous = readSessionCookie(req, settings);
    const { account, sessionId } = await accounts.login(login, password);
    if (previous) await accounts.logout(previous);
    setSessionCookie(res, settings, sessionId);
    res.setHeader('Cache-Control', 'no-store');
    res.json(presentAccount(account, csrfTokenFor(sessionId)));
  });

  // The web page asks who is signed in without provoking a 401 for anonymous visitors.
  router.get('/session', (req, res) => {
    const principal = req.principal;
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      account:
        principal?.kind === 'session' && req.sessionId
          ? presentAccount(principal.account, csrfTokenFor(req.sessionId))
          : null,
    });
  });

  router.post('/logout', async (req, res) => {
    const sessionId = readSessionCookie(req, settings);
    if (sessionId) await accounts.logout(sessionId);
    clearSessionCookie(res, settings);
    res.status(204).end();
  });

  router.post('/password-reset', async (req, res) => {
    const { login } = parseOrThrow(ResetRequestSchema, req.body);
    await consumeAll(
      [
        { limiter: limiters?.reset, key: `reset:client:${clientKey(req.ip)}` },
        { limiter: limiters?.reset, key: `reset:account:${normaliseLogin(login).slice(0, 254)}` },
      ],
      'Too many reset requests; try again later.',
      (error) => req.log.warn('rate limiter unavailable', { error }),
    );
    await accounts.requestPasswordReset(login);
    res.status(202).json({
      message: 'If an account matches, a one-time code is on its way. It works once, for 15 minutes.',
    });
  });

  router.post('/password-reset/confirm', async (req, res) => {
    const { login, code, password } = parseOrThrow(ResetConfirmSchema, req.body);
    await consumeAll(
      [{ limiter: limiters?.reset, key: `reset-confirm:client:${clientKey(req.ip)}` }],
      'Too many attempts; try again later.',
      (error) => req.log.warn('rate limiter unavailable', { error }),
    );
    await accounts.confirmPasswordReset(login, code, password);
    res.status(204).end();
  });

  router.all(
    [
      '/register',
      '/verify-email',
      '/verify-email/resend',
      '/login',
      '/logout',
      '/password-reset',
      '/password-reset/confirm',
    ],
    allowOnly('POST'),
  );
  router.all('/session', allowOnly('GET'));
  return router;
}
