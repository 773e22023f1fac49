import { randomUUID } from 'node:crypto';
import { ERRORS } from '../errors/errors.js';
import { isAppError } from '../errors/app-error.js';
import type { AccountListCursor, AccountRepository, Revoked } from '../ports/account-repository.port.js';
import type { Cache } from '../ports/cache.port.js';
import type { Notifier, NotificationType } from '../ports/notifier.port.js';
import type { Account, AccountStatus, ApiToken, Role, Session, TokenScope } from './account.js';
import { checkPassword, normaliseLogin, parseEmail, parseUsername, PASSWORD_MAX_LENGTH } from './account-policy.js';
import type { PasswordHasher } from './password-hasher.js';
import {
  hashSecret,
  isApiToken,
  isSessionId,
  newAccountId,
  newApiToken,
  newResetCode,
  newSessionId,
  normaliseResetCode,
  secretMatches,
} from './secrets.js';

export const REGISTRATION_MODES = ['open', 'verify-email', 'invite', 'closed'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

export interface AccountSettings {
  registration: RegistrationMode;
  /** The account registering with this address becomes an admin. */
  adminEmail: string | undefined;
  sessionTtlSeconds: number;
  resetCodeTtlSeconds: number;
  resetCodeMaxAttempts: number;
  /** How long an emailed verification code works (REGISTRATION=verify-email). */
  verificationCodeTtlSeconds: number;
  maxTokensPerAccount: number;
  /** How long a looked-up session or token is trusted from the cache. Revocations evict it at once. */
  cacheTtlSeconds: number;
}

export const DEFAULT_ACCOUNT_SETTINGS: AccountSettings = {
  registration: 'open',
  adminEmail: undefined,
  sessionTtlSeconds: 30 * 86_400,
  resetCodeTtlSeconds: 15 * 60,
  resetCodeMaxAttempts: 5,
  verificationCodeTtlSeconds: 24 * 3600,
  maxTokensPerAccount: 50,
  cacheTtlSeconds: 60,
};

/** What images an account owns, for blocking and deleting it (ImageService provides it). */
export interface OwnedImages {
  /** Deletes every image of the owner through the ordinary delete path; returns how many. */
  deleteAllOf(ownerId: string): Promise<number>;
  /** Hides the owner's images everywhere, the edge included (their public objects move aside). */
  withholdAllOf(ownerId: string): Promise<number>;
  /** Shows them again. */
  restoreAllOf(ownerId: string): Promise<number>;
}

export interface AccountServiceDeps {
  accounts: AccountRepository;
  hasher: PasswordHasher;
  cache: Cache;
  notifier: Notifier;
  ownedImages: OwnedImages;
  settings: AccountSettings;
  clock?: () => Date;
}

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  invite?: string | undefined;
}

export interface NewToken {
  token: string;
  record: ApiToken;
}

/** The public view of an account. */
export type AccountView = Omit<Account, 'passwordHash'>;

export function viewOf(account: Account): AccountView {
  const { passwordHash: _hidden, ...view } = account;
  return view;
}

const sessionKey = (idHash: Buffer) => `session:${idHash.toString('hex')}`;
const tokenKey = (tokenHash: Buffer) => `token:${tokenHash.toString('hex')}`;

interface CachedAccount extends Omit<Account, 'createdAt' | 'passwordChangedAt'> {
  createdAt: string;
  passwordChangedAt: string;
}
const encodeAccount = (a: Account): CachedAccount => ({
  ...a,
  createdAt: a.createdAt.toISOString(),
  passwordChangedAt: a.passwordChangedAt.toISOString(),
});
const decodeAccount = (a: CachedAccount): Account => ({
  ...a,
  createdAt: new Date(a.createdAt),
  passwordChangedAt: new Date(a.passwordChangedAt),
});

/**
 * The use cases of accounts: registration, sign-in and sessions, personal API tokens, password
 * change and reset by one-time codes, and administration (block, promote, delete).
 */
