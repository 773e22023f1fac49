import type {
  Account,
  AccountListCursor,
  AccountRepository,
  AccountStatus,
  ApiToken,
  NewAccount,
  ResetCode,
  Revoked,
  Role,
  Session,
  TokenScope,
} from '@pictor/core';
import { inTransaction, type Pool, type PoolClient } from './pool.js';

interface AccountRow {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  status: AccountStatus;
  role: Role;
  created_at: Date;
  password_changed_at: Date;
}

interface TokenRow {
  id: string;
  account_id: string;
  name: string;
  scopes: TokenScope[];
  token_hash: Buffer;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

interface ResetCodeRow {
  id: string;
  account_id: string;
  code_hash: Buffer;
  attempts: number;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

const ACCOUNT_COLUMNS = 'id, username, email, password_hash, status, role, created_at, password_changed_at';
const TOKEN_COLUMNS = 'id, account_id, name, scopes, token_hash, created_at, expires_at, last_used_at';

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  username: r.username,
  email: r.email,
  passwordHash: r.password_hash,
  status: r.status,
  role: r.role,
  createdAt: r.created_at,
  passwordChangedAt: r.password_changed_at,
});

const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  scopes: r.scopes,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
});

const toResetCode = (r: ResetCodeRow): ResetCode => ({
  id: r.id,
  accountId: r.account_id,
  codeHash: r.code_hash,
  attempts: r.attempts,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});

/** Deletes every session and token of the account, returning their hashes for the caches. */
async function revokeAll(client: PoolClient, accountId: string): Promise<Revoked> {
  const sessions = await client.query<{ id_hash: Buffer }>(
    'DELETE FROM sessions WHERE account_id = $1 RETURNING id_hash',
    [accountId],
  );
  const tokens = await client.query<{ token_hash: Buffer }>(
    'DELETE FROM api_tokens WHERE account_id = $1 RETURNING token_hash',
    [accountId],
  );
  return {
    sessionHashes: sessions.rows.map((r) => r.id_hash),
    tokenHashes: tokens.rows.map((r) => r.token_hash),
  };
}

const nothingRevoked = (): Revoked => ({ sessionHashes: [], tokenHashes: [] });

/** The hashes of the account's live sessions and tokens (to refresh their cached copies). */
async function liveCredentials(client: PoolClient, accountId: string): Promise<Revoked> {
  const sessions = await client.query<{ id_hash: Buffer }>('SELECT id_hash FROM sessions WHERE account_id = $1', [
    accountId,
  ]);
  const tokens = await client.query<{ token_hash: Buffer }>('SELECT token_hash FROM api_tokens WHERE account_id = $1', [
    accountId,
  ]);
  return {
    sessionHashes: sessions.rows.map((r) => r.id_hash),
    tokenHashes: tokens.rows.map((r) => r.token_hash),
  };
}

/** AccountRepository on PostgreSQL (real or embedded), through `pg`. */
export class PgAccountRepository implements AccountRepository {
  constructor(private readonly pool: Pool) {}

  async create(
    account: NewAccount,
    options: { inviteHash?: Buffer; now?: Date } = {},
  ): Promise<'created' | 'username-taken' | 'email-taken' | 'invite-invalid'> {
    const inviteInvalid = new Error('invite invalid');
    return inTransaction(this.pool, async (client) => {
      // ON CONFLICT DO NOTHING keeps the transaction usable; then find out which value clashed.
      const inserted = await client.query(
        `INSERT INTO accounts (id, username, email, password_hash, status, role, created_at, password_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING`,
        [
          account.id,
          account.username,
          account.email,
          account.passwordHash,
          account.status,
          account.role,
          account.createdAt,
        ],
      );
      if (inserted.rowCount !== 1) {
        const { rows } = await client.query<{ username: boolean }>(
          'SELECT bool_or(username = $1) AS username FROM accounts WHERE username = $1 OR email = $2',
          [account.username, account.email],
        );
        return rows[0]?.username ? 'username-taken' : 'email-taken';
      }
      if (options.inviteHash) {
        const used = await client.query(
          `UPDATE invites SET used_at = $2, used_by = $3
            WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2`,
          [options.inviteHash, options.now ?? new Date(), account.id],
        );
        // Thrown to roll the account back with it.
        if (used.rowCount !== 1) throw inviteInvalid;
      }
      return 'created' as const;
    }).catch((error: unknown) => {
      if (error === inviteInvalid) return 'invite-invalid' as const;
      throw error;
    });
  }

