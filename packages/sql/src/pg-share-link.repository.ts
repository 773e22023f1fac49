import { randomBytes } from 'node:crypto';
import type { ShareLinkRecord, ShareLinkRepository, ShareTarget } from '@pictor/core';
import type { Pool } from './pool.js';

interface ShareLinkRow {
  id: string;
  image_id: string | null;
  paste_id: string | null;
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, image_id, paste_id, created_by, created_at, expires_at, revoked_at';

const toRecord = (row: ShareLinkRow): ShareLinkRecord => ({
  id: row.id,
  target: row.paste_id !== null ? { kind: 'paste', id: row.paste_id } : { kind: 'image', id: row.image_id ?? '' },
  createdBy: row.created_by,
  createdAt: new Date(row.created_at),
  expiresAt: new Date(row.expires_at),
  revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
});

/** Share links of images and pastes in PostgreSQL (and the embedded PGlite): only the token's SHA-256 is stored. */
export class PgShareLinkRepository implements ShareLinkRepository {
  constructor(private readonly pool: Pool) {}

  async create(
    link: Omit<ShareLinkRecord, 'createdAt' | 'revokedAt'> & { tokenHash: Buffer },
  ): Promise<ShareLinkRecord> {
    const { rows } = await this.pool.query<ShareLinkRow>(
      `INSERT INTO share_links (id, image_id, paste_id, token_hash, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [
        link.id,
        link.target.kind === 'image' ? link.target.id : null,
        link.target.kind === 'paste' ? link.target.id : null,
        link.tokenHash,
        link.createdBy,
        link.expiresAt,
      ],
    );
    return toRecord(rows[0]!);
  }

  async findByTokenHash(tokenHash: Buffer): Promise<ShareLinkRecord | null> {
    const { rows } = await this.pool.query<ShareLinkRow>(`SELECT ${COLUMNS} FROM share_links WHERE token_hash = $1`, [
      tokenHash,
    ]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async revoke(target: ShareTarget, id: string, at: Date): Promise<boolean> {
    const column = target.kind === 'paste' ? 'paste_id' : 'image_id';
    const { rowCount } = await this.pool.query(
      `UPDATE share_links SET revoked_at = COALESCE(revoked_at, $3) WHERE ${column} = $1 AND id = $2`,
      [target.id, id, at],
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
