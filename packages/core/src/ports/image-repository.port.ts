import type { ImageRecord, NewImage, VariantRecord, Visibility } from '../images/image.js';

export interface OutboxEvent {
  topic: string;
  key: string;
  payload: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface ListCursor {
  createdAt: Date;
  id: string;
}

/** Image rows and their outbox, in one SQL database. */
export interface ImageRepository {
  /** Inserts the rows and their outbox events in one transaction: all or nothing. */
  insertWithEvents(images: readonly NewImage[], events: readonly OutboxEvent[]): Promise<void>;
  findById(id: string): Promise<ImageRecord | null>;
  /** Public, visible images, newest first, strictly after the cursor. */
  listPublic(options: { limit: number; after?: ListCursor; now: Date }): Promise<ImageRecord[]>;
  /** Records outputs of a pending image. False when the image is no longer pending. */
  recordVariants(id: string, variants: readonly VariantRecord[], placeholder: string | null): Promise<boolean>;
  /** pending → ready. False when the image is no longer pending (deleted meanwhile). */
  markReady(id: string, variants: readonly VariantRecord[], placeholder: string | null): Promise<boolean>;
  /** pending → failed with a reason. False when the image is no longer pending. */
  markFailed(id: string, reason: string): Promise<boolean>;
  /** Counts one more processing attempt; returns the new count, or null when the row is gone. */
  countAttempt(id: string): Promise<number | null>;
  /** Any visible status → deleting. Returns the row as it was, or null if absent/already deleting. */
  markDeleting(id: string): Promise<ImageRecord | null>;
  /** Visible images of one owner (any visibility), newest first, strictly after the cursor. */
  listByOwner(ownerId: string, options: { limit: number; after?: ListCursor; now: Date }): Promise<ImageRecord[]>;
  /** Ids of every image of the owner that is not already being deleted. */
  idsOwnedBy(ownerId: string): Promise<string[]>;
  /**
   * Changes what the owner may change; null when the row is gone or being deleted. With
   * `finishMove`, also ends the visibility move this caller claimed.
   */
  updateDetails(
    id: string,
    changes: { title?: string | null; visibility?: Visibility; expiresAt?: Date | null },
    options?: { finishMove?: boolean },
  ): Promise<ImageRecord | null>;
  /**
   * Claims the image for a visibility move, so that no two moves of its objects overlap. Returns
   * the row as it is now; `'busy'` while another move's claim is younger than `staleAfterSeconds`
   * (by the database's clock); null when the row is gone or being deleted.
   */
  claimVisibilityMove(id: string, staleAfterSeconds: number): Promise<ImageRecord | 'busy' | null>;
  /** Gives a claimed move up (it failed); harmless when there is none. */
  releaseVisibilityMove(id: string): Promise<void>;
  /** Removes the row for good. */
  remove(id: string): Promise<void>;
  ping(): Promise<void>;
}

export interface PendingOutboxEvent extends OutboxEvent {
  id: string;
}

/** The transactional outbox read by the relay. */
export interface OutboxRepository {
  /**
   * Claims up to `limit` unsent events (FOR UPDATE SKIP LOCKED, oldest first), hands them to
   * `publish`, and marks them sent only if it resolves. Returns how many were sent.
   */
  drain(limit: number, publish: (events: readonly PendingOutboxEvent[]) => Promise<void>): Promise<number>;
  /** Marks events of still-pending images unsent again (after a non-durable bus lost them). */
  requeuePending(): Promise<number>;
  /** Unsent events and the age of the oldest, in seconds. */
  backlog(): Promise<{ count: number; oldestAgeSeconds: number }>;
  /** Forgets events published more than `olderThanSeconds` ago; returns how many. */
  pruneSent(olderThanSeconds: number): Promise<number>;
}
