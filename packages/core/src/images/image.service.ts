import { setTimeout as sleep } from 'node:timers/promises';
import { ERRORS } from '../errors/errors.js';
import { isAppError } from '../errors/app-error.js';
import type { Cache } from '../ports/cache.port.js';
import type { ImageInspector } from '../ports/image-inspector.port.js';
import type { ImageRepository, ListCursor, OutboxEvent } from '../ports/image-repository.port.js';
import type { ObjectStore } from '../ports/object-store.port.js';
import { hashDeleteToken, deleteTokenMatches, isImageId, newDeleteToken, newImageId } from '../shared/ids.js';
import { resolveExpiry, type ExpiryPolicy } from '../shared/ttl.js';
import { isOutage, ownerGoneOr } from '../shared/outage.js';
import { cacheLifetimeSeconds } from '../shared/lifetime.js';
import {
  FORMAT_INFO,
  isVisible,
  type ImageFormat,
  type ImageRecord,
  type NewImage,
  type VariantRecord,
  type Visibility,
} from './image.js';
import { moveForVisibility, moveObject, publicObjectKeys, withholdObjects } from './public-objects.js';
import { publicCacheControl, storageKeys } from './storage-keys.js';
import { notificationOutboxEvent } from '../notifications/notification-event.js';
import { TOPICS } from './topics.js';
import { planOutputs, type PlannedOutput, type VariantSettings } from './variant-plan.js';
import { decodeImageRecord, encodeImageRecord } from './image.codec.js';

export interface ImageServiceSettings {
  expiry: ExpiryPolicy;
  variants: VariantSettings;
  /** How long a direct-link request waits for an output that is still being made. */
  serveWaitMs: number;
  /** How often a waiting request looks again. */
  servePollMs: number;
  cacheTtlSeconds: number;
}

export interface ImageServiceDeps {
  images: ImageRepository;
  objects: ObjectStore;
  cache: Cache;
  inspector: ImageInspector;
  settings: ImageServiceSettings;
  clock?: () => Date;
  /** Called after an upload transaction commits, so an in-process relay can publish at once. */
  onEventsCommitted?: () => void;
}

export interface UploadOptions {
  expiresIn?: string;
  title?: string;
  visibility?: Visibility;
  watermark?: string;
  /** The signed-in uploader; absent for anonymous uploads. */
  ownerId?: string;
  /** The uploader's username: a public upload with an owner tells their followers (one event per request). */
  ownerUsername?: string;
}

export interface ImageChanges {
  title?: string | null;
  visibility?: Visibility;
  /** A new time to live from now (`never` clears the expiry), bounded like uploads. */
  expiresIn?: string;
}

export interface UploadContext {
  requestId?: string;
  /** Propagation headers (trace context) copied onto the outbox event. */
  headers?: Record<string, string>;
}

export interface UploadedImage {
  image: ImageRecord;
  deleteToken: string;
}

export interface ServableOutput {
  image: ImageRecord;
  output: VariantRecord;
  /** Where the output is stored (`private/…` for a private image). */
  storedKey: string;
}

/**
 * Who reads an image. A private image is found for its owner only (an admin acts on it through
 * the owner-or-admin use cases, not by reading it); `trusted` is for callers that checked access
 * themselves (an open share link, the owner check of a share).
 */
export interface ImageReader {
  accountId?: string | undefined;
  trusted?: boolean;
}

/** The cache key of an image's row: made here only, so every invalidation hits the same entry. */
export const imageCacheKey = (id: string): string => `image:${id}`;

/** Drops an image's cached row, after it changed; for every use case that changes an image. */
export function forgetCachedImage(cache: Cache, id: string): Promise<void> {
  return cache.delete(imageCacheKey(id));
}

/** The use cases of images: upload, read, list, serve and delete. */
/**
 * A visibility move's claim older than this is taken to be a crashed request's and taken over
 * (moves are safe to repeat). A move of an image's dozen objects takes well under a second.
 */
