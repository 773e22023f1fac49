import { ERRORS } from '../errors/errors.js';
import { notificationOutboxEvent } from '../notifications/notification-event.js';
import { isAppError } from '../errors/app-error.js';
import type { Visibility } from '../images/image.js';
import type { Cache } from '../ports/cache.port.js';
import type { ListCursor } from '../ports/image-repository.port.js';
import type { ObjectStore } from '../ports/object-store.port.js';
import type { PasteRepository } from '../ports/paste-repository.port.js';
import { deleteTokenMatches, hashDeleteToken, newDeleteToken } from '../shared/ids.js';
import { cacheLifetimeSeconds } from '../shared/lifetime.js';
import { resolveExpiry, type ExpiryPolicy } from '../shared/ttl.js';
import { decodeCachedPaste, encodeCachedPaste } from './paste.codec.js';
import { slugBaseFor } from './paste-slug.js';
import { ownerGoneOr } from '../shared/outage.js';
import {
  PASTE_TOPICS,
  checkPasteText,
  decodePasteText,
  isPasteId,
  isPasteLanguage,
  isPasteVisible,
  newPasteId,
  normalisePasteTitle,
  pasteObjectKey,
  type NewPaste,
  type PasteLanguage,
  type PasteRecord,
} from './paste.js';

export interface PasteServiceSettings {
  expiry: ExpiryPolicy;
  /** MAX_PASTE_BYTES: the largest text, in UTF-8 bytes. */
  maxBytes: number;
  /** Longest a paste stays in the cache (shortened to its remaining life). */
  cacheTtlSeconds: number;
}

/** What the service reports as it works (Prometheus counters); every callback optional. */
export interface PasteServiceObserver {
  created?(): void;
  read?(source: 'cache' | 'database'): void;
  burnt?(): void;
}

export interface PasteServiceDeps {
  pastes: PasteRepository;
  objects: ObjectStore;
  cache: Cache;
  settings: PasteServiceSettings;
  observer?: PasteServiceObserver;
  clock?: () => Date;
  /** Called after a create commits, so an in-process relay can publish at once. */
  onEventsCommitted?: () => void;
}

export interface NewPasteInput {
  /** The bytes as sent (raw bodies) or the decoded string (JSON bodies). */
  text: Buffer | string;
  title?: string | null;
  language?: string | null;
  expiresIn?: string;
  visibility?: Visibility;
  burnAfterReading?: boolean;
  /** The signed-in author; absent for anonymous pastes. */
  ownerId?: string;
  /** The author's username: with it, a public paste tells the author's followers. */
  ownerUsername?: string;
}

export interface CreatedPaste {
  paste: PasteRecord;
  /** Shown once; only its hash is stored. */
  deleteToken: string;
}

/** Who reads: the author never burns their own paste, and previews never burn at all. */
export interface Reader {
  accountId?: string;
  /** Access was checked by the caller (an open share link): a private paste is found too. */
  trusted?: boolean;
  /** HEAD, `Purpose: prefetch`, crawlers and link previewers. */
  preview: boolean;
}

export interface PasteRead {
  paste: PasteRecord;
  /** Null when a preview asked for a burn-after-reading paste: its text is kept for a reader. */
  text: string | null;
  /** This read burnt the paste: it is gone for everyone else. */
  burnt: boolean;
}

/** Who changes or deletes: the author (or an admin), or whoever holds the delete token. */
export type PasteActor = { accountId: string; admin: boolean } | { deleteToken: string };

export interface PasteChanges {
  title?: string | null;
  language?: string | null;
  visibility?: Visibility;
  expiresIn?: string;
}

const cacheKey = (id: string) => `paste:${id}`;

/** The use cases of text pastes: create, read (and burn), list, change, delete, purge. */
export class PasteService {
  private readonly clock: () => Date;

