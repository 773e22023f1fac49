import type { FollowCursor } from '../follows/follow.js';

export const DELIVERY_CHANNELS = ['email', 'in-app', 'webhook', 'telegram', 'webhook-all'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** Someone a notification goes to, as the channels need them. */
export interface NotificationRecipient {
  id: string;
  username: string;
  email: string;
  /** Whether notifications also go to `email` (the account's setting; on by default). */
  emailNotifications: boolean;
}

/** An account's choices of channels, beside the per-follow `notify`. */
export interface NotificationSettings {
  /** Notifications by email too (account notices such as reset codes always go). */
  email: boolean;
}

/** A claimed delivery: its id (carried by the channel) and how it stands. */
export interface DeliveryClaim {
  id: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
}

export interface InAppNotification {
  id: string;
  accountId: string;
  eventId: string;
  type: string;
  /** Username of who caused it. */
  actor: string;
  data: Record<string, string>;
  createdAt: Date;
  readAt: Date | null;
}

/** The notifier's records in the SQL database: delivery log, fan-out progress, in-app list. */
export interface NotificationRepository {
  /**
   * The delivery of (event, recipient, channel): inserted as pending with `id` on first sight, or
   * the existing row (with its own id) on every later one.
   */
  claimDelivery(id: string, eventId: string, recipientId: string, channel: DeliveryChannel): Promise<DeliveryClaim>;
  /** Counts an attempt before it is made (so a crash counts too); returns the new count. */
  startAttempt(id: string): Promise<number>;
  /** Why the last attempt failed. */
  recordError(id: string, reason: string): Promise<void>;
  markSent(id: string, at: Date): Promise<void>;
  markFailed(id: string, reason: string, at: Date): Promise<void>;

  /** Where the fan-out of an event stands: not begun (null), after a cursor, or done. */
  fanoutProgress(eventId: string): Promise<{ after: FollowCursor | null; done: boolean } | null>;
  saveFanoutProgress(eventId: string, after: FollowCursor | null, done: boolean): Promise<void>;
  /**
   * Active followers of `accountId` with notify on, newest follow first, strictly after the
   * cursor; each with the cursor that points at it.
   */
  notifiedFollowers(
    accountId: string,
    options: { limit: number; after?: FollowCursor },
  ): Promise<{ recipient: NotificationRecipient; cursor: FollowCursor }[]>;
  /** The active account with that id. */
  recipient(accountId: string): Promise<NotificationRecipient | null>;
  /** Whether `followerId` (still) follows `followeeId`. */
  follows(followerId: string, followeeId: string): Promise<boolean>;

  /** False when the account already has the notification of that event. */
  insertInApp(notification: InAppNotification): Promise<boolean>;
  /** Newest first, strictly before the cursor (created at, id). */
  listInApp(
    accountId: string,
    options: { limit: number; before?: { createdAt: Date; id: string } },
  ): Promise<InAppNotification[]>;
  countUnread(accountId: string): Promise<number>;
  /** Marks those ids (or all, when absent) read; returns how many changed. */
  markRead(accountId: string, ids: readonly string[] | undefined, at: Date): Promise<number>;

  /** The account's channel choices; the defaults when it never chose. */
  settings(accountId: string): Promise<NotificationSettings>;
  saveSettings(accountId: string, settings: NotificationSettings, at: Date): Promise<void>;
}