  async findById(id: string): Promise<Account | null> {
    const { rows } = await this.pool.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [id]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async findByLogin(login: string): Promise<Account | null> {
    const column = login.includes('@') ? 'email' : 'username';
    const { rows } = await this.pool.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE ${column} = $1`, [
      login,
    ]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async list(options: { limit: number; query?: string; after?: AccountListCursor }): Promise<Account[]> {
    const params: unknown[] = [options.limit];
    const where: string[] = [];
    if (options.query) {
      // LIKE's own wildcards in the query are matched literally.
      params.push(`%${options.query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(username LIKE $${params.length} OR email LIKE $${params.length})`);
    }
    if (options.after) {
      params.push(options.after.createdAt, options.after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    const { rows } = await this.pool.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
    return rows.map(toAccount);
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.pool.query('UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1', [
      id,
      passwordHash,
    ]);
  }

  async activate(id: string, codeId: string, now: Date): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const used = await client.query(
        'UPDATE reset_codes SET used_at = $3 WHERE id = $1 AND account_id = $2 AND used_at IS NULL',
        [codeId, id, now],
      );
      if (used.rowCount !== 1) return false;
      const activated = await client.query(
        "UPDATE accounts SET status = 'active', updated_at = now() WHERE id = $1 AND status = 'pending'",
        [id],
      );
      return activated.rowCount === 1;
    });
  }

  async updateEmail(id: string, email: string): Promise<{ outcome: 'updated' | 'email-taken'; cached: Revoked }> {
    return inTransaction(this.pool, async (client) => {
      const taken = await client.query('SELECT 1 FROM accounts WHERE email = $1 AND id <> $2', [email, id]);
      if (taken.rows.length > 0) return { outcome: 'email-taken' as const, cached: nothingRevoked() };
      // The unique index still decides a race between two accounts taking the same address.
      const updated = await client.query(
        'UPDATE accounts SET email = $2, updated_at = now() WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM accounts WHERE email = $2 AND id <> $1)',
        [id, email],
      );
      if (updated.rowCount !== 1) return { outcome: 'email-taken' as const, cached: nothingRevoked() };
      return { outcome: 'updated' as const, cached: await liveCredentials(client, id) };
    }).catch((error: unknown) => {
      // Two accounts taking the same address at once: the unique index refuses the second.
      if ((error as { code?: unknown } | null)?.code === '23505') {
        return { outcome: 'email-taken' as const, cached: nothingRevoked() };
      }
      throw error;
    });
  }

  async setPassword(id: string, passwordHash: string, now: Date, resetCodeId?: string): Promise<Revoked | null> {
    return inTransaction(this.pool, async (client) => {
      if (resetCodeId) {
        const used = await client.query(
          'UPDATE reset_codes SET used_at = $3 WHERE id = $1 AND account_id = $2 AND used_at IS NULL',
          [resetCodeId, id, now],
        );
        if (used.rowCount !== 1) return null;
      }
      await client.query(
        'UPDATE accounts SET password_hash = $2, password_changed_at = $3, updated_at = now() WHERE id = $1',
        [id, passwordHash, now],
      );
      // Any other code still around is worthless now.
      await client.query('DELETE FROM reset_codes WHERE account_id = $1 AND used_at IS NULL', [id]);
      return revokeAll(client, id);
    });
  }

  async update(
    id: string,
    changes: { status?: AccountStatus; role?: Role },
  ): Promise<{ account: Account; revoked: Revoked; cached: Revoked } | null> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<AccountRow>(
        `UPDATE accounts SET status = COALESCE($2, status), role = COALESCE($3, role), updated_at = now()
          WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
        [id, changes.status ?? null, changes.role ?? null],
      );
      const row = rows[0];
      if (!row) return null;
      const revoked = changes.status === 'blocked' ? await revokeAll(client, id) : nothingRevoked();
      return { account: toAccount(row), revoked, cached: await liveCredentials(client, id) };
    });
  }

  async remove(id: string): Promise<Revoked> {
    return inTransaction(this.pool, async (client) => {
      const revoked = await revokeAll(client, id);
      await client.query('DELETE FROM accounts WHERE id = $1', [id]);
      return revoked;
    });
  }

  async insertSession(session: Session): Promise<void> {
    await this.pool.query(
      'INSERT INTO sessions (id_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [session.idHash, session.accountId, session.createdAt, session.expiresAt],
    );
  }

  async findSession(idHash: Buffer, now: Date): Promise<Session | null> {
    const { rows } = await this.pool.query<{ account_id: string; created_at: Date; expires_at: Date }>(
      'SELECT account_id, created_at, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2',
      [idHash, now],
    );
    const row = rows[0];
    return row ? { idHash, accountId: row.account_id, createdAt: row.created_at, expiresAt: row.expires_at } : null;
  }

  async deleteSession(idHash: Buffer): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }

  async pruneSessions(now: Date): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM sessions WHERE expires_at <= $1', [now]);
    return rowCount ?? 0;
  }

  async insertToken(token: ApiToken): Promise<void> {
    await this.pool.query(
      `INSERT INTO api_tokens (id, account_id, name, scopes, token_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [token.id, token.accountId, token.name, token.scopes, token.tokenHash, token.createdAt, token.expiresAt],
    );
  }

  async findTokenByHash(tokenHash: Buffer): Promise<ApiToken | null> {
    const { rows } = await this.pool.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1`, [
      tokenHash,
    ]);
    return rows[0] ? toToken(rows[0]) : null;
  }

  async listTokens(accountId: string): Promise<ApiToken[]> {
    const { rows } = await this.pool.query<TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE account_id = $1 ORDER BY created_at, id`,
      [accountId],
    );
    return rows.map(toToken);
  }

  async countTokens(accountId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM api_tokens WHERE account_id = $1',
      [accountId],
    );
    return rows[0]?.n ?? 0;
  }

  async deleteToken(accountId: string, id: string): Promise<Buffer | null> {
    const { rows } = await this.pool.query<{ token_hash: Buffer }>(
      'DELETE FROM api_tokens WHERE account_id = $1 AND id = $2 RETURNING token_hash',
      [accountId, id],
    );
    return rows[0]?.token_hash ?? null;
  }

  async touchToken(id: string, at: Date): Promise<void> {
    await this.pool.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, at]);
  }

  async replaceResetCode(code: ResetCode): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM reset_codes WHERE account_id = $1 AND used_at IS NULL', [code.accountId]);
      await client.query(
        `INSERT INTO reset_codes (id, account_id, code_hash, attempts, created_at, expires_at)
         VALUES ($1, $2, $3, 0, $4, $5)`,
        [code.id, code.accountId, code.codeHash, code.createdAt, code.expiresAt],
      );
    });
  }

  async latestResetCode(accountId: string): Promise<ResetCode | null> {
    const { rows } = await this.pool.query<ResetCodeRow>(
      `SELECT id, account_id, code_hash, attempts, created_at, expires_at, used_at FROM reset_codes
        WHERE account_id = $1 AND used_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      [accountId],
    );
    return rows[0] ? toResetCode(rows[0]) : null;
  }

  async countResetAttempt(id: string, maxAttempts: number): Promise<number | null> {
    const { rows } = await this.pool.query<{ attempts: number }>(
      `UPDATE reset_codes SET attempts = attempts + 1
        WHERE id = $1 AND used_at IS NULL AND attempts < $2 RETURNING attempts`,
      [id, maxAttempts],
    );
    return rows[0]?.attempts ?? null;
  }

  async insertInvite(codeHash: Buffer, createdBy: string | null, expiresAt: Date): Promise<void> {
    await this.pool.query('INSERT INTO invites (code_hash, created_by, expires_at) VALUES ($1, $2, $3)', [
      codeHash,
      createdBy,
      expiresAt,
    ]);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
