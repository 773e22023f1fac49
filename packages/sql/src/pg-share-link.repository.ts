import { randomBytes } from 'node:crypto';
import type { ShareLinkRecord, ShareLinkRepository } from '@pictor/core';
import type { Pool } from './pool.js';

interface ShareLinkRow {
  id: string;
  image_id: string;
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, image_id, created_by, created_at, expires_at, revoked_at';

const toRecord = (row: ShareLinkRow): ShareLinkRecord => ({
  id: row.id,
  imageId: row.image_id,
  createdBy: row.created_by,
  createdAt: new Date(row.created_at),
  expiresAt: new Date(row.expires_at),
  revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
});

/** Share links in PostgreSQL (and the embedded PGlite): only the token's SHA-256 is stored. */
export class PgShareLinkRepository implements ShareLinkRepository {
  constructor(private readonly pool: Pool) {}

  async create(
    link: Omit<ShareLinkRecord, 'createdAt' | 'revokedAt'> & { tokenHash: Buffer },
  ): Promise<ShareLinkRecord> {
    const { rows } = await this.pool.query<ShareLinkRow>(
      `INSERT INTO share_links (id, image_id, token_hash, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [link.id, link.imageId, link.tokenHash, link.createdBy, link.expiresAt],
    );
    return toRecord(rows[0]!);
  }

  async findByTokenHash(tokenHash: Buffer): Promise<ShareLinkRecord | null> {
    const { rows } = await this.pool.query<ShareLinkRow>(`SELECT ${COLUMNS} FROM share_links WHERE token_hash = $1`, [
      tokenHash,
    ]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async revoke(imageId: string, id: string, at: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE share_links SET revoked_at = COALESCE(revoked_at, $3) WHERE image_id = $1 AND id = $2',
      [imageId, id, at],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The stored signing key, made on first use (the first writer wins; everyone reads the same). */
  async signingKey(): Promise<Buffer> {
    await this.pool.query('INSERT INTO share_link_key (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [
      randomBytes(32),
    ]);
    const { rows } = await this.pool.query<{ key: Buffer }>('SELECT key FROM share_link_key WHERE id = 1');
    return Buffer.from(rows[0]!.key);
  }
}
