import type { OutboxRepository, PendingOutboxEvent } from '@pictor/core';
import { TOPICS } from '@pictor/core';
import { inTransaction, type Pool } from './pool.js';

interface OutboxRow {
  id: number;
  topic: string;
  key: string;
  payload: Record<string, unknown>;
  headers: Record<string, string>;
}

/** The outbox on PostgreSQL. Any number of relays may drain it at once (SKIP LOCKED). */
export class PgOutboxRepository implements OutboxRepository {
  constructor(private readonly pool: Pool) {}

  async drain(limit: number, publish: (events: readonly PendingOutboxEvent[]) => Promise<void>): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, topic, key, payload, headers FROM outbox
          WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      await publish(
        rows.map((r) => ({ id: String(r.id), topic: r.topic, key: r.key, payload: r.payload, headers: r.headers })),
      );
      await client.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  async requeuePending(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE outbox o SET sent_at = NULL
         FROM images i
        WHERE o.key = i.id AND o.topic = $1 AND o.sent_at IS NOT NULL AND i.status = 'pending'`,
      [TOPICS.imageUploaded],
    );
    return rowCount ?? 0;
  }

  async backlog(): Promise<{ count: number; oldestAgeSeconds: number }> {
    const { rows } = await this.pool.query<{ count: number; age: number | null }>(
      `SELECT count(*)::int AS count, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
         FROM outbox WHERE sent_at IS NULL`,
    );
    return { count: rows[0]?.count ?? 0, oldestAgeSeconds: rows[0]?.age ?? 0 };
  }

  /** Forgets events published more than `olderThanSeconds` ago. */
  async pruneSent(olderThanSeconds: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(secs => $1)`,
      [olderThanSeconds],
    );
    return rowCount ?? 0;
  }
}