export class AccountService {
  private readonly clock: () => Date;

  constructor(private readonly deps: AccountServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  get registration(): RegistrationMode {
    return this.deps.settings.registration;
  }

  /**
   * Creates an account: active, or with REGISTRATION=verify-email pending until the emailed code
   * is entered. The password is hashed before uniqueness is checked, so a taken name answers in
   * the same time as a free one. With verify-email, a taken email is not revealed: the answer is
   * the same (`null`) and the address's owner is told instead.
   */
  async register(input: RegisterInput): Promise<Account | null> {
    const { settings } = this.deps;
    if (settings.registration === 'closed') throw ERRORS.registrationClosed();
    if (settings.registration === 'invite' && !input.invite) throw ERRORS.inviteInvalid();
    const username = parseUsername(input.username);
    const email = parseEmail(input.email);
    checkPassword(input.password, [username, email, email.split('@')[0] ?? '']);
    const passwordHash = await this.deps.hasher.hash(input.password);
    const now = this.clock();
    const account: Account = {
      id: newAccountId(),
      username,
      email,
      passwordHash,
      status: settings.registration === 'verify-email' ? 'pending' : 'active',
      role: settings.adminEmail !== undefined && email === settings.adminEmail.toLowerCase() ? 'admin' : 'user',
      createdAt: now,
      passwordChangedAt: now,
    };
    const outcome = await this.db(() =>
      this.deps.accounts.create(account, {
        now,
        ...(settings.registration === 'invite' && input.invite ? { inviteHash: hashSecret(input.invite.trim()) } : {}),
      }),
    );
    if (outcome === 'username-taken') throw ERRORS.usernameTaken();
    if (outcome === 'invite-invalid') throw ERRORS.inviteInvalid();
    if (settings.registration !== 'verify-email') {
      if (outcome === 'email-taken') throw ERRORS.emailTaken();
      return account;
    }
    if (outcome === 'email-taken') {
      const owner = await this.db(() => this.deps.accounts.findByLogin(email));
      if (owner) await this.notify(owner, 'registration-attempt', {});
      return null;
    }
    await this.sendVerificationCode(account);
    return null;
  }

  /** Sends a new code to a pending account (earlier ones die). Same answer for any login. */
  async resendVerification(login: string): Promise<void> {
    if (login.length > 254) return;
    const account = await this.db(() => this.deps.accounts.findByLogin(normaliseLogin(login)));
    if (account?.status === 'pending') await this.sendVerificationCode(account);
  }

  /** Activates a pending account with its emailed code; the same attempt limits as reset codes. */
  async verifyEmail(login: string, codeInput: string): Promise<void> {
    const account =
      login.length > 254 ? null : await this.db(() => this.deps.accounts.findByLogin(normaliseLogin(login)));
    if (!account || account.status !== 'pending') throw ERRORS.verificationCodeInvalid();
    const live = await this.db(() => this.deps.accounts.latestResetCode(account.id));
    if (!live) throw ERRORS.verificationCodeInvalid();
    const code = normaliseResetCode(codeInput);
    const matches = code !== null && secretMatches(`verify:${account.id}:${code}`, live.codeHash);
    if (live.expiresAt <= this.clock()) {
      throw matches ? ERRORS.verificationCodeExpired() : ERRORS.verificationCodeInvalid();
    }
    const attempts = await this.db(() =>
      this.deps.accounts.countResetAttempt(live.id, this.deps.settings.resetCodeMaxAttempts),
    );
    if (attempts === null || !matches) throw ERRORS.verificationCodeInvalid();
    const activated = await this.db(() => this.deps.accounts.activate(account.id, live.id, this.clock()));
    if (!activated) throw ERRORS.verificationCodeInvalid();
  }

  /**
   * A pending account's live code is a verification code, an active account's a reset code: one
   * table, and the purpose is part of the hash, so neither can stand in for the other.
   */
  private async sendVerificationCode(account: Account): Promise<void> {
    const now = this.clock();
    const code = newResetCode();
    await this.db(() =>
      this.deps.accounts.replaceResetCode({
        id: newAccountId(),
        accountId: account.id,
        codeHash: hashSecret(`verify:${account.id}:${code}`),
        attempts: 0,
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.deps.settings.verificationCodeTtlSeconds * 1000),
        usedAt: null,
      }),
    );
    await this.notify(account, 'email-verification-code', { code });
  }

