import type { ViewCountRepository, ViewedKind } from '@pictor/core';
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
}
