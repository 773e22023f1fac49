import type { TelegramRepository } from '@pictor/core';
import { inTransaction, type Pool } from './pool.js';

/** Telegram links and link codes on PostgreSQL. */
export class PgTelegramRepository implements TelegramRepository {
  constructor(private readonly pool: Pool) {}

  async replaceLinkCode(accountId: string, codeHash: Buffer, expiresAt: Date): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM telegram_link_codes WHERE account_id = $1', [accountId]);
      await client.query('INSERT INTO telegram_link_codes (code_hash, account_id, expires_at) VALUES ($1, $2, $3)', [
        codeHash,
        accountId,
        expiresAt,
      ]);
    });
  }

  async consumeLinkCode(codeHash: Buffer, now: Date): Promise<string | null> {
    const { rows } = await this.pool.query<{ account_id: string }>(
      `UPDATE telegram_link_codes SET used_at = $2
        WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING account_id`,
      [codeHash, now],
    );
    return rows[0]?.account_id ?? null;
  }

  async link(accountId: string, chatId: number, at: Date): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM telegram_links WHERE chat_id = $1 AND account_id <> $2', [chatId, accountId]);
      await client.query(
        `INSERT INTO telegram_links (account_id, chat_id, linked_at) VALUES ($1, $2, $3)
         ON CONFLICT (account_id) DO UPDATE SET chat_id = EXCLUDED.chat_id, linked_at = EXCLUDED.linked_at`,
        [accountId, chatId, at],
      );
    });
  }

  async unlinkAccount(accountId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM telegram_links WHERE account_id = $1', [accountId]);
    return (rowCount ?? 0) > 0;
  }

  async unlinkChat(chatId: number): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM telegram_links WHERE chat_id = $1', [chatId]);
    return (rowCount ?? 0) > 0;
  }

  async chatOf(accountId: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ chat_id: string }>(
      'SELECT chat_id FROM telegram_links WHERE account_id = $1',
      [accountId],
    );
    return rows[0] ? Number(rows[0].chat_id) : null;
  }
}
