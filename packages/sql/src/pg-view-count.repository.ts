import type { ViewCountRepository, ViewedItem, ViewedKind } from '@pictor/core';
import type { Pool } from './pool.js';

const TABLES: Record<ViewedKind, string> = { image: 'images', paste: 'pastes' };

/** ViewCountRepository on PostgreSQL: one UPDATE per batch and kind. */
export class PgViewCountRepository implements ViewCountRepository {
  constructor(private readonly pool: Pool) {}

  async add(kind: ViewedKind, counts: ReadonlyMap<string, number>): Promise<void> {
    if (counts.size === 0) return;
    await this.pool.query(
      `UPDATE ${TABLES[kind]} t SET views = t.views + v.n
         FROM unnest($1::text[], $2::bigint[]) AS v(id, n)
        WHERE t.id = v.id`,
      [[...counts.keys()], [...counts.values()]],
    );
  }

  async mostViewedOf(ownerId: string, limit: number, now: Date): Promise<ViewedItem[]> {
    // Each side reads one owner's rows through its owner index; an owner's items are few enough
    // to sort whole.
    const { rows } = await this.pool.query<{
      kind: ViewedKind;
      id: string;
      title: string | null;
      views: string | number;
      created_at: Date;
    }>(
      `SELECT kind, id, title, views, created_at FROM (
         SELECT 'paste' AS kind, id, title, views, created_at FROM pastes
          WHERE owner_id = $1 AND status = 'active' AND (expires_at IS NULL OR expires_at > $3)
         UNION ALL
         SELECT 'image' AS kind, id, title, views, created_at FROM images
          WHERE owner_id = $1 AND status IN ('pending', 'ready') AND (expires_at IS NULL OR expires_at > $3)
       ) items
       ORDER BY views DESC, created_at DESC, id
       LIMIT $2`,
      [ownerId, limit, now],
    );
    return rows.map((row) => ({
      kind: row.kind,
      id: row.id,
      title: row.title,
      views: Number(row.views),
      createdAt: row.created_at,
    }));
  }
}
