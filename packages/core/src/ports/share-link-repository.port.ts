export interface ShareLinkRecord {
  id: string;
  imageId: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** Share links of images, found by the SHA-256 of their token. */
export interface ShareLinkRepository {
  create(link: Omit<ShareLinkRecord, 'createdAt' | 'revokedAt'> & { tokenHash: Buffer }): Promise<ShareLinkRecord>;
  findByTokenHash(tokenHash: Buffer): Promise<ShareLinkRecord | null>;
  /** Marks the link revoked; false when the image has no such link. */
  revoke(imageId: string, id: string, at: Date): Promise<boolean>;
}
