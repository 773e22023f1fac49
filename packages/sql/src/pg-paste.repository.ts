import {
  firstFreeSlug,
  type ListCursor,
  type NewPaste,
  type OutboxEvent,
  type PasteLanguage,
  type PasteRecord,
  type PasteRepository,
  type PasteStatus,
  type Visibility,
} from '@pictor/core';
import { inTransaction, type Pool, type PoolClient } from './pool.js';

interface PasteRow {
  id: string;
  status: PasteStatus;
  owner_id: string | null;
  owner_username: string | null;
  owner_blocked: boolean | null;
  title: string | null;
  slug: string | null;
  language: PasteLanguage | null;
  visibility: Visibility;
  burn_after_reading: boolean;
  bytes: number;
  delete_token_hash: Buffer;
  created_at: Date;
  expires_at: Date | null;
  views: number;
}

const SELECT = `SELECT p.id, p.status, p.owner_id, a.username AS owner_username, a.status = 'blocked' AS owner_blocked,
    p.title, p.slug, p.language, p.visibility, p.burn_after_reading, p.bytes, p.delete_token_hash, p.created_at,
    p.expires_at, p.views
  FROM pastes p LEFT JOIN accounts a ON a.id = p.owner_id`;

const READABLE = `p.status = 'active' AND (p.expires_at IS NULL OR p.expires_at > $1)
  AND (a.status IS NULL OR a.status <> 'blocked')`;

function toRecord(row: PasteRow): PasteRecord {
  return {
    id: row.id,
    status: row.status,
    title: row.title,
    slug: row.slug,
    language: row.language,
    visibility: row.visibility,
    burnAfterReading: row.burn_after_reading,
    bytes: row.bytes,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    deleteTokenHash: row.delete_token_hash,
    ownerId: row.owner_id,
    ownerUsername: row.owner_username,
    ownerBlocked: row.owner_blocked === true,
    views: row.views,
  };
}

/**
 * The author's first free slug for `base`, under a per-author transaction lock so that two
 * pastes with the same title made at once get `base` and `base-2`. Slugs still redirecting to
 * another paste count as taken; `exceptPaste`'s own are free to it again.
 */
