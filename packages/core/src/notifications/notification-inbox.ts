import { EventEmitter } from 'node:events';
import type {
  InAppNotification,
  NotificationRepository,
  NotificationSettings,
} from '../ports/notification-repository.port.js';

/**
 * Live news of in-app notifications inside one process (the notifier tells, open pages listen).
 * Pages served by another process than the notifier's still learn of them: the stream re-reads
 * the unread count on a timer.
 */
/** Not an account id (those never contain a space). */
const CLOSE = 'hub closing';

export class NotificationHub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(notification: InAppNotification): void {
    this.emitter.emit(notification.accountId, notification);
  }

  /** Returns the unsubscribe function. */
  subscribe(accountId: string, listener: (notification: InAppNotification) => void): () => void {
    this.emitter.on(accountId, listener);
    return () => this.emitter.off(accountId, listener);
  }

  /** Called when the process shuts down: open streams end, so they do not hold the server open. */
  onClose(listener: () => void): () => void {
    this.emitter.on(CLOSE, listener);
    return () => this.emitter.off(CLOSE, listener);
  }

  close(): void {
    this.emitter.emit(CLOSE);
  }
}

/** The in-app notifications of an account: list, unread count, mark read. */
export class NotificationInbox {
  constructor(
    private readonly repository: Pick<
      NotificationRepository,
      'listInApp' | 'countUnread' | 'markRead' | 'settings' | 'saveSettings'
    >,
    readonly hub: NotificationHub,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async list(
    accountId: string,
    limit: number,
    before?: { createdAt: Date; id: string },
  ): Promise<{ notifications: InAppNotification[]; unread: number; next: { createdAt: Date; id: string } | null }> {
    const rows = await this.repository.listInApp(accountId, { limit: limit + 1, ...(before ? { before } : {}) });
    const notifications = rows.slice(0, limit);
    const last = notifications.at(-1);
    return {
      notifications,
      unread: await this.repository.countUnread(accountId),
      next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
    };
  }

  unread(accountId: string): Promise<number> {
    return this.repository.countUnread(accountId);
  }

  /** Marks those (or all) read; returns the unread count left. */
  async markRead(accountId: string, ids?: readonly string[]): Promise<number> {
    await this.repository.markRead(accountId, ids, this.clock());
    return this.repository.countUnread(accountId);
  }

  /** Which channels the account chose (email on or off). */
  settings(accountId: string): Promise<NotificationSettings> {
    return this.repository.settings(accountId);
  }

  async updateSettings(accountId: string, changes: Partial<NotificationSettings>): Promise<NotificationSettings> {
    const next = { ...(await this.repository.settings(accountId)), ...changes };
    await this.repository.saveSettings(accountId, next, this.clock());
    return next;
  }
}
