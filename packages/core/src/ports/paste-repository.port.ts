import type { Visibility } from '../images/image.js';
import type { NewPaste, PasteLanguage, PasteRecord } from '../pastes/paste.js';
import type { ListCursor, OutboxEvent } from './image-repository.port.js';

/** Paste rows, their slugs and slug redirects, in the SQL database. */
export interface PasteRepository {
  /**
   * Inserts the row (with the author's first free slug from `slugBase`) and its outbox event (and
   * any further ones: the notification of the author's followers) in one transaction: all or
   * nothing. Returns the row as stored.
   */
  insertWithEvent(paste: NewPaste, event: OutboxEvent, ...more: OutboxEvent[]): Promise<PasteRecord>;
  findById(id: string): Promise<PasteRecord | null>;
  /**
   * The paste at `/<username>/<slug>`: its current slug, or an old one it was renamed from
   * (`redirected` then says so). Null when neither matches.
   */
  findBySlug(username: string, slug: string): Promise<{ paste: PasteRecord; redirected: boolean } | null>;
  /** Public, readable pastes, newest first, strictly after the cursor. */
  listPublic(options: { limit: number; after?: ListCursor; now: Date }): Promise<PasteRecord[]>;
  /** Readable pastes of one author, newest first; only public ones unless `includeUnlisted`. */
  listByOwner(
    ownerId: string,
    options: { limit: number; after?: ListCursor; now: Date; includeUnlisted: boolean },
  ): Promise<PasteRecord[]>;
  /**
   * Changes what the owner may change. A new title gives a new slug (first free one); the old
   * slug keeps redirecting. Null when the row is gone or being deleted.
   */
  updateDetails(
    id: string,
    changes: {
      title?: string | null;
      slugBase?: string | null;
      language?: PasteLanguage | null;
      visibility?: Visibility;
      expiresAt?: Date | null;
    },
  ): Promise<PasteRecord | null>;
  /**
   * active → deleting, atomically: of any number of concurrent callers exactly one gets the row
   * (as it was); the others get null. Used by burn-after-reading and deletes.
   */
  claimForDeletion(id: string): Promise<PasteRecord | null>;
  /** Ids of every paste of the owner that is not already being deleted. */
  idsOwnedBy(ownerId: string): Promise<string[]>;
  /** Removes the row (and its slug redirects) for good. */
  remove(id: string): Promise<void>;
}