export const VISIBILITY_MOVE_STALE_SECONDS = 60;

export class ImageService {
  private readonly clock: () => Date;

  constructor(private readonly deps: ImageServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /**
   * Validates every file before storing any; stores the originals, then inserts every row and
   * its outbox event in one transaction. If that transaction fails, the stored originals are
   * deleted again: no object is left without its row.
   */
  async upload(
    files: readonly Buffer[],
    options: UploadOptions,
    context: UploadContext = {},
  ): Promise<UploadedImage[]> {
    if (files.length === 0) throw ERRORS.noFile();
    if (options.visibility === 'private' && !options.ownerId) {
      throw ERRORS.authenticationRequired('A private image needs an owner: sign in, or send a personal API token.');
    }
    const now = this.clock();
    const expiresAt = resolveExpiry(options.expiresIn, this.deps.settings.expiry, now);
    const inspected = [];
    for (const bytes of files) {
      if (bytes.length === 0) throw ERRORS.emptyFile();
      inspected.push(await this.deps.inspector.inspect(bytes));
    }

    const uploads: UploadedImage[] = [];
    const rows: NewImage[] = [];
    const stored: string[] = [];
    try {
      for (const [index, bytes] of files.entries()) {
        const info = inspected[index]!;
        const deleteToken = newDeleteToken();
        const row: NewImage = {
          id: newImageId(),
          format: info.format,
          width: info.width,
          height: info.height,
          bytes: bytes.length,
          frames: info.frames,
          hasAlpha: info.hasAlpha,
          title: options.title ?? null,
          visibility: options.visibility ?? 'public',
          watermark: options.watermark ?? null,
          expiresAt,
          deleteTokenHash: hashDeleteToken(deleteToken),
          createdAt: now,
          ownerId: options.ownerId ?? null,
        };
        const key = storageKeys.original(row.id);
        await this.withDependency('objects', () => this.deps.objects.put(key, bytes, FORMAT_INFO[info.format].mime));
        stored.push(key);
        rows.push(row);
        uploads.push({ image: toPendingRecord(row), deleteToken });
      }
      const events: OutboxEvent[] = rows.map((row) => ({
        topic: TOPICS.imageUploaded,
        key: row.id,
        payload: { imageId: row.id },
        headers: { ...context.headers, ...(context.requestId ? { 'x-request-id': context.requestId } : {}) },
      }));
      const first = rows[0];
      if (first && first.ownerId && options.ownerUsername && first.visibility === 'public') {
        // In the same transaction as the images: no notification of an upload that did not happen.
        events.push(
          notificationOutboxEvent(
            'image.published',
            first.ownerId,
            { id: first.ownerId, username: options.ownerUsername },
            { imageId: first.id, count: String(rows.length), ...(first.title ? { title: first.title } : {}) },
            now,
          ),
        );
      }
      await this.withDependency('database', () => this.deps.images.insertWithEvents(rows, events));
    } catch (error) {
      await this.deps.objects.delete(stored).catch(() => {
        // The orphan sweep removes originals without rows; the client still gets the real error.
      });
      throw ownerGoneOr(error, options.ownerId);
    }
    this.deps.onEventsCommitted?.();
    return uploads;
  }

  /**
   * A visible image (pending, ready or failed), or IMAGE_NOT_FOUND. A private one is found for its
   * owner only; anyone else gets the very answer of a missing image.
   */
  async get(id: string, reader: ImageReader = {}): Promise<ImageRecord> {
    if (!isImageId(id)) throw ERRORS.imageNotFound();
    const now = this.clock();
    const cached = await this.deps.cache.get(imageCacheKey(id)).catch(() => undefined);
    if (cached !== undefined) {
      const image = decodeImageRecord(cached);
      if (isVisible(image, now) && mayRead(image, reader)) return image;
      throw ERRORS.imageNotFound();
    }
    const image = await this.withDependency('database', () => this.deps.images.findById(id));
    if (!image || !isVisible(image, now) || !mayRead(image, reader)) throw ERRORS.imageNotFound();
    if (image.status === 'ready') await this.cacheReady(image, now);
    return image;
  }

  async list(options: { limit: number; after?: ListCursor }): Promise<ImageRecord[]> {
    return this.withDependency('database', () =>
      this.deps.images.listPublic({
        limit: options.limit,
        now: this.clock(),
        ...(options.after ? { after: options.after } : {}),
      }),
    );
  }

  /** The images of one account, every visibility, newest first. */
  async listOwned(ownerId: string, options: { limit: number; after?: ListCursor }): Promise<ImageRecord[]> {
    return this.withDependency('database', () =>
      this.deps.images.listByOwner(ownerId, {
        limit: options.limit,
        now: this.clock(),
        ...(options.after ? { after: options.after } : {}),
      }),
    );
  }

  /**
   * Title, visibility or expiry, changed by the owner (or an admin). Into or out of `private`, the
   * outputs move first (`public/` ↔ `private/`, each copied before its old copy is deleted), then
   * the row changes: an interrupted change leaves the row as it was and the same request, repeated,
   * finishes the move. While the worker is still writing outputs the change is refused (409).
   */
  async update(id: string, actor: { accountId: string; admin: boolean }, changes: ImageChanges): Promise<ImageRecord> {
    const image = await this.findVisible(id);
    refuseUnlessOwner(image, actor);
    const now = this.clock();
    const details = {
      ...(changes.title !== undefined ? { title: changes.title } : {}),
      ...(changes.visibility !== undefined ? { visibility: changes.visibility } : {}),
      ...(changes.expiresIn !== undefined
        ? { expiresAt: resolveExpiry(changes.expiresIn, this.deps.settings.expiry, now) }
        : {}),
    };
    const to = changes.visibility;
    if (to === undefined) return this.writeDetails(id, details, false);
    // A visibility change decides from the row as it is once this request alone may move the
    // image's objects: two opposite changes at once must not leave the row saying private while
    // the objects sit under public/ (or the reverse).
    const claimed = await this.withDependency('database', () =>
      this.deps.images.claimVisibilityMove(id, VISIBILITY_MOVE_STALE_SECONDS),
    );
    if (claimed === null) throw ERRORS.imageNotFound();
    if (claimed === 'busy') throw ERRORS.visibilityChangeInProgress();
    try {
      if ((to === 'private') !== (claimed.visibility === 'private')) {
        if (to === 'private' && claimed.ownerId === null) throw ERRORS.privateNeedsOwner();
        if (claimed.status === 'pending') throw ERRORS.visibilityChangeWhileProcessing();
        await forgetCachedImage(this.deps.cache, id).catch(() => undefined);
        await this.withDependency('objects', () =>
          moveForVisibility(this.deps.objects, claimed, this.deps.settings.variants, to),
        );
      }
      return await this.writeDetails(id, details, true);
    } catch (error) {
      await this.deps.images.releaseVisibilityMove(id).catch(() => undefined);
      throw error;
    }
  }

  private async writeDetails(
    id: string,
    details: Parameters<ImageRepository['updateDetails']>[1],
    finishMove: boolean,
  ): Promise<ImageRecord> {
    const updated = await this.withDependency('database', () =>
      this.deps.images.updateDetails(id, details, { finishMove }),
    );
    if (!updated) throw ERRORS.imageNotFound();
    await forgetCachedImage(this.deps.cache, id).catch(() => undefined);
    return updated;
  }

  /** Deleted by its owner (or an admin), without the delete token. */
  async deleteAsOwner(id: string, actor: { accountId: string; admin: boolean }): Promise<void> {
    const image = await this.findVisible(id);
    refuseUnlessOwner(image, actor);
    await this.claimAndPurge(id);
  }

  /** Every image of an account, through the ordinary delete path (account deletion). */
  async deleteAllOf(ownerId: string): Promise<number> {
    const ids = await this.withDependency('database', () => this.deps.images.idsOwnedBy(ownerId));
    let deleted = 0;
    for (const id of ids) {
      const claimed = await this.withDependency('database', () => this.deps.images.markDeleting(id));
      if (!claimed) continue;
      await forgetCachedImage(this.deps.cache, id).catch(() => undefined);
      await this.purge(claimed);
      deleted++;
    }
    return deleted;
  }

  /**
   * Hides every image of a (blocked) owner from the edge: each public object moves to
   * `withheld/`, so storage, and with it the edge, answers 404. Cached rows are dropped, so the
   * api's answers change at once. Safe to repeat; returns how many objects moved.
   */
  async withholdAllOf(ownerId: string): Promise<number> {
    const ids = await this.withDependency('database', () => this.deps.images.idsOwnedBy(ownerId));
    let moved = 0;
    for (const id of ids) {
      await forgetCachedImage(this.deps.cache, id).catch(() => undefined);
      const image = await this.withDependency('database', () => this.deps.images.findById(id));
      if (!image) continue;
      const keys = await this.withDependency('objects', () =>
        publicObjectKeys(this.deps.objects, image, this.deps.settings.variants),
      );
      moved += await this.withDependency('objects', () => withholdObjects(this.deps.objects, keys));
    }
    return moved;
  }

  /** Puts every withheld object of an (unblocked) owner back under `public/`. Safe to repeat. */
  async restoreAllOf(ownerId: string): Promise<number> {
    const ids = await this.withDependency('database', () => this.deps.images.idsOwnedBy(ownerId));
    let moved = 0;
    for (const id of ids) {
      await forgetCachedImage(this.deps.cache, id).catch(() => undefined);
      const image = await this.withDependency('database', () => this.deps.images.findById(id));
      if (!image) continue;
      const withheld: string[] = [];
      await this.withDependency('objects', async () => {
        for await (const object of this.deps.objects.list(storageKeys.withheldPrefix(id))) withheld.push(object.key);
      });
      for (const key of withheld) {
        const back = storageKeys.unwithheld(key);
        if (
          await this.withDependency('objects', () =>
            moveObject(this.deps.objects, key, back, publicCacheControl(image)),
          )
        ) {
          moved++;
        }
      }
    }
    return moved;
  }

  /** The outputs this image will have once processed. */
  plannedOutputs(image: ImageRecord): PlannedOutput[] {
    return planOutputs(image, this.deps.settings.variants);
  }

  /**
   * Finds a servable output (`display` or a variant name, in a format). If the image is still
   * pending and the output is planned, waits up to serveWaitMs for the worker to record it.
   * `reader` may be a lookup of who asks: it is called only for a private image, so a public read
   * costs no session lookup, and the image is read once either way.
   */
  async resolveOutput(
    id: string,
    name: string,
    format: ImageFormat,
    reader: ImageReader | (() => Promise<ImageReader>) = {},
  ): Promise<ServableOutput> {
    const deadline = Date.now() + this.deps.settings.serveWaitMs;
    let image = await this.get(id, { trusted: true });
    if (typeof reader === 'function') reader = image.visibility === 'private' ? await reader() : {};
    // Refused, a private image gets the very answer of a missing one.
    if (!mayRead(image, reader)) throw ERRORS.imageNotFound();
    const planned = this.plannedOutputs(image).some((o) => o.name === name && o.format === format);
    if (!planned) throw ERRORS.imageNotFound();
    for (;;) {
      const output = image.variants.find((v) => v.name === name && v.format === format);
      if (output) return { image, output, storedKey: storageKeys.stored(image.visibility, output.key) };
      if (image.status !== 'pending') throw ERRORS.imageNotFound();
      if (Date.now() >= deadline) throw ERRORS.imageNotReady();
      await sleep(this.deps.settings.servePollMs);
      image = await this.get(id, reader);
    }
  }

  /**
   * Deletes with the token shown at upload. The row turns `deleting` first, so a worker still
   * processing it cannot mark it ready; then every object goes; then the row.
   */
  async delete(id: string, token: string): Promise<void> {
    // A token matches only an image that is there: for an id that names none (any more), every
    // token is wrong, and the answer does not tell whether the id ever existed. An expired image
    // the cleanup has not reached yet is still there for its token: its holder asks for what the
    // cleanup would do anyway, and gets it now.
    if (!isImageId(id)) throw ERRORS.invalidDeleteToken();
    const image = await this.withDependency('database', () => this.deps.images.findById(id));
    if (!image || image.status === 'deleting' || image.ownerBlocked === true) throw ERRORS.invalidDeleteToken();
    if (!deleteTokenMatches(token, image.deleteTokenHash)) throw ERRORS.invalidDeleteToken();
    await this.claimAndPurge(id);
  }

  private async findVisible(id: string): Promise<ImageRecord> {
    if (!isImageId(id)) throw ERRORS.imageNotFound();
    const image = await this.withDependency('database', () => this.deps.images.findById(id));
    if (!image || !isVisible(image, this.clock())) throw ERRORS.imageNotFound();
    return image;
  }

  private async claimAndPurge(id: string): Promise<void> {
    const claimed = await this.withDependency('database', () => this.deps.images.markDeleting(id));
    if (!claimed) throw ERRORS.imageNotFound();
    await forgetCachedImage(this.deps.cache, id).catch(() => undefined);
    await this.purge(claimed);
  }

  /** Removes every object of an image, then its row. Safe to repeat. */
  async purge(image: Pick<ImageRecord, 'id' | 'format' | 'hasAlpha' | 'width'>): Promise<void> {
    await this.withDependency('objects', async () => {
      const keys = await publicObjectKeys(this.deps.objects, image, this.deps.settings.variants);
      await this.deps.objects.delete([...keys, storageKeys.original(image.id)]);
    });
    await this.withDependency('database', () => this.deps.images.remove(image.id));
  }

  async invalidate(id: string): Promise<void> {
    await forgetCachedImage(this.deps.cache, id);
  }

  private async cacheReady(image: ImageRecord, now: Date): Promise<void> {
    const ttl = cacheLifetimeSeconds(image, now, this.deps.settings.cacheTtlSeconds);
    if (ttl < 1) return;
    await this.deps.cache.set(imageCacheKey(image.id), encodeImageRecord(image), ttl).catch(() => undefined);
  }

  private async withDependency<T>(name: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      // Only a dependency that cannot answer is an outage; one that refuses a value shows a hole
      // in validation, which must stay a loud 500, not a 503 that tells clients to retry.
      if (isAppError(error) || !isOutage(error)) throw error;
      throw ERRORS.dependencyUnavailable(name, error);
    }
  }
}

function mayRead(image: Pick<ImageRecord, 'visibility' | 'ownerId'>, reader: ImageReader): boolean {
  if (image.visibility !== 'private' || reader.trusted === true) return true;
  return image.ownerId !== null && reader.accountId === image.ownerId;
}

function toPendingRecord(row: NewImage): ImageRecord {
  return {
    ...row,
    status: 'pending',
    placeholder: null,
    variants: [],
    failureReason: null,
    attempts: 0,
    processedAt: null,
    ownerId: row.ownerId ?? null,
    ownerBlocked: false,
    views: 0,
  };
}

/**
 * Changes and deletes without the delete token are the owner's (or an admin's). Refused on a
 * private image, the answer is that of a missing one, so it does not tell the image exists.
 */
function refuseUnlessOwner(
  image: Pick<ImageRecord, 'visibility' | 'ownerId'>,
  actor: { accountId: string; admin: boolean },
): void {
  if (image.ownerId === actor.accountId || actor.admin) return;
  throw image.visibility === 'private' ? ERRORS.imageNotFound() : ERRORS.notOwner();
}
