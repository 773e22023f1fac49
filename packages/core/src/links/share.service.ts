import { ERRORS } from '../errors/errors.js';
import { isAppError } from '../errors/app-error.js';
import type { ImageRecord } from '../images/image.js';
import type { ImageService } from '../images/image.service.js';
import type { PasteRecord } from '../pastes/paste.js';
import type { PasteService } from '../pastes/paste.service.js';
import { newAccountId } from '../accounts/secrets.js';
import type { ShareLinkRecord, ShareLinkRepository, ShareTarget } from '../ports/share-link-repository.port.js';
import { newShareToken, shareTokenHash, shareTokenIsAuthentic } from './share-token.js';

export interface ShareServiceDeps {
  images: ImageService;
  /** Pastes; absent: only images are shared. */
  pastes?: PasteService;
  links: ShareLinkRepository;
  /** LINK_SIGNING_KEY. */
  signingKey: Buffer;
  clock?: () => Date;
}

/** Longest share link: a year (its visits get fresh presigned URLs, so S3's 7 days do not bind it). */
export const SHARE_MAX_SECONDS = 365 * 86_400;

/** What an open share link shows. */
export type SharedItem = { kind: 'image'; image: ImageRecord } | { kind: 'paste'; paste: PasteRecord };

type Actor = { accountId: string; admin: boolean };

/**
 * Share links: the owner (or an admin) makes a link that opens one image or paste — private ones
 * included — for anyone until it expires or is revoked. Every failure to open — forged, tampered,
 * unknown, expired, revoked, the item gone — is the same not-found answer of its kind (and
 * IMAGE_NOT_FOUND for a token that names nothing), so a link says nothing about why it does not work.
 */
export class ShareService {
  private readonly clock: () => Date;

  constructor(private readonly deps: ShareServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** A share link of an image (kept for callers that know only images). */
  async create(imageId: string, actor: Actor, expiresInSeconds: number) {
    return this.createFor({ kind: 'image', id: imageId }, actor, expiresInSeconds);
  }

  async createFor(
    target: ShareTarget,
    actor: Actor,
    expiresInSeconds: number,
  ): Promise<{ link: ShareLinkRecord; token: string }> {
    await this.authorise(target, actor);
    const token = newShareToken(this.deps.signingKey);
    const link = await this.deps.links.create({
      id: newAccountId(),
      target,
      createdBy: actor.accountId === '' ? null : actor.accountId,
      expiresAt: new Date(this.clock().getTime() + expiresInSeconds * 1000),
      tokenHash: shareTokenHash(token),
    });
    return { link, token };
  }

  /** The image a share token opens, or IMAGE_NOT_FOUND (a paste's token opens no image). */
  async open(token: string): Promise<ImageRecord> {
    const item = await this.openItem(token);
    if (item.kind !== 'image') throw ERRORS.imageNotFound();
    return item.image;
  }

  /** The image or paste a share token opens, or a not-found error. */
  async openItem(token: string): Promise<SharedItem> {
    if (!shareTokenIsAuthentic(this.deps.signingKey, token)) throw ERRORS.imageNotFound();
    const link = await this.deps.links.findByTokenHash(shareTokenHash(token));
    if (!link || link.revokedAt !== null || link.expiresAt.getTime() <= this.clock().getTime()) {
      throw ERRORS.imageNotFound();
    }
    // The link is the permission: a private item opens for whoever holds it.
    if (link.target.kind === 'paste') {
      if (!this.deps.pastes) throw ERRORS.imageNotFound();
      // One answer for every link that does not open, whatever it named.
      const paste = await this.deps.pastes.peek(link.target.id, { trusted: true }).catch((error: unknown) => {
        throw isAppError(error) && error.code === 'PASTE_NOT_FOUND' ? ERRORS.imageNotFound() : error;
      });
      return { kind: 'paste', paste };
    }
    return { kind: 'image', image: await this.deps.images.get(link.target.id, { trusted: true }) };
  }

  async revoke(imageId: string, id: string, actor: Actor): Promise<void> {
    return this.revokeFor({ kind: 'image', id: imageId }, id, actor);
  }

  async revokeFor(target: ShareTarget, id: string, actor: Actor): Promise<void> {
    await this.authorise(target, actor);
    if (!(await this.deps.links.revoke(target, id, this.clock()))) throw ERRORS.notFound();
  }

  /**
   * Only the owner (or an admin, for items that are not private) shares; to anyone else a private
   * item is missing, as everywhere.
   * A paste deleted once read is not shared: a link that anyone may open many times is its opposite.
   */
  private async authorise(target: ShareTarget, actor: Actor): Promise<void> {
    if (target.kind === 'paste') {
      if (!this.deps.pastes) throw ERRORS.pasteNotFound();
      const paste = await this.deps.pastes.peek(target.id, { accountId: actor.accountId });
      if (paste.ownerId === null || (paste.ownerId !== actor.accountId && !actor.admin)) throw ERRORS.notPasteOwner();
      if (paste.burnAfterReading) {
        throw ERRORS.validationFailed('A paste deleted once read cannot be shared.');
      }
      return;
    }
    const image = await this.deps.images.get(target.id, { accountId: actor.accountId });
    if (image.ownerId === null || (image.ownerId !== actor.accountId && !actor.admin)) throw ERRORS.notOwner();
  }
}
