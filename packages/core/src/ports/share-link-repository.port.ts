/** What a share link opens: one image or one paste. */
export interface ShareTarget {
  kind: 'image' | 'paste';
  id: string;
}

export interface ShareLinkRecord {
  id: string;
  target: ShareTarget;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** Share links of images and pastes, found by the SHA-256 of their token. */
export interface ShareLinkRepository {
  create(link: Omit<ShareLinkRecord, 'createdAt' | 'revokedAt'> & { tokenHash: Buffer }): Promise<ShareLinkRecord>;
  findByTokenHash(tokenHash: Buffer): Promise<ShareLinkRecord | null>;
  /** Marks the link revoked; false when the image or paste has no such link. */
  revoke(target: ShareTarget, id: string, at: Date): Promise<boolean>;
}
