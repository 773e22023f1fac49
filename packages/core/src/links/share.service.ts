import { ERRORS } from '../errors/errors.js';
import type { ImageRecord } from '../images/image.js';
import type { ImageService } from '../images/image.service.js';
import { newAccountId } from '../accounts/secrets.js';
import type { ShareLinkRecord, ShareLinkRepository } from '../ports/share-link-repository.port.js';
import { newShareToken, shareTokenHash, shareTokenIsAuthentic } from './share-token.js';

export interface ShareServiceDeps {
  images: ImageService;
  links: ShareLinkRepository;
  /** LINK_SIGNING_KEY. */
  signingKey: Buffer;
  clock?: () => Date;
}

/** Longest share link: a year (its visits get fresh presigned URLs, so S3's 7 days do not bind it). */
export const SHARE_MAX_SECONDS = 365 * 86_400;

/**
 * Share links: the owner (or an admin) makes a link that opens one image for anyone until it
 * expires or is revoked. Every failure to open — forged, tampered, unknown, expired, revoked, the
 * image gone — is the same IMAGE_NOT_FOUND, so a link says nothing about why it does not work.
 */
export class ShareService {
  private readonly clock: () => Date;

  constructor(private readonly deps: ShareServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async create(
    imageId: string,
    actor: { accountId: string; admin: boolean },
    expiresInSeconds: number,
  ): Promise<{ link: ShareLinkRecord; token: string }> {
    const image = await this.deps.images.get(imageId);
    if (image.ownerId === null || (image.ownerId !== actor.accountId && !actor.admin)) throw ERRORS.notOwner();
    const token = newShareToken(this.deps.signingKey);
    const link = await this.deps.links.create({
      id: newAccountId(),
      imageId,
      createdBy: actor.accountId === '' ? null : actor.accountId,
      expiresAt: new Date(this.clock().getTime() + expiresInSeconds * 1000),
      tokenHash: shareTokenHash(token),
    });
    return { link, token };
  }

  /** The image a share token opens, or IMAGE_NOT_FOUND. */
  async open(token: string): Promise<ImageRecord> {
    if (!shareTokenIsAuthentic(this.deps.signingKey, token)) throw ERRORS.imageNotFound();
    const link = await this.deps.links.findByTokenHash(shareTokenHash(token));
    if (!link || link.revokedAt !== null || link.expiresAt.getTime() <= this.clock().getTime()) {
      throw ERRORS.imageNotFound();
    }
    return this.deps.images.get(link.imageId);
  }

  async revoke(imageId: string, id: string, actor: { accountId: string; admin: boolean }): Promise<void> {
    const image = await this.deps.images.get(imageId);
    if (image.ownerId !== actor.accountId && !actor.admin) throw ERRORS.notOwner();
    if (!(await this.deps.links.revoke(imageId, id, this.clock()))) throw ERRORS.notFound();
  }
}
