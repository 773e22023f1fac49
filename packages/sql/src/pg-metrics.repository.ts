import type { Pool } from './pool.js';

/** Reads for the metrics endpoint: image counts, stored bytes and the last backup. */
export class PgMetricsRepository {
  constructor(private readonly pool: Pool) {}

  /** Images by status and the bytes of their originals (rows being deleted are left out of bytes). */
  async storedImages(): Promise<{ byStatus: Record<string, number>; originalBytes: number }> {
    const { rows } = await this.pool.query<{ status: string; n: number; bytes: number }>(
      `SELECT status, count(*)::int AS n, coalesce(sum(bytes), 0)::float8 AS bytes FROM images GROUP BY status`,
    );
    const byStatus: Record<string, number> = { pending: 0, ready: 0, failed: 0, deleting: 0 };
    let originalBytes = 0;
    for (const row of rows) {
      byStatus[row.status] = row.n;
      if (row.status !== 'deleting') originalBytes += row.bytes;
    }
    return { byStatus, originalBytes };
  }

  /** The newest successful backup, if the backups table exists and holds one. */
  async lastBackup(): Promise<{ finishedAt: number; bytes: number } | undefined> {
    const { rows: exists } = await this.pool.query<{ present: boolean }>(
      `SELECT to_regclass('backups') IS NOT NULL AS present`,
    );
    if (!exists[0]?.present) return undefined;
    const { rows } = await this.pool.query<{ finished: number; bytes: number }>(
      `SELECT EXTRACT(EPOCH FROM finished_at)::float8 AS finished, bytes::float8 AS bytes
         FROM backups ORDER BY finished_at DESC LIMIT 1`,
    );
    const row = rows[0];
    return row ? { finishedAt: row.finished, bytes: row.bytes } : undefined;
  }
}
