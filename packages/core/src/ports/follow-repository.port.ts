import type { Follow, FollowCursor, FollowEntry } from '../follows/follow.js';
import type { OutboxEvent } from './image-repository.port.js';

/** Follows between accounts, in the SQL database of the accounts. */
export interface FollowRepository {
  /**
   * Starts following, or changes `notify` of an existing follow (its start time stays). `onCreate`
   * events are written to the outbox in the same transaction, only when the follow is new, so a
   * repeated PUT announces nothing twice.
   */
  upsert(follow: Follow, onCreate?: readonly OutboxEvent[]): Promise<'created' | 'updated'>;
  /**
   * Turns notifications of an existing follow off (or on); never creates a follow, so a follow
   * removed meanwhile stays removed. False when there was no such follow.
   */
  setNotify(followerId: string, followeeId: string, notify: boolean): Promise<boolean>;
  /** False when there was no such follow. */
  remove(followerId: string, followeeId: string): Promise<boolean>;
  find(followerId: string, followeeId: string): Promise<Follow | null>;
  /** Active accounts following `accountId`, newest follow first, strictly after the cursor. */
  listFollowers(accountId: string, options: { limit: number; after?: FollowCursor }): Promise<FollowEntry[]>;
  /** Active accounts `accountId` follows, newest follow first, strictly after the cursor. */
  listFollowing(accountId: string, options: { limit: number; after?: FollowCursor }): Promise<FollowEntry[]>;
  /** Followers and followees that are active accounts. */
  counts(accountId: string): Promise<{ followers: number; following: number }>;
}
