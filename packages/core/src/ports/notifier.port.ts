/**
 * Notifications to people about their account. The account use cases name what happened; how it
 * reaches someone (email today; Telegram, webhooks and in-app later) is the channels' business.
 */
export type NotificationType =
  | 'password-reset-code'
  | 'password-changed'
  | 'email-changed'
  | 'email-verification-code'
  | 'registration-attempt'
  | 'webhook-disabled'
  | 'follower.new'
  | 'image.published'
  | 'paste.published';

export interface Notification {
  /**
   * Unique per notification and stable across retries: channels carry it (email `Message-ID`,
   * `webhook-id`), so a receiver can drop a repeat after a crash between "accepted" and "recorded".
   */
  id: string;
  type: NotificationType;
  recipient: { accountId: string; username: string; email: string };
  /** Values the message needs (the code, its lifetime in minutes…); strings only, rendered escaped. */
  data: Record<string, string>;
  createdAt: Date;
}

/**
 * Takes a notification for delivery. It may deliver in-process at once (one machine) or record it
 * for an asynchronous path (an outbox row published to `pictor.notifications`); either way callers
 * do not learn which channels exist or whether one failed.
 */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/** An email, rendered: plain text and HTML of the same content. */
export interface EmailMessage {
  /** RFC 5322 Message-ID without angle brackets; equal for retries of one notification. */
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra header fields, e.g. `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058). */
  headers?: Record<string, string>;
}

/** Delivers email: over SMTP (SMTP_URL), or as `.eml` files under DATA_DIR/mail on one machine. */
export interface MailTransport {
  send(message: EmailMessage): Promise<void>;
  /** Throws when the mail server cannot be reached. */
  verify(): Promise<void>;
  close(): Promise<void>;
}