  constructor(private readonly deps: PasteServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /**
   * Stores the text under `pastes/<id>`, then inserts the row and its `pictor.pastes.created`
   * event in one transaction. If that transaction fails, the object is deleted again.
   */
  async create(input: NewPasteInput, context: { requestId?: string; headers?: Record<string, string> } = {}) {
    const { maxBytes } = this.deps.settings;
    const bytes =
      typeof input.text === 'string'
        ? checkPasteText(input.text, maxBytes)
        : (decodePasteText(input.text, maxBytes), input.text);
    const title = normalisePasteTitle(input.title);
    const language = parseLanguage(input.language);
    if (input.visibility === 'private' && !input.ownerId) {
      throw ERRORS.authenticationRequired('A private paste needs an author: sign in, or send a personal API token.');
    }
    const now = this.clock();
    const expiresAt = resolveExpiry(input.expiresIn, this.deps.settings.expiry, now);
    const id = newPasteId();
    const deleteToken = newDeleteToken();
    const row: NewPaste = {
      id,
      title,
      slugBase: input.ownerId ? slugBaseFor(title, id) : null,
      language,
      visibility: input.visibility ?? 'public',
      burnAfterReading: input.burnAfterReading ?? false,
      bytes: bytes.length,
      createdAt: now,
      expiresAt,
      deleteTokenHash: hashDeleteToken(deleteToken),
      ownerId: input.ownerId ?? null,
    };
    const key = pasteObjectKey(id);
    await this.withDependency('objects', () => this.deps.objects.put(key, bytes, 'text/plain; charset=utf-8'));
    // In the same transaction as the paste: no notification of a paste that was not made. Unlisted
    // and anonymous pastes tell nobody.
    const notifications =
      row.ownerId && input.ownerUsername && row.visibility === 'public'
        ? [
            notificationOutboxEvent(
              'paste.published',
              row.ownerId,
              { id: row.ownerId, username: input.ownerUsername },
              { pasteId: id, ...(title ? { title } : {}), ...(language ? { language } : {}) },
              now,
            ),
          ]
        : [];
    let paste: PasteRecord;
    try {
      paste = await this.withDependency('database', () =>
        this.deps.pastes.insertWithEvent(
          row,
          {
            topic: PASTE_TOPICS.created,
            key: id,
            payload: { pasteId: id, ownerId: row.ownerId },
            headers: { ...context.headers, ...(context.requestId ? { 'x-request-id': context.requestId } : {}) },
          },
          ...notifications,
        ),
      );
    } catch (error) {
      await this.deps.objects.delete([key]).catch(() => {
        // The orphan sweep removes objects without rows; the client still gets the real error.
      });
      throw ownerGoneOr(error, row.ownerId);
    }
    this.deps.onEventsCommitted?.();
    this.deps.observer?.created?.();
    return { paste, deleteToken } satisfies CreatedPaste;
  }

  /**
   * The metadata of a readable paste, without reading (or burning) it. A private paste is found
   * for its author only (or a trusted caller); anyone else gets the answer of a missing paste.
   */
  async peek(id: string, reader: Omit<Reader, 'preview'> = {}): Promise<PasteRecord> {
    if (!isPasteId(id)) throw ERRORS.pasteNotFound();
    const now = this.clock();
    const cached = await this.fromCache(id);
    if (cached) {
      if (!isPasteVisible(cached.paste, now) || !mayReadPaste(cached.paste, reader)) throw ERRORS.pasteNotFound();
      return cached.paste;
    }
    const paste = await this.withDependency('database', () => this.deps.pastes.findById(id));
    if (!paste || !isPasteVisible(paste, now) || !mayReadPaste(paste, reader)) throw ERRORS.pasteNotFound();
    return paste;
  }

  /**
   * A full read. A hot paste comes from the cache alone (no database, no object storage).
   * Burn-after-reading pastes are never cached: the first reader who is neither the author nor
   * a preview claims the row atomically (exactly one of racing readers wins), gets the text, and
   * the object and row are deleted before the answer; the others get PASTE_NOT_FOUND.
   */
  async read(id: string, reader: Reader): Promise<PasteRead> {
    if (!isPasteId(id)) throw ERRORS.pasteNotFound();
    const now = this.clock();
    const cached = await this.fromCache(id);
    if (cached) {
      if (!isPasteVisible(cached.paste, now) || !mayReadPaste(cached.paste, reader)) throw ERRORS.pasteNotFound();
      this.deps.observer?.read?.('cache');
      return { paste: cached.paste, text: cached.text, burnt: false };
    }
    const paste = await this.withDependency('database', () => this.deps.pastes.findById(id));
    if (!paste || !isPasteVisible(paste, now) || !mayReadPaste(paste, reader)) throw ERRORS.pasteNotFound();
    return this.readFound(paste, reader, now);
  }

  /**
   * The paste at `/<username>/<slug>`. `redirectTo` is set when the slug is an old one (the paste
   * was renamed): the caller redirects there instead of answering.
   */
  async findBySlug(
    username: string,
    slug: string,
    reader: Omit<Reader, 'preview'> = {},
  ): Promise<{ paste: PasteRecord; redirectTo?: string }> {
    const found = await this.withDependency('database', () =>
      this.deps.pastes.findBySlug(username.toLowerCase(), slug),
    );
    if (!found || !isPasteVisible(found.paste, this.clock()) || !mayReadPaste(found.paste, reader)) {
      throw ERRORS.pasteNotFound();
    }
    if (found.redirected || found.paste.ownerUsername !== username) {
      return { paste: found.paste, redirectTo: `/${found.paste.ownerUsername}/${found.paste.slug}` };
    }
    return { paste: found.paste };
  }

  async list(options: { limit: number; after?: ListCursor }): Promise<PasteRecord[]> {
    return this.withDependency('database', () =>
      this.deps.pastes.listPublic({ limit: options.limit, now: this.clock(), ...optionalAfter(options.after) }),
    );
  }

  /** An author's pastes: all of them for the author, public ones for everyone else. */
  async listOf(
    ownerId: string,
    options: { limit: number; after?: ListCursor; includeUnlisted: boolean },
  ): Promise<PasteRecord[]> {
    return this.withDependency('database', () =>
      this.deps.pastes.listByOwner(ownerId, {
        limit: options.limit,
        now: this.clock(),
        includeUnlisted: options.includeUnlisted,
        ...optionalAfter(options.after),
      }),
    );
  }

  /** Title (and with it the slug), language, visibility or expiry; the cache entry goes first. */
  async update(id: string, actor: PasteActor, changes: PasteChanges): Promise<PasteRecord> {
    const paste = await this.authorise(id, actor);
    if (changes.visibility === 'private' && paste.ownerId === null) {
      throw ERRORS.privateNeedsOwner();
    }
    const now = this.clock();
    const title = changes.title !== undefined ? normalisePasteTitle(changes.title) : undefined;
    const updated = await this.withDependency('database', () =>
      this.deps.pastes.updateDetails(id, {
        ...(title !== undefined ? { title, ...(paste.ownerId ? { slugBase: slugBaseFor(title, paste.id) } : {}) } : {}),
        ...(changes.language !== undefined ? { language: parseLanguage(changes.language) } : {}),
        ...(changes.visibility !== undefined ? { visibility: changes.visibility } : {}),
        ...(changes.expiresIn !== undefined
          ? { expiresAt: resolveExpiry(changes.expiresIn, this.deps.settings.expiry, now) }
          : {}),
      }),
    );
    if (!updated) throw ERRORS.pasteNotFound();
    await this.invalidate(id);
    return updated;
  }

  /** Deletes by the author (or an admin) or with the delete token; gone from the cache before it returns. */
  async delete(id: string, actor: PasteActor): Promise<void> {
    await this.authorise(id, actor);
    const claimed = await this.withDependency('database', () => this.deps.pastes.claimForDeletion(id));
    if (!claimed) throw ERRORS.pasteNotFound();
    await this.invalidate(id);
    await this.purge(id);
  }

  /** Every paste of an account, through the ordinary delete path (account deletion). */
  async deleteAllOf(ownerId: string): Promise<number> {
    const ids = await this.withDependency('database', () => this.deps.pastes.idsOwnedBy(ownerId));
    let deleted = 0;
    for (const id of ids) {
      const claimed = await this.withDependency('database', () => this.deps.pastes.claimForDeletion(id));
      if (!claimed) continue;
      await this.invalidate(id);
      await this.purge(id);
      deleted++;
    }
    return deleted;
  }

  /** Drops the cached copies of an author's pastes (blocking hides them at once, not after the cache lifetime). */
  async forgetCachedOf(ownerId: string): Promise<number> {
    const ids = await this.withDependency('database', () => this.deps.pastes.idsOwnedBy(ownerId));
    for (const id of ids) await this.invalidate(id);
    return ids.length;
  }

  /** Removes the object, then the row. Safe to repeat. */
  async purge(id: string): Promise<void> {
    await this.withDependency('objects', () => this.deps.objects.delete([pasteObjectKey(id)]));
    await this.withDependency('database', () => this.deps.pastes.remove(id));
  }

  /**
   * Drops the cached copy. A failure here is an error, not a shrug: answering "deleted" while a
   * cache still serves the paste would be a lie.
   */
  async invalidate(id: string): Promise<void> {
    await this.withDependency('cache', () => this.deps.cache.delete(cacheKey(id)));
  }

  private async readFound(paste: PasteRecord, reader: Reader, now: Date): Promise<PasteRead> {
    const isAuthor = paste.ownerId !== null && reader.accountId === paste.ownerId;
    if (paste.burnAfterReading && !isAuthor) {
      if (reader.preview) return { paste, text: null, burnt: false };
      // Read the text first, so a failure of storage loses nothing; then claim the row.
      const text = await this.readText(paste.id);
      const claimed = await this.withDependency('database', () => this.deps.pastes.claimForDeletion(paste.id));
      if (!claimed) throw ERRORS.pasteNotFound();
      this.deps.observer?.read?.('database');
      this.deps.observer?.burnt?.();
      await this.invalidate(paste.id).catch(() => undefined);
      // The row is `deleting`: no one else can read it even if the purge fails; cleanup retries.
      await this.purge(paste.id).catch(() => undefined);
      return { paste: claimed, text, burnt: true };
    }
    const text = await this.readText(paste.id);
    this.deps.observer?.read?.('database');
    if (!paste.burnAfterReading) {
      const ttl = cacheLifetimeSeconds(paste, now, this.deps.settings.cacheTtlSeconds);
      if (ttl >= 1) {
        await this.deps.cache.set(cacheKey(paste.id), encodeCachedPaste({ paste, text }), ttl).catch(() => undefined);
      }
    }
    return { paste, text, burnt: false };
  }

  private async readText(id: string): Promise<string> {
    return this.withDependency('objects', async () => {
      const object = await this.deps.objects.get(pasteObjectKey(id));
      if (!object) throw ERRORS.pasteNotFound();
      const chunks: Buffer[] = [];
      for await (const chunk of object.body)
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString('utf8');
    });
  }

  private async fromCache(id: string) {
    const value = await this.deps.cache.get(cacheKey(id)).catch(() => undefined);
    return value === undefined ? undefined : decodeCachedPaste(value);
  }

  private async authorise(id: string, actor: PasteActor): Promise<PasteRecord> {
    if (!isPasteId(id)) throw ERRORS.pasteNotFound();
    const paste = await this.withDependency('database', () => this.deps.pastes.findById(id));
    if (!paste || !isPasteVisible(paste, this.clock())) throw ERRORS.pasteNotFound();
    // Refused on a private paste, the answer is that of a missing one: it must not tell it exists.
    const hidden = paste.visibility === 'private';
    if ('deleteToken' in actor) {
      if (!deleteTokenMatches(actor.deleteToken, paste.deleteTokenHash)) {
        throw hidden ? ERRORS.pasteNotFound() : ERRORS.invalidDeleteToken();
      }
    } else if (paste.ownerId !== actor.accountId && !actor.admin) {
      throw hidden ? ERRORS.pasteNotFound() : ERRORS.notPasteOwner();
    }
    return paste;
  }

  private async withDependency<T>(name: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (isAppError(error)) throw error;
      throw ERRORS.dependencyUnavailable(name, error);
    }
  }
}

/** Pastes live under `pastes/`, never served by the edge: private is a rule of reading, not of keys. */
function mayReadPaste(paste: Pick<PasteRecord, 'visibility' | 'ownerId'>, reader: Omit<Reader, 'preview'>): boolean {
  if (paste.visibility !== 'private' || reader.trusted === true) return true;
  return paste.ownerId !== null && reader.accountId === paste.ownerId;
}

function parseLanguage(language: string | null | undefined): PasteLanguage | null {
  if (language === undefined || language === null || language === '' || language === 'auto') return null;
  const normalised = language.toLowerCase();
  if (!isPasteLanguage(normalised)) throw ERRORS.validationFailed(`"${language}" is not a supported language.`);
  return normalised;
}

function optionalAfter(after: ListCursor | undefined): { after?: ListCursor } {
  return after ? { after } : {};
}
