import type { Account, AccountStatus, ApiToken, NewAccount, ResetCode, Role, Session } from '../accounts/account.js';

export interface AccountListCursor {
  createdAt: Date;
  id: string;
}

/** What a change that signs the account out everywhere revoked, so caches can drop it at once. */
export interface Revoked {
  sessionHashes: Buffer[];
  tokenHashes: Buffer[];
}

/** Accounts, their sessions, API tokens and password-reset codes, in one SQL database. */
export interface AccountRepository {
  /**
   * Inserts the account; with `inviteHash`, consumes that unused, unexpired invite in the same
   * transaction. Says which unique value was taken instead of throwing.
   */
  create(
    account: NewAccount,
    options?: { inviteHash?: Buffer; now?: Date },
  ): Promise<'created' | 'username-taken' | 'email-taken' | 'invite-invalid'>;
  findById(id: string): Promise<Account | null>;
  /** By username or email (already normalised: lower case). */
  findByLogin(login: string): Promise<Account | null>;
  /** Newest first; `query` matches a part of the username or email. */
  list(options: { limit: number; query?: string; after?: AccountListCursor }): Promise<Account[]>;
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
  /** pending → active with a verification code, used up in the same transaction; false otherwise. */
  activate(id: string, codeId: string, now: Date): Promise<boolean>;
  /**
   * A new email; `email-taken` when another account has it. Also returns the hashes of the
   * account's sessions and tokens (kept, not revoked), whose cached copies of the account are stale.
   */
  updateEmail(id: string, email: string): Promise<{ outcome: 'updated' | 'email-taken'; cached: Revoked }>;
  /**
   * Sets a new password and signs out everywhere (sessions and tokens), in one transaction. With
   * `resetCodeId`, also uses that code up; null when the code was used meanwhile (nothing changed).
   */
  setPassword(id: string, passwordHash: string, now: Date, resetCodeId?: string): Promise<Revoked | null>;
  /**
   * Null when no such account; blocking revokes every session and token in the same transaction.
   * `cached`: the sessions and tokens kept, whose cached copies of the account are now stale.
   */
  update(
    id: string,
    changes: { status?: AccountStatus; role?: Role },
  ): Promise<{ account: Account; revoked: Revoked; cached: Revoked } | null>;
  /** Revokes everything and removes the account; its images must be gone already. */
  remove(id: string): Promise<Revoked>;

  insertSession(session: Session): Promise<void>;
  /** The unexpired session with that id hash. */
  findSession(idHash: Buffer, now: Date): Promise<Session | null>;
  deleteSession(idHash: Buffer): Promise<void>;
  /** Removes sessions past their expiry; returns how many. */
  pruneSessions(now: Date): Promise<number>;

  insertToken(token: ApiToken): Promise<void>;
  findTokenByHash(tokenHash: Buffer): Promise<ApiToken | null>;
  listTokens(accountId: string): Promise<ApiToken[]>;
  countTokens(accountId: string): Promise<number>;
  /** The revoked token's hash, or null when the account holds no such token. */
  deleteToken(accountId: string, id: string): Promise<Buffer | null>;
  touchToken(id: string, at: Date): Promise<void>;

  /** Stores a new code and kills every earlier unused code of the account, in one transaction. */
  replaceResetCode(code: ResetCode): Promise<void>;
  /** The newest unused code of the account (expired or not). */
  latestResetCode(accountId: string): Promise<ResetCode | null>;
  /**
   * Counts one attempt on an unused code, atomically, only while fewer than `maxAttempts` were
   * made. Returns the new count, or null when the code is used up or out of attempts.
   */
  countResetAttempt(id: string, maxAttempts: number): Promise<number | null>;

  insertInvite(codeHash: Buffer, createdBy: string | null, expiresAt: Date): Promise<void>;
  ping(): Promise<void>;
}
