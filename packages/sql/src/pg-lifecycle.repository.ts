import type { BackupRecord, CleanupReport, ImageFormat, LifecycleRepository, PurgeableImage } from '@pictor/core';
import { inTransaction, type Pool } from './pool.js';

interface PurgeableRow {
  id: string;
  format: ImageFormat;
  has_alpha: boolean;
  width: number;
}

const toPurgeable = (row: PurgeableRow): PurgeableImage => ({
  id: row.id,
  format: row.format,
  hasAlpha: row.has_alpha,
  width: row.width,
});

/**
 * The claim of a cleanup batch. `expires_at <= $1` on the partial index `images_expiring` reads
 * expired rows only, so its cost follows the expired set, never the table (a test checks the plan).
 */
export const CLAIM_EXPIRED_SQL = `SELECT id, format, has_alpha, width FROM images
  WHERE expires_at IS NOT NULL AND expires_at <= $1
  ORDER BY expires_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED`;

// Two index-backed sets (pastes_expiring, pastes_deleting), so the cost follows what is to go.
export const CLAIM_EXPIRED_PASTES_SQL = `SELECT id FROM pastes
  WHERE id IN (
    SELECT id FROM pastes WHERE expires_at IS NOT NULL AND expires_at <= $1
    UNION ALL
    SELECT id FROM pastes WHERE status = 'deleting'
  )
  LIMIT $2
  FOR UPDATE SKIP LOCKED`;

/** LifecycleRepository on PostgreSQL (real or embedded). */
export class PgLifecycleRepository implements LifecycleRepository {
  constructor(private readonly pool: Pool) {}

  async purgeExpired(
    now: Date,
    limit: number,
    purgeObjects: (images: readonly PurgeableImage[]) => Promise<void>,
  ): Promise<string[]> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<PurgeableRow>(CLAIM_EXPIRED_SQL, [now, limit]);
      if (rows.length === 0) return [];
      await purgeObjects(rows.map(toPurgeable));
      const ids = rows.map((r) => r.id);
      await client.query('DELETE FROM images WHERE id = ANY($1)', [ids]);
      return ids;
    });
  }

  async purgeExpiredPastes(
    now: Date,
    limit: number,
    purgeObjects: (ids: readonly string[]) => Promise<void>,
  ): Promise<string[]> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(CLAIM_EXPIRED_PASTES_SQL, [now, limit]);
      if (rows.length === 0) return [];
      const ids = rows.map((r) => r.id);
      await purgeObjects(ids);
      await client.query('DELETE FROM pastes WHERE id = ANY($1)', [ids]);
      return ids;
    });
  }

  async existingPasteIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM pastes WHERE id = ANY($1)', [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM images WHERE id = ANY($1)', [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async stalePending(before: Date, limit: number): Promise<PurgeableImage[]> {
    const { rows } = await this.pool.query<PurgeableRow>(
      `SELECT id, format, has_alpha, width FROM images
        WHERE status = 'pending' AND created_at < $1
        ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows.map(toPurgeable);
  }

  async removePending(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM images WHERE id = $1 AND status = 'pending'`, [id]);
    return rowCount === 1;
  }

  async recordBackup(backup: BackupRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO backups (key, bytes, sha256, started_at, finished_at) VALUES ($1, $2, $3, $4, $5)',
      [backup.key, backup.bytes, backup.sha256, backup.startedAt, backup.finishedAt],
    );
  }

  /** Adds a finished cleanup run to the running totals the metrics export. */
  async recordCleanupSuccess(report: CleanupReport): Promise<void> {
    await this.pool.query(
      `UPDATE cleanup_totals SET expired = expired + $1, orphans = orphans + $2,
         stale_pending = stale_pending + $3, succeeded = succeeded + 1, last_success_at = now()`,
      [report.expired, report.orphans, report.stalePending],
    );
  }

  /** Counts a failed cleanup run, with its reason. */
  async recordCleanupFailure(reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE cleanup_totals SET failed = failed + 1, last_failure_at = now(), last_error = left($1, 1000)`,
      [reason],
    );
  }

  async recentBackups(limit: number): Promise<BackupRecord[]> {
    const { rows } = await this.pool.query<{
      key: string;
      bytes: number;
      sha256: string;
      started_at: Date;
      finished_at: Date;
    }>('SELECT key, bytes, sha256, started_at, finished_at FROM backups ORDER BY finished_at DESC LIMIT $1', [limit]);
    return rows.map((r) => ({
      key: r.key,
      bytes: r.bytes,
      sha256: r.sha256,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }));
  }

  async hasImages(): Promise<boolean> {
    const { rows } = await this.pool.query<{ present: boolean }>(
      `SELECT to_regclass('public.images') IS NOT NULL AS present`,
    );
    if (!rows[0]?.present) return false;
    const { rowCount } = await this.pool.query('SELECT 1 FROM images LIMIT 1');
    return (rowCount ?? 0) > 0;
  }
}
