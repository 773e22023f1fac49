import type { Follow, FollowCursor, FollowEntry, FollowRepository, OutboxEvent } from '@pictor/core';
import { inTransaction, type Pool } from './pool.js';

interface FollowRow {
  follower_id: string;
  followee_id: string;
  notify: boolean;
  created_at: Date;
}

interface EntryRow {
  id: string;
  username: string;
  notify: boolean;
  created_at: Date;
}

const toEntry = (r: EntryRow): FollowEntry => ({
  account: { id: r.id, username: r.username },
  notify: r.notify,
  createdAt: r.created_at,
});

/** Follows on PostgreSQL; the outbox rows a new follow causes commit with it. */
export class PgFollowRepository implements FollowRepository {
  constructor(private readonly pool: Pool) {}

  async upsert(follow: Follow, onCreate: readonly OutboxEvent[] = []): Promise<'created' | 'updated'> {
    return inTransaction(this.pool, async (client) => {
      // xmax = 0 only on a row this statement inserted.
      const { rows } = await client.query<{ inserted: boolean }>(
        `INSERT INTO follows (follower_id, followee_id, notify, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (follower_id, followee_id) DO UPDATE SET notify = EXCLUDED.notify
         RETURNING (xmax = 0) AS inserted`,
        [follow.followerId, follow.followeeId, follow.notify, follow.createdAt],
      );
      const inserted = rows[0]?.inserted === true;
      if (inserted) {
        for (const event of onCreate) {
          await client.query('INSERT INTO outbox (topic, key, payload, headers) VALUES ($1, $2, $3, $4)', [
            event.topic,
            event.key,
            JSON.stringify(event.payload),
            JSON.stringify(event.headers),
          ]);
        }
      }
      return inserted ? 'created' : 'updated';
    });
  }

  async setNotify(followerId: string, followeeId: string, notify: boolean): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE follows SET notify = $3 WHERE follower_id = $1 AND followee_id = $2',
      [followerId, followeeId, notify],
    );
    return (rowCount ?? 0) > 0;
  }

  async remove(followerId: string, followeeId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2', [
      followerId,
      followeeId,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async find(followerId: string, followeeId: string): Promise<Follow | null> {
    const { rows } = await this.pool.query<FollowRow>(
      'SELECT follower_id, followee_id, notify, created_at FROM follows WHERE follower_id = $1 AND followee_id = $2',
      [followerId, followeeId],
    );
    const r = rows[0];
    return r
      ? { followerId: r.follower_id, followeeId: r.followee_id, notify: r.notify, createdAt: r.created_at }
      : null;
  }

  listFollowers(accountId: string, options: { limit: number; after?: FollowCursor }): Promise<FollowEntry[]> {
    return this.list('followee_id', 'follower_id', accountId, options);
  }

  listFollowing(accountId: string, options: { limit: number; after?: FollowCursor }): Promise<FollowEntry[]> {
    return this.list('follower_id', 'followee_id', accountId, options);
  }

  async counts(accountId: string): Promise<{ followers: number; following: number }> {
    const { rows } = await this.pool.query<{ followers: number; following: number }>(
      `SELECT
         (SELECT count(*)::int FROM follows f JOIN accounts a ON a.id = f.follower_id
           WHERE f.followee_id = $1 AND a.status = 'active') AS followers,
         (SELECT count(*)::int FROM follows f JOIN accounts a ON a.id = f.followee_id
           WHERE f.follower_id = $1 AND a.status = 'active') AS following`,
      [accountId],
    );
    return { followers: rows[0]?.followers ?? 0, following: rows[0]?.following ?? 0 };
  }

  /** One page along an index: `self` is the listed account's column, `other` the one shown. */
  private async list(
    self: 'followee_id' | 'follower_id',
    other: 'followee_id' | 'follower_id',
    accountId: string,
    { limit, after }: { limit: number; after?: FollowCursor },
  ): Promise<FollowEntry[]> {
    const { rows } = await this.pool.query<EntryRow>(
      `SELECT a.id, a.username, f.notify, f.created_at
         FROM follows f JOIN accounts a ON a.id = f.${other}
        WHERE f.${self} = $1 AND a.status = 'active'
          AND ($2::timestamptz IS NULL OR (f.created_at, f.${other}) < ($2, $3))
        ORDER BY f.created_at DESC, f.${other} DESC
        LIMIT $4`,
      [accountId, after?.createdAt ?? null, after?.accountId ?? null, limit],
    );
    return rows.map(toEntry);
  }
}
