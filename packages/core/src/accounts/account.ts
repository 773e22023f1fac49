/** `pending` only when REGISTRATION=verify-email and the address is not confirmed yet. */
export type AccountStatus = 'active' | 'blocked' | 'pending';
export type Role = 'user' | 'admin';

export interface Account {
  id: string;
  /** Lower case, `[a-z0-9_-]{3,32}`. */
  username: string;
  /** Normalised: trimmed, domain lower-cased. */
  email: string;
  /** PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
  passwordHash: string;
  status: AccountStatus;
  role: Role;
  createdAt: Date;
  passwordChangedAt: Date;
}

export type NewAccount = Pick<Account, 'id' | 'username' | 'email' | 'passwordHash' | 'status' | 'role' | 'createdAt'>;

/** Scopes of personal API tokens. A session has them all, except where an action demands a session. */
export const TOKEN_SCOPES = ['images:write', 'images:delete', 'pastes:write', 'account:read', 'follows:write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export function isTokenScope(value: string): value is TokenScope {
  return (TOKEN_SCOPES as readonly string[]).includes(value);
}

export interface Session {
  /** SHA-256 of the id held by the browser; the id itself is never stored. */
  idHash: Buffer;
  accountId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface ApiToken {
  /** Public id, for listing and revoking. */
  id: string;
  accountId: string;
  name: string;
  scopes: TokenScope[];
  tokenHash: Buffer;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

export interface ResetCode {
  id: string;
  accountId: string;
  codeHash: Buffer;
  attempts: number;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface Invite {
  codeHash: Buffer;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

/** Who is calling: a signed-in browser, a personal token, or the operator's ADMIN_TOKEN. */
export type Principal =
  | { kind: 'session'; account: Account; sessionIdHash: Buffer }
  | { kind: 'token'; account: Account; token: ApiToken }
  | { kind: 'operator' };