  /** An account made from the shell (`pictor admin create-user`): ignores REGISTRATION. */
  async createAccount(input: { username: string; email: string; password: string; role: Role }): Promise<Account> {
    const username = parseUsername(input.username);
    const email = parseEmail(input.email);
    checkPassword(input.password, [username, email]);
    const now = this.clock();
    const account: Account = {
      id: newAccountId(),
      username,
      email,
      passwordHash: await this.deps.hasher.hash(input.password),
      status: 'active',
      role: input.role,
      createdAt: now,
      passwordChangedAt: now,
    };
    const outcome = await this.db(() => this.deps.accounts.create(account, { now }));
    if (outcome === 'username-taken') throw ERRORS.usernameTaken();
    if (outcome === 'email-taken') throw ERRORS.emailTaken();
    return account;
  }

  /**
   * Checks the password and opens a new session (a fresh id every time: no fixation). Unknown
   * accounts spend the time of a real verification and get the same answer as a wrong password.
   * A blocked account is told so only after the right password.
   */
  async login(login: string, password: string): Promise<{ account: Account; sessionId: string; session: Session }> {
    if (password.length > PASSWORD_MAX_LENGTH || login.length > 254) throw ERRORS.invalidCredentials();
    const account = await this.db(() => this.deps.accounts.findByLogin(normaliseLogin(login)));
    if (!account) {
      await this.deps.hasher.verifyDummy(password);
      throw ERRORS.invalidCredentials();
    }
    const { ok, needsRehash } = await this.deps.hasher.verify(password, account.passwordHash);
    if (!ok) throw ERRORS.invalidCredentials();
    if (account.status === 'blocked') throw ERRORS.accountBlocked();
    if (account.status === 'pending') throw ERRORS.accountPending();
    if (needsRehash) {
      const rehashed = await this.deps.hasher.hash(password);
      await this.db(() => this.deps.accounts.updatePasswordHash(account.id, rehashed));
      account.passwordHash = rehashed;
    }
    const now = this.clock();
    const sessionId = newSessionId();
    const session: Session = {
      idHash: hashSecret(sessionId),
      accountId: account.id,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.deps.settings.sessionTtlSeconds * 1000),
    };
    await this.db(() => this.deps.accounts.insertSession(session));
    return { account, sessionId, session };
  }

  /** The signed-in account of a session cookie, or null (unknown, expired, revoked or blocked). */
  async authenticateSession(sessionId: string): Promise<{ account: Account; session: Session } | null> {
    if (!isSessionId(sessionId)) return null;
    const idHash = hashSecret(sessionId);
    const now = this.clock();
    const key = sessionKey(idHash);
    const cached = await this.deps.cache.get(key).catch(() => undefined);
    if (cached !== undefined) {
      const entry = JSON.parse(cached) as { account: CachedAccount; expiresAt: string; createdAt: string };
      const session: Session = {
        idHash,
        accountId: entry.account.id,
        createdAt: new Date(entry.createdAt),
        expiresAt: new Date(entry.expiresAt),
      };
      const account = decodeAccount(entry.account);
      if (session.expiresAt > now && account.status === 'active') return { account, session };
      return null;
    }
    const session = await this.db(() => this.deps.accounts.findSession(idHash, now));
    if (!session) return null;
    const account = await this.db(() => this.deps.accounts.findById(session.accountId));
    if (!account || account.status !== 'active') return null;
    const ttl = Math.min(
      this.deps.settings.cacheTtlSeconds,
      Math.floor((session.expiresAt.getTime() - now.getTime()) / 1000),
    );
    if (ttl >= 1) {
      const entry = {
        account: encodeAccount(account),
        expiresAt: session.expiresAt.toISOString(),
        createdAt: session.createdAt.toISOString(),
      };
      await this.deps.cache.set(key, JSON.stringify(entry), ttl).catch(() => undefined);
    }
    return { account, session };
  }

  async logout(sessionId: string): Promise<void> {
    if (!isSessionId(sessionId)) return;
    const idHash = hashSecret(sessionId);
    await this.db(() => this.deps.accounts.deleteSession(idHash));
    await this.deps.cache.delete(sessionKey(idHash)).catch(() => undefined);
  }

  /** The account and token of a bearer value, or null (not a token, unknown, expired, revoked, blocked). */
  async authenticateToken(bearer: string): Promise<{ account: Account; token: ApiToken } | null> {
    if (!isApiToken(bearer)) return null;
    const tokenHash = hashSecret(bearer);
    const now = this.clock();
    const key = tokenKey(tokenHash);
    let token: ApiToken | null;
    let account: Account | null;
    const cached = await this.deps.cache.get(key).catch(() => undefined);
    if (cached !== undefined) {
      const entry = JSON.parse(cached) as {
        account: CachedAccount;
        token: Omit<ApiToken, 'tokenHash' | 'createdAt' | 'expiresAt' | 'lastUsedAt'> & {
          createdAt: string;
          expiresAt: string | null;
          lastUsedAt: string | null;
        };
      };
      account = decodeAccount(entry.account);
      token = {
        ...entry.token,
        tokenHash,
        createdAt: new Date(entry.token.createdAt),
        expiresAt: entry.token.expiresAt === null ? null : new Date(entry.token.expiresAt),
        lastUsedAt: entry.token.lastUsedAt === null ? null : new Date(entry.token.lastUsedAt),
      };
    } else {
      token = await this.db(() => this.deps.accounts.findTokenByHash(tokenHash));
      if (!token) return null;
      const owner = token.accountId;
      account = await this.db(() => this.deps.accounts.findById(owner));
      if (!account) return null;
      let ttl = this.deps.settings.cacheTtlSeconds;
      if (token.expiresAt) ttl = Math.min(ttl, Math.floor((token.expiresAt.getTime() - now.getTime()) / 1000));
      if (ttl >= 1) {
        const { tokenHash: _secret, ...rest } = token;
        await this.deps.cache
          .set(key, JSON.stringify({ account: encodeAccount(account), token: rest }), ttl)
          .catch(() => undefined);
      }
    }
    if (account.status !== 'active') return null;
    if (token.expiresAt && token.expiresAt <= now) return null;
    // Last use is recorded to the minute: one write per token per minute at most.
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > 60_000) {
      const id = token.id;
      token.lastUsedAt = now;
      await this.db(() => this.deps.accounts.touchToken(id, now));
      await this.deps.cache.delete(key).catch(() => undefined);
    }
    return { account, token };
  }

  async createToken(
    account: Account,
    input: { name: string; scopes: TokenScope[]; expiresInSeconds: number | null },
  ): Promise<NewToken> {
    const count = await this.db(() => this.deps.accounts.countTokens(account.id));
    if (count >= this.deps.settings.maxTokensPerAccount) {
      throw ERRORS.tooManyTokens(this.deps.settings.maxTokensPerAccount);
    }
    const now = this.clock();
    const token = newApiToken();
    const record: ApiToken = {
      id: newAccountId(),
      accountId: account.id,
      name: input.name,
      scopes: [...new Set(input.scopes)],
      tokenHash: hashSecret(token),
      createdAt: now,
      expiresAt: input.expiresInSeconds ? new Date(now.getTime() + input.expiresInSeconds * 1000) : null,
      lastUsedAt: null,
    };
    await this.db(() => this.deps.accounts.insertToken(record));
    return { token, record };
  }

  async listTokens(accountId: string): Promise<ApiToken[]> {
    return this.db(() => this.deps.accounts.listTokens(accountId));
  }

  async revokeToken(accountId: string, id: string): Promise<void> {
    const hash = await this.db(() => this.deps.accounts.deleteToken(accountId, id));
    if (!hash) throw ERRORS.tokenNotFound();
    await this.deps.cache.delete(tokenKey(hash)).catch(() => undefined);
  }

  /** Changes the password with the current one; signs out every session and token, then notifies. */
  async changePassword(account: Account, currentPassword: string, newPassword: string): Promise<void> {
    if (currentPassword.length > PASSWORD_MAX_LENGTH) throw ERRORS.invalidCredentials();
    checkPassword(newPassword, [account.username, account.email]);
    const { ok } = await this.deps.hasher.verify(currentPassword, account.passwordHash);
    if (!ok) throw ERRORS.invalidCredentials();
    const hash = await this.deps.hasher.hash(newPassword);
    const revoked = await this.db(() => this.deps.accounts.setPassword(account.id, hash, this.clock()));
    if (revoked) await this.evict(revoked);
    await this.notify(account, 'password-changed', {});
  }

  /**
   * Changes the email, with the current password. The old address is told (to the old address,
   * so a hijacker cannot hide it); sessions and tokens stay valid.
   */
  async changeEmail(account: Account, password: string, newEmail: string): Promise<Account> {
    const email = parseEmail(newEmail);
    await this.checkPasswordOf(account, password);
    if (email === account.email) return account;
    const { outcome, cached } = await this.db(() => this.deps.accounts.updateEmail(account.id, email));
    if (outcome === 'email-taken') throw ERRORS.emailTaken();
    await this.evict(cached);
    await this.notify(account, 'email-changed', { newEmail: email });
    return { ...account, email };
  }

  /**
   * Starts a reset: a new one-time code (earlier ones die) goes to the account's channels. Known
   * and unknown logins get the same answer; the message is sent in the background, so the time
   * differs by one insert only.
   */
  async requestPasswordReset(login: string): Promise<void> {
    if (login.length > 254) return;
    const account = await this.db(() => this.deps.accounts.findByLogin(normaliseLogin(login)));
    if (!account || account.status !== 'active') return;
    const now = this.clock();
    const code = newResetCode();
    const ttl = this.deps.settings.resetCodeTtlSeconds;
    await this.db(() =>
      this.deps.accounts.replaceResetCode({
        id: newAccountId(),
        accountId: account.id,
        codeHash: hashSecret(`${account.id}:${code}`),
        attempts: 0,
        createdAt: now,
        expiresAt: new Date(now.getTime() + ttl * 1000),
        usedAt: null,
      }),
    );
    await this.notify(account, 'password-reset-code', { code, minutes: String(Math.round(ttl / 60)) });
  }

  /**
   * Sets a new password with a one-time code. Every try counts against the code (it dies after
   * `resetCodeMaxAttempts`); success uses the code up, signs out every session and token, and tells
   * the account. No session is opened: the person signs in with the new password.
   */
  async confirmPasswordReset(login: string, codeInput: string, newPassword: string): Promise<void> {
    if (newPassword.length > PASSWORD_MAX_LENGTH) checkPassword(newPassword);
    const account =
      login.length > 254 ? null : await this.db(() => this.deps.accounts.findByLogin(normaliseLogin(login)));
    checkPassword(newPassword, account ? [account.username, account.email] : []);
    if (!account || account.status !== 'active') throw ERRORS.resetCodeInvalid();
    const live = await this.db(() => this.deps.accounts.latestResetCode(account.id));
    if (!live) throw ERRORS.resetCodeInvalid();
    const code = normaliseResetCode(codeInput);
    const matches = code !== null && secretMatches(`${account.id}:${code}`, live.codeHash);
    // "Expired" only to someone holding the code: otherwise it would tell that the account exists.
    if (live.expiresAt <= this.clock()) throw matches ? ERRORS.resetCodeExpired() : ERRORS.resetCodeInvalid();
    const attempts = await this.db(() =>
      this.deps.accounts.countResetAttempt(live.id, this.deps.settings.resetCodeMaxAttempts),
    );
    if (attempts === null || !matches) throw ERRORS.resetCodeInvalid();
    const hash = await this.deps.hasher.hash(newPassword);
    const revoked = await this.db(() => this.deps.accounts.setPassword(account.id, hash, this.clock(), live.id));
    if (!revoked) throw ERRORS.resetCodeInvalid();
    await this.evict(revoked);
    await this.notify(account, 'password-changed', {});
  }

  async get(id: string): Promise<Account> {
    const account = await this.db(() => this.deps.accounts.findById(id));
    if (!account) throw ERRORS.accountNotFound();
    return account;
  }

  async list(options: { limit: number; query?: string; after?: AccountListCursor }): Promise<Account[]> {
    return this.db(() => this.deps.accounts.list(options));
  }

  /**
   * Blocks, unblocks or promotes. Blocking signs the account out everywhere and hides its images
   * at once; unblocking shows them again.
   */
  async update(id: string, changes: { status?: AccountStatus; role?: Role }): Promise<Account> {
    const updated = await this.db(() => this.deps.accounts.update(id, changes));
    if (!updated) throw ERRORS.accountNotFound();
    // A demoted admin's cached sessions must not keep the old role for the cache's lifetime.
    await this.evict(updated.revoked);
    await this.evict(updated.cached);
    // Repeated on every status change (not only on a transition), so a move interrupted by a
    // failure is finished by the admin's next click.
    if (changes.status === 'blocked') await this.deps.ownedImages.withholdAllOf(id);
    else if (changes.status === 'active') await this.deps.ownedImages.restoreAllOf(id);
    return updated.account;
  }

  /**
   * Deletes the account and every upload of it. Sessions and tokens go first, so nothing new is
   * uploaded meanwhile; the images go through the ordinary delete path (objects, then rows).
   */
  async delete(id: string): Promise<{ images: number }> {
    const account = await this.get(id);
    const blocked = await this.db(() => this.deps.accounts.update(account.id, { status: 'blocked' }));
    if (blocked) await this.evict(blocked.revoked);
    const images = await this.deps.ownedImages.deleteAllOf(account.id);
    const revoked = await this.db(() => this.deps.accounts.remove(account.id));
    await this.evict(revoked);
    return { images };
  }

  /** Verifies the password of a signed-in account (before deleting it, say). */
  async checkPasswordOf(account: Account, password: string): Promise<void> {
    if (password.length > PASSWORD_MAX_LENGTH) throw ERRORS.invalidCredentials();
    const { ok } = await this.deps.hasher.verify(password, account.passwordHash);
    if (!ok) throw ERRORS.invalidCredentials();
  }

  /** An invite code for REGISTRATION=invite; shown once, stored hashed. */
  async createInvite(createdBy: string | null, validSeconds: number): Promise<{ code: string; expiresAt: Date }> {
    const code = newSessionId();
    const expiresAt = new Date(this.clock().getTime() + validSeconds * 1000);
    await this.db(() => this.deps.accounts.insertInvite(hashSecret(code), createdBy, expiresAt));
    return { code, expiresAt };
  }

  private async evict(revoked: Revoked): Promise<void> {
    const keys = [...revoked.sessionHashes.map(sessionKey), ...revoked.tokenHashes.map(tokenKey)];
    await Promise.all(keys.map((key) => this.deps.cache.delete(key).catch(() => undefined)));
  }

  private async notify(account: Account, type: NotificationType, data: Record<string, string>): Promise<void> {
    await this.deps.notifier.notify({
      id: randomUUID(),
      type,
      recipient: { accountId: account.id, username: account.username, email: account.email },
      data,
      createdAt: this.clock(),
    });
  }

  private async db<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (isAppError(error)) throw error;
      throw ERRORS.dependencyUnavailable('database', error);
    }
  }
}
