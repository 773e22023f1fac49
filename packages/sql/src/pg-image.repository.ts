import type {
  ImageFormat,
  ImageRecord,
  ImageRepository,
  ImageStatus,
  ListCursor,
  NewImage,
  OutboxEvent,
  VariantRecord,
  Visibility,
} from '@pictor/core';
import { inTransaction, type Pool } from './pool.js';

interface ImageRow {
  id: string;
  status: ImageStatus;
  format: ImageFormat;
  width: number;
  height: number;
  bytes: number;
  frames: number;
  has_alpha: boolean;
  title: string | null;
  visibility: Visibility;
  watermark: string | null;
  placeholder: string | null;
  variants: VariantRecord[];
  failure_reason: string | null;
  attempts: number;
  delete_token_hash: Buffer;
  created_at: Date;
  expires_at: Date | null;
  processed_at: Date | null;
  owner_id: string | null;
  owner_blocked: boolean;
  views: string | number;
}

const OWNER_BLOCKED = `EXISTS (SELECT 1 FROM accounts a WHERE a.id = images.owner_id AND a.status = 'blocked')`;

const COLUMNS = `images.id, status, format, width, height, bytes, frames, has_alpha, title, visibility, watermark,
  placeholder, variants, failure_reason, attempts, delete_token_hash, images.created_at, expires_at, processed_at,
  owner_id, ${OWNER_BLOCKED} AS owner_blocked, images.views`;

function toRecord(row: ImageRow): ImageRecord {
  return {
    id: row.id,
    status: row.status,
    format: row.format,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    frames: row.frames,
    hasAlpha: row.has_alpha,
    title: row.title,
    visibility: row.visibility,
    watermark: row.watermark,
    placeholder: row.placeholder,
    variants: row.variants,
    failureReason: row.failure_reason,
    attempts: row.attempts,
    deleteTokenHash: row.delete_token_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    processedAt: row.processed_at,
    ownerId: row.owner_id,
    ownerBlocked: row.owner_blocked,
    views: Number(row.views),
  };
}

/** ImageRepository on PostgreSQL (real or embedded), through `pg`. */
export class PgImageRepository implements ImageRepository {
  constructor(private readonly pool: Pool) {}

