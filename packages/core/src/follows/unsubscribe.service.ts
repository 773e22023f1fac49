import { ERRORS } from '../errors/errors.js';
import type { AccountRepository } from '../ports/account-repository.port.js';
import type { FollowRepository } from '../ports/follow-repository.port.js';
import { readUnsubscribeToken, unsubscribeToken } from './unsubscribe-token.js';

export interface UnsubscribeServiceDeps {
  accounts: Pick<AccountRepository, 'findById'>;
  follows: Pick<FollowRepository, 'find' | 'setNotify'>;
  /** The server's link signing key (LINK_SIGNING_KEY, or the one kept in the database). */
  key: Buffer;
  /** PUBLIC_URL. */
  site: string;
}

/** What an unsubscribe link's page shows: whom it is about, and whether notify is still on. */
export interface UnsubscribeTarget {
  /** The followed account's name; null when it is gone or no longer active. */
  followee: string | null;
  /** False when the follow is gone or notify is already off. */
  notifying: boolean;
}

/**
 * The one-click unsubscribe of follow-notification emails (RFC 8058): the link in each email and
 * its `List-Unsubscribe` header, read by a page (GET, harmless when a mail scanner fetches it) and
 * used by a POST that turns `notify` off for that one follow.
 */
export class UnsubscribeService {
  constructor(private readonly deps: UnsubscribeServiceDeps) {}

  /** The link of the follow of `followerId` to `followeeId`. */
  url(followerId: string, followeeId: string): string {
    return `${this.deps.site}/unsubscribe/${unsubscribeToken(this.deps.key, followerId, followeeId)}`;
  }

  /** Throws UNSUBSCRIBE_LINK_INVALID for a link the server did not write. */
  async describe(token: string): Promise<UnsubscribeTarget> {
    const { followerId, followeeId } = this.read(token);
    const [follow, followee] = await Promise.all([
      this.deps.follows.find(followerId, followeeId),
      this.deps.accounts.findById(followeeId),
    ]);
    return {
      followee: followee && followee.status === 'active' ? followee.username : null,
      notifying: follow?.notify === true,
    };
  }

  /** Turns notify off for the follow; idempotent, and a follow removed meanwhile stays removed. */
  async unsubscribe(token: string): Promise<UnsubscribeTarget> {
    const { followerId, followeeId } = this.read(token);
    await this.deps.follows.setNotify(followerId, followeeId, false);
    return this.describe(token);
  }

  private read(token: string) {
    const follow = readUnsubscribeToken(this.deps.key, token);
    if (!follow) throw ERRORS.unsubscribeLinkInvalid();
    return follow;
  }
}
