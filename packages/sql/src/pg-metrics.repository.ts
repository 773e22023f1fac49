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

  /** The cleanup's running totals (cleanup_totals, one row); undefined before the migration. */
  async cleanupTotals(): Promise<
    | {
        removed: { expired: number; orphans: number; stalePending: number };
        runs: { succeeded: number; failed: number };
        lastSuccessAt: number | undefined;
      }
    | undefined
  > {
    const { rows: exists } = await this.pool.query<{ present: boolean }>(
      `SELECT to_regclass('cleanup_totals') IS NOT NULL AS present`,
    );
    if (!exists[0]?.present) return undefined;
    const { rows } = await this.pool.query<{
      expired: number;
      orphans: number;
      stale_pending: number;
      succeeded: number;
      failed: number;
      last_success: number | null;
    }>(
      `SELECT expired::float8, orphans::float8, stale_pending::float8, succeeded::float8, failed::float8,
              EXTRACT(EPOCH FROM last_success_at)::float8 AS last_success
         FROM cleanup_totals`,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      removed: { expired: row.expired, orphans: row.orphans, stalePending: row.stale_pending },
      runs: { succeeded: row.succeeded, failed: row.failed },
      lastSuccessAt: row.last_success ?? undefined,
    };
  }

  /** When the database was first migrated (Unix seconds): the installation's age survives restores. */
  async installedAt(): Promise<number | undefined> {
    const { rows: exists } = await this.pool.query<{ present: boolean }>(
      `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
    );
    if (!exists[0]?.present) return undefined;
    const { rows } = await this.pool.query<{ installed: number | null }>(
      `SELECT EXTRACT(EPOCH FROM min(applied_at))::float8 AS installed FROM schema_migrations`,
    );
    return rows[0]?.installed ?? undefined;
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