  async insertWithEvents(images: readonly NewImage[], events: readonly OutboxEvent[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      for (const image of images) {
        await client.query(
          `INSERT INTO images (id, format, width, height, bytes, frames, has_alpha, title, visibility, watermark,
             delete_token_hash, created_at, expires_at, owner_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [
            image.id,
            image.format,
            image.width,
            image.height,
            image.bytes,
            image.frames,
            image.hasAlpha,
            image.title,
            image.visibility,
            image.watermark,
            image.deleteTokenHash,
            image.createdAt,
            image.expiresAt,
            image.ownerId ?? null,
          ],
        );
      }
      for (const event of events) {
        await client.query('INSERT INTO outbox (topic, key, payload, headers) VALUES ($1, $2, $3, $4)', [
          event.topic,
          event.key,
          JSON.stringify(event.payload),
          JSON.stringify(event.headers),
        ]);
      }
    });
  }

  async findById(id: string): Promise<ImageRecord | null> {
    const { rows } = await this.pool.query<ImageRow>(`SELECT ${COLUMNS} FROM images WHERE images.id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async listPublic(options: { limit: number; after?: ListCursor; now: Date }): Promise<ImageRecord[]> {
    const params: unknown[] = [options.now, options.limit];
    let cursor = '';
    if (options.after) {
      params.push(options.after.createdAt, options.after.id);
      cursor = 'AND (created_at, id) < ($3, $4)';
    }
    const { rows } = await this.pool.query<ImageRow>(
      `SELECT ${COLUMNS} FROM images
        WHERE visibility = 'public' AND status IN ('pending', 'ready')
          AND (expires_at IS NULL OR expires_at > $1) AND NOT ${OWNER_BLOCKED} ${cursor}
        ORDER BY created_at DESC, id DESC
        LIMIT $2`,
      params,
    );
    return rows.map(toRecord);
  }

  async listByOwner(
    ownerId: string,
    options: { limit: number; after?: ListCursor; now: Date },
  ): Promise<ImageRecord[]> {
    const params: unknown[] = [ownerId, options.now, options.limit];
    let cursor = '';
    if (options.after) {
      params.push(options.after.createdAt, options.after.id);
      cursor = 'AND (created_at, id) < ($4, $5)';
    }
    const { rows } = await this.pool.query<ImageRow>(
      `SELECT ${COLUMNS} FROM images
        WHERE owner_id = $1 AND status <> 'deleting'
          AND (expires_at IS NULL OR expires_at > $2) ${cursor}
        ORDER BY created_at DESC, id DESC
        LIMIT $3`,
      params,
    );
    return rows.map(toRecord);
  }

  async idsOwnedBy(ownerId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM images WHERE owner_id = $1 AND status <> 'deleting' ORDER BY created_at`,
      [ownerId],
    );
    return rows.map((r) => r.id);
  }

  async updateDetails(
    id: string,
    changes: { title?: string | null; visibility?: Visibility; expiresAt?: Date | null },
    options: { finishMove?: boolean } = {},
  ): Promise<ImageRecord | null> {
    const sets: string[] = [];
    if (options.finishMove) sets.push('visibility_move_started_at = NULL');
    const params: unknown[] = [id];
    if (changes.title !== undefined) {
      params.push(changes.title);
      sets.push(`title = $${params.length}`);
    }
    if (changes.visibility !== undefined) {
      params.push(changes.visibility);
      sets.push(`visibility = $${params.length}`);
    }
    if (changes.expiresAt !== undefined) {
      params.push(changes.expiresAt);
      sets.push(`expires_at = $${params.length}`);
    }
    sets.push('updated_at = now()');
    const { rows } = await this.pool.query<ImageRow>(
      `UPDATE images SET ${sets.join(', ')} WHERE id = $1 AND status <> 'deleting' RETURNING ${COLUMNS}`,
      params,
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async claimVisibilityMove(id: string, staleAfterSeconds: number): Promise<ImageRecord | 'busy' | null> {
    // A second claimer waits on the row lock, then sees the first one's claim and updates nothing.
    const { rows } = await this.pool.query<ImageRow>(
      `UPDATE images SET visibility_move_started_at = now()
        WHERE id = $1 AND status <> 'deleting'
          AND (visibility_move_started_at IS NULL
               OR visibility_move_started_at < now() - make_interval(secs => $2))
        RETURNING ${COLUMNS}`,
      [id, staleAfterSeconds],
    );
    if (rows[0]) return toRecord(rows[0]);
    const { rows: held } = await this.pool.query(`SELECT 1 FROM images WHERE id = $1 AND status <> 'deleting'`, [id]);
    return held.length > 0 ? 'busy' : null;
  }

  async releaseVisibilityMove(id: string): Promise<void> {
    await this.pool.query('UPDATE images SET visibility_move_started_at = NULL WHERE id = $1', [id]);
  }

  async recordVariants(id: string, variants: readonly VariantRecord[], placeholder: string | null): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE images SET variants = $2, placeholder = COALESCE($3, placeholder), updated_at = now()
        WHERE id = $1 AND status = 'pending'`,
      [id, JSON.stringify(variants), placeholder],
    );
    return rowCount === 1;
  }

  async markReady(id: string, variants: readonly VariantRecord[], placeholder: string | null): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE images SET status = 'ready', variants = $2, placeholder = $3, failure_reason = NULL,
          processed_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'pending'`,
      [id, JSON.stringify(variants), placeholder],
    );
    return rowCount === 1;
  }

  async markFailed(id: string, reason: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE images SET status = 'failed', failure_reason = $2, processed_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'pending'`,
      [id, reason.slice(0, 1000)],
    );
    return rowCount === 1;
  }

  async countAttempt(id: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ attempts: number }>(
      `UPDATE images SET attempts = attempts + 1, updated_at = now() WHERE id = $1 RETURNING attempts`,
      [id],
    );
    return rows[0]?.attempts ?? null;
  }

  async markDeleting(id: string): Promise<ImageRecord | null> {
    // RETURNING sees the updated row; the locked sub-select keeps the status it had before.
    const { rows } = await this.pool.query<ImageRow & { old_status: ImageStatus }>(
      `UPDATE images SET status = 'deleting', updated_at = now()
         FROM (SELECT id AS old_id, status AS old_status FROM images
                WHERE id = $1 AND status <> 'deleting' FOR UPDATE) AS old
        WHERE images.id = old.old_id
        RETURNING ${COLUMNS}, old.old_status`,
      [id],
    );
    return rows[0] ? { ...toRecord(rows[0]), status: rows[0].old_status } : null;
  }

  async remove(id: string): Promise<void> {
    await this.pool.query('DELETE FROM images WHERE id = $1', [id]);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