async function chooseSlug(client: PoolClient, ownerId: string, base: string, exceptPaste?: string): Promise<string> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('pictor.paste-slugs:' || $1))`, [ownerId]);
  const { rows } = await client.query<{ slug: string }>(
    `SELECT slug FROM pastes WHERE owner_id = $1 AND (slug = $2 OR slug LIKE $2 || '-%') AND id <> $3
     UNION
     SELECT slug FROM paste_slug_redirects WHERE owner_id = $1 AND (slug = $2 OR slug LIKE $2 || '-%') AND paste_id <> $3`,
    [ownerId, base, exceptPaste ?? ''],
  );
  return firstFreeSlug(base, new Set(rows.map((r) => r.slug)));
}

/** PasteRepository on PostgreSQL (real or embedded), through `pg`. */
export class PgPasteRepository implements PasteRepository {
  constructor(private readonly pool: Pool) {}

  async insertWithEvent(paste: NewPaste, event: OutboxEvent, ...more: OutboxEvent[]): Promise<PasteRecord> {
    const id = await inTransaction(this.pool, async (client) => {
      const slug =
        paste.ownerId && paste.slugBase !== null ? await chooseSlug(client, paste.ownerId, paste.slugBase) : null;
      await client.query(
        `INSERT INTO pastes (id, owner_id, title, slug, language, visibility, burn_after_reading, bytes,
           delete_token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          paste.id,
          paste.ownerId,
          paste.title,
          slug,
          paste.language,
          paste.visibility,
          paste.burnAfterReading,
          paste.bytes,
          paste.deleteTokenHash,
          paste.createdAt,
          paste.expiresAt,
        ],
      );
      for (const e of [event, ...more]) {
        await client.query('INSERT INTO outbox (topic, key, payload, headers) VALUES ($1, $2, $3, $4)', [
          e.topic,
          e.key,
          JSON.stringify(e.payload),
          JSON.stringify(e.headers),
        ]);
      }
      return paste.id;
    });
    const stored = await this.findById(id);
    if (!stored) throw new Error(`paste ${id} vanished right after its insert`);
    return stored;
  }

  async findById(id: string): Promise<PasteRecord | null> {
    const { rows } = await this.pool.query<PasteRow>(`${SELECT} WHERE p.id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findBySlug(username: string, slug: string): Promise<{ paste: PasteRecord; redirected: boolean } | null> {
    const { rows } = await this.pool.query<PasteRow & { redirected: boolean }>(
      `${SELECT.replace('SELECT', 'SELECT false AS redirected,')} WHERE a.username = $1 AND p.slug = $2
       UNION ALL
       ${SELECT.replace('SELECT', 'SELECT true AS redirected,')}
         JOIN paste_slug_redirects r ON r.paste_id = p.id AND r.owner_id = p.owner_id
        WHERE a.username = $1 AND r.slug = $2
       ORDER BY redirected LIMIT 1`,
      [username, slug],
    );
    const row = rows[0];
    return row ? { paste: toRecord(row), redirected: row.redirected } : null;
  }

  async listPublic(options: { limit: number; after?: ListCursor; now: Date }): Promise<PasteRecord[]> {
    const params: unknown[] = [options.now, options.limit];
    let cursor = '';
    if (options.after) {
      params.push(options.after.createdAt, options.after.id);
      cursor = 'AND (p.created_at, p.id) < ($3, $4)';
    }
    const { rows } = await this.pool.query<PasteRow>(
      `${SELECT} WHERE p.visibility = 'public' AND ${READABLE} ${cursor}
       ORDER BY p.created_at DESC, p.id DESC LIMIT $2`,
      params,
    );
    return rows.map(toRecord);
  }

  async listByOwner(
    ownerId: string,
    options: { limit: number; after?: ListCursor; now: Date; includeUnlisted: boolean },
  ): Promise<PasteRecord[]> {
    const params: unknown[] = [options.now, options.limit, ownerId];
    let cursor = '';
    if (options.after) {
      params.push(options.after.createdAt, options.after.id);
      cursor = 'AND (p.created_at, p.id) < ($4, $5)';
    }
    const visibility = options.includeUnlisted ? '' : `AND p.visibility = 'public'`;
    const { rows } = await this.pool.query<PasteRow>(
      `${SELECT} WHERE p.owner_id = $3 AND ${READABLE} ${visibility} ${cursor}
       ORDER BY p.created_at DESC, p.id DESC LIMIT $2`,
      params,
    );
    return rows.map(toRecord);
  }

  async updateDetails(
    id: string,
    changes: {
      title?: string | null;
      slugBase?: string | null;
      language?: PasteLanguage | null;
      visibility?: Visibility;
      expiresAt?: Date | null;
    },
  ): Promise<PasteRecord | null> {
    const updated = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ owner_id: string | null; slug: string | null }>(
        `SELECT owner_id, slug FROM pastes WHERE id = $1 AND status = 'active' FOR UPDATE`,
        [id],
      );
      const current = rows[0];
      if (!current) return false;
      const sets: string[] = [];
      const params: unknown[] = [id];
      const set = (column: string, value: unknown) => {
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      };
      if (changes.title !== undefined) set('title', changes.title);
      if (changes.language !== undefined) set('language', changes.language);
      if (changes.visibility !== undefined) set('visibility', changes.visibility);
      if (changes.expiresAt !== undefined) set('expires_at', changes.expiresAt);
      if (changes.slugBase && current.owner_id && current.slug) {
        const slug = await chooseSlug(client, current.owner_id, changes.slugBase, id);
        if (slug !== current.slug) {
          // The old slug keeps answering (with a redirect); the new one is no longer an old one.
          await client.query(
            `INSERT INTO paste_slug_redirects (owner_id, slug, paste_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
            [current.owner_id, current.slug, id],
          );
          await client.query(`DELETE FROM paste_slug_redirects WHERE owner_id = $1 AND slug = $2`, [
            current.owner_id,
            slug,
          ]);
          set('slug', slug);
        }
      }
      await client.query(`UPDATE pastes SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1`, params);
      return true;
    });
    return updated ? this.findById(id) : null;
  }

  async claimForDeletion(id: string): Promise<PasteRecord | null> {
    // One UPDATE: PostgreSQL lets exactly one of concurrent callers see status = 'active'.
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE pastes SET status = 'deleting', updated_at = now() WHERE id = $1 AND status = 'active' RETURNING id`,
      [id],
    );
    if (!rows[0]) return null;
    const paste = await this.findById(id);
    return paste ? { ...paste, status: 'active' } : null;
  }

  async idsOwnedBy(ownerId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM pastes WHERE owner_id = $1 AND status <> 'deleting'`,
      [ownerId],
    );
    return rows.map((r) => r.id);
  }

  async remove(id: string): Promise<void> {
    await this.pool.query('DELETE FROM pastes WHERE id = $1', [id]);
  }
}
