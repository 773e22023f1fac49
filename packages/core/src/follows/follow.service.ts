import { ERRORS } from '../errors/errors.js';
import type { Account } from '../accounts/account.js';
import { USERNAME_PATTERN } from '../accounts/account-policy.js';
import type { AccountRepository } from '../ports/account-repository.port.js';
import type { FollowRepository } from '../ports/follow-repository.port.js';
import { notificationOutboxEvent } from '../notifications/notification-event.js';
import type { Follow, FollowCursor, FollowEntry } from './follow.js';

export interface FollowServiceDeps {
  accounts: Pick<AccountRepository, 'findByLogin'>;
  follows: FollowRepository;
  clock?: () => Date;
}

export interface FollowPage {
  entries: FollowEntry[];
  next: FollowCursor | null;
}

/**
 * Following accounts. Only active accounts can be followed or listed: a blocked or unconfirmed
 * account answers exactly like one that does not exist.
 */
export class FollowService {
  private readonly now: () => Date;

  constructor(private readonly deps: FollowServiceDeps) {
    this.now = deps.clock ?? (() => new Date());
  }

  /** Follows `username` (or changes `notify`); the followee is told of a new follower. */
  async follow(actor: Account, username: string, notify: boolean): Promise<{ follow: Follow; created: boolean }> {
    if (actor.status !== 'active') throw ERRORS.accountBlocked();
    const followee = await this.visible(username);
    if (followee.id === actor.id) throw ERRORS.cannotFollowSelf();
    const now = this.now();
    const existing = await this.deps.follows.find(actor.id, followee.id);
    const follow: Follow = {
      followerId: actor.id,
      followeeId: followee.id,
      notify,
      createdAt: existing?.createdAt ?? now,
    };
    const outcome = await this.deps.follows.upsert(follow, [
      notificationOutboxEvent('follower.new', followee.id, { id: actor.id, username: actor.username }, {}, now),
    ]);
    return { follow, created: outcome === 'created' };
  }

  /** Stops following; unfollowing someone not followed is not an error (the end state holds). */
  async unfollow(actor: Account, username: string): Promise<void> {
    const followee = await this.visible(username);
    await this.deps.follows.remove(actor.id, followee.id);
  }

  /** Whether `actor` follows `username`, and with notifications on. */
  async status(actor: Account, username: string): Promise<Follow | null> {
    const followee = await this.visible(username);
    return this.deps.follows.find(actor.id, followee.id);
  }

  async followers(username: string, limit: number, after?: FollowCursor): Promise<FollowPage> {
    const account = await this.visible(username);
    return page(
      await this.deps.follows.listFollowers(account.id, { limit: limit + 1, ...(after ? { after } : {}) }),
      limit,
    );
  }

  async following(username: string, limit: number, after?: FollowCursor): Promise<FollowPage> {
    const account = await this.visible(username);
    return page(
      await this.deps.follows.listFollowing(account.id, { limit: limit + 1, ...(after ? { after } : {}) }),
      limit,
    );
  }

  async counts(username: string): Promise<{ followers: number; following: number }> {
    return this.deps.follows.counts((await this.visible(username)).id);
  }

  /** The active account with that username; anything else (emails included) is not found. */
  private async visible(username: string): Promise<Account> {
    const name = username.trim().toLowerCase();
    if (!USERNAME_PATTERN.test(name)) throw ERRORS.userNotFound();
    const account = await this.deps.accounts.findByLogin(name);
    if (!account || account.status !== 'active' || account.username !== name) throw ERRORS.userNotFound();
    return account;
  }
}

function page(rows: FollowEntry[], limit: number): FollowPage {
  const entries = rows.slice(0, limit);
  const last = entries.at(-1);
  return {
    entries,
    next: rows.length > limit && last ? { createdAt: last.createdAt, accountId: last.account.id } : null,
  };
}
