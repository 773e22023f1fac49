import type {
  DeliveryChannel,
  DeliveryClaim,
  FollowCursor,
  InAppNotification,
  NotificationRecipient,
  NotificationRepository,
  NotificationSettings,
} from '@pictor/core';
import type { Pool } from './pool.js';

interface InAppRow {
  id: string;
  account_id: string;
  event_id: string;
  type: string;
  actor: string;
  data: Record<string, string>;
  created_at: Date;
  read_at: Date | null;
}

const toInApp = (r: InAppRow): InAppNotification => ({
  id: r.id,
  accountId: r.account_id,
  eventId: r.event_id,
  type: r.type,
  actor: r.actor,
  data: r.data,
  createdAt: r.created_at,
  readAt: r.read_at,
});

/** The notifier's delivery log, fan-out progress and in-app notifications on PostgreSQL. */
export class PgNotificationRepository implements NotificationRepository {
  constructor(private readonly pool: Pool) {}

  async claimDelivery(
    id: string,
    eventId: string,
    recipientId: string,
    channel: DeliveryChannel,
  ): Promise<DeliveryClaim> {
    // The no-op update makes RETURNING yield the existing row, whoever inserted it.
    const { rows } = await this.pool.query<DeliveryClaim>(
      `INSERT INTO notification_deliveries (id, event_id, recipient_id, channel) VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id, recipient_id, channel) DO UPDATE SET channel = EXCLUDED.channel
       RETURNING id, status, attempts`,
      [id, eventId, recipientId, channel],
    );
    return rows[0]!;
  }

  async startAttempt(id: string): Promise<number> {
    const { rows } = await this.pool.query<{ attempts: number }>(
      'UPDATE notification_deliveries SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts',
      [id],
    );
    return rows[0]?.attempts ?? Number.MAX_SAFE_INTEGER;
  }

  async recordError(id: string, reason: string): Promise<void> {
    await this.pool.query('UPDATE notification_deliveries SET last_error = $2 WHERE id = $1', [id, reason]);
  }

  async markSent(id: string, at: Date): Promise<void> {
    await this.pool.query(
      `UPDATE notification_deliveries SET status = 'sent', finished_at = $2, last_error = NULL WHERE id = $1`,
      [id, at],
    );
  }

  async markFailed(id: string, reason: string, at: Date): Promise<void> {
    await this.pool.query(
      `UPDATE notification_deliveries SET status = 'failed', finished_at = $3, last_error = $2 WHERE id = $1`,
      [id, reason, at],
    );
  }

  async fanoutProgress(eventId: string): Promise<{ after: FollowCursor | null; done: boolean } | null> {
    const { rows } = await this.pool.query<{
      after_created_at: Date | null;
      after_account_id: string | null;
      done_at: Date | null;
    }>('SELECT after_created_at, after_account_id, done_at FROM notification_fanouts WHERE event_id = $1', [eventId]);
    const r = rows[0];
    if (!r) return null;
    return {
      after:
        r.after_created_at && r.after_account_id
          ? { createdAt: r.after_created_at, accountId: r.after_account_id }
          : null,
      done: r.done_at !== null,
    };
  }

  async saveFanoutProgress(eventId: string, after: FollowCursor | null, done: boolean): Promise<void> {
    await this.pool.query(
      `INSERT INTO notification_fanouts (event_id, after_created_at, after_account_id, done_at, updated_at)
       VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END, now())
       ON CONFLICT (event_id) DO UPDATE SET after_created_at = EXCLUDED.after_created_at,
         after_account_id = EXCLUDED.after_account_id, done_at = EXCLUDED.done_at, updated_at = now()`,
      [eventId, after?.createdAt ?? null, after?.accountId ?? null, done],
    );
  }

  async notifiedFollowers(
    accountId: string,
    { limit, after }: { limit: number; after?: FollowCursor },
  ): Promise<{ recipient: NotificationRecipient; cursor: FollowCursor }[]> {
    const { rows } = await this.pool.query<{
      id: string;
      username: string;
      email: string;
      email_notifications: boolean;
      created_at: Date;
    }>(
      `SELECT a.id, a.username, a.email, coalesce(s.email, true) AS email_notifications, f.created_at
         FROM follows f JOIN accounts a ON a.id = f.follower_id
         LEFT JOIN notification_settings s ON s.account_id = a.id
        WHERE f.followee_id = $1 AND f.notify AND a.status = 'active'
          AND ($2::timestamptz IS NULL OR (f.created_at, f.follower_id) < ($2, $3))
        ORDER BY f.created_at DESC, f.follower_id DESC
        LIMIT $4`,
      [accountId, after?.createdAt ?? null, after?.accountId ?? null, limit],
    );
    return rows.map((r) => ({
      recipient: { id: r.id, username: r.username, email: r.email, emailNotifications: r.email_notifications },
      cursor: { createdAt: r.created_at, accountId: r.id },
    }));
  }

  async recipient(accountId: string): Promise<NotificationRecipient | null> {
    const { rows } = await this.pool.query<NotificationRecipient>(
      `SELECT a.id, a.username, a.email, coalesce(s.email, true) AS "emailNotifications"
         FROM accounts a LEFT JOIN notification_settings s ON s.account_id = a.id
        WHERE a.id = $1 AND a.status = 'active'`,
      [accountId],
    );
    return rows[0] ?? null;
  }

  async follows(followerId: string, followeeId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2', [
      followerId,
      followeeId,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async insertInApp(n: InAppNotification): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO notifications (id, account_id, event_id, type, actor, data, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id, account_id) DO NOTHING`,
      [n.id, n.accountId, n.eventId, n.type, n.actor, JSON.stringify(n.data), n.createdAt],
    );
    return (rowCount ?? 0) > 0;
  }

  async listInApp(
    accountId: string,
    { limit, before }: { limit: number; before?: { createdAt: Date; id: string } },
  ): Promise<InAppNotification[]> {
    const { rows } = await this.pool.query<InAppRow>(
      `SELECT id, account_id, event_id, type, actor, data, created_at, read_at FROM notifications
        WHERE account_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [accountId, before?.createdAt ?? null, before?.id ?? null, limit],
    );
    return rows.map(toInApp);
  }

  async countUnread(accountId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM notifications WHERE account_id = $1 AND read_at IS NULL',
      [accountId],
    );
    return rows[0]?.n ?? 0;
  }

  async markRead(accountId: string, ids: readonly string[] | undefined, at: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE notifications SET read_at = $3
        WHERE account_id = $1 AND read_at IS NULL AND ($2::text[] IS NULL OR id = ANY($2))`,
      [accountId, ids ?? null, at],
    );
    return rowCount ?? 0;
  }

  async settings(accountId: string): Promise<NotificationSettings> {
    const { rows } = await this.pool.query<{ email: boolean }>(
      'SELECT email FROM notification_settings WHERE account_id = $1',
      [accountId],
    );
    return { email: rows[0]?.email ?? true };
  }

  async saveSettings(accountId: string, settings: NotificationSettings, at: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO notification_settings (account_id, email, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO UPDATE SET email = EXCLUDED.email, updated_at = EXCLUDED.updated_at`,
      [accountId, settings.email, at],
    );
  }
}
