/** One account following another; `notify` asks for a notification when the followee publishes. */
export interface Follow {
  followerId: string;
  followeeId: string;
  notify: boolean;
  createdAt: Date;
}

/** An entry of a followers or following page: the other account, as the public may see it. */
export interface FollowEntry {
  account: { id: string; username: string };
  notify: boolean;
  /** When the follow began; with the account id, the page's cursor. */
  createdAt: Date;
}

/** Where the next page starts: the last entry's follow time and account id. */
export interface FollowCursor {
  createdAt: Date;
  accountId: string;
}
