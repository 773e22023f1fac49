import type { Webhook, WebhookAttempt, WebhookDisableRule, WebhookRepository, WebhookScope } from '@pictor/core';
import type { Pool } from './pool.js';

interface WebhookRow {
  id: string;
  account_id: string;
  url: string;
  secret: string;
  events: string[];
  created_at: Date;
  disabled_at: Date | null;
  failing_since: Date | null;
  failures: number;
  scope: WebhookScope;
}

interface AttemptRow {
  delivery_id: string;
  webhook_id: string;
  status: 'sent' | 'failed';
  http_status: number | null;
  duration_ms: number;
  error: string | null;
  at: Date;
}

const COLUMNS = 'id, account_id, url, secret, events, created_at, disabled_at, failing_since, failures, scope';
const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  accountId: r.account_id,
  url: r.url,
  secret: r.secret,
  events: r.events,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
  failingSince: r.failing_since,
  failures: r.failures,
  scope: r.scope,
});

/** Webhook endpoints and their delivery log on PostgreSQL. */
export class PgWebhookRepository implements WebhookRepository {
  constructor(private readonly pool: Pool) {}

  async insert(w: Webhook): Promise<void> {
    await this.pool.query(
      'INSERT INTO webhooks (id, account_id, url, secret, events, created_at, scope) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [w.id, w.accountId, w.url, w.secret, w.events, w.createdAt, w.scope],
    );
  }

  async list(accountId: string): Promise<Webhook[]> {
    const { rows } = await this.pool.query<WebhookRow>(
      `SELECT ${COLUMNS} FROM webhooks WHERE account_id = $1 ORDER BY created_at, id`,
      [accountId],
    );
    return rows.map(toWebhook);
  }

  async count(accountId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM webhooks WHERE account_id = $1',
      [accountId],
    );
    return rows[0]?.n ?? 0;
  }

  async remove(accountId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM webhooks WHERE account_id = $1 AND id = $2', [
      accountId,
      id,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async rotateSecret(accountId: string, id: string, secret: string): Promise<Webhook | null> {
    const { rows } = await this.pool.query<WebhookRow>(
      `UPDATE webhooks SET secret = $3 WHERE account_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [accountId, id, secret],
    );
    return rows[0] ? toWebhook(rows[0]) : null;
  }

  async active(accountId: string, scope: WebhookScope): Promise<Webhook[]> {
    const { rows } = await this.pool.query<WebhookRow>(
      `SELECT ${COLUMNS} FROM webhooks WHERE account_id = $1 AND scope = $2 AND disabled_at IS NULL
        ORDER BY created_at, id`,
      [accountId, scope],
    );
    return rows.map(toWebhook);
  }

  async allEventsOwners(): Promise<string[]> {
    // Read at every event: an administrator demoted or blocked stops hearing of everything at once.
    const { rows } = await this.pool.query<{ account_id: string }>(
      `SELECT DISTINCT w.account_id FROM webhooks w JOIN accounts a ON a.id = w.account_id
        WHERE w.scope = 'all' AND w.disabled_at IS NULL AND a.role = 'admin' AND a.status = 'active'
        ORDER BY w.account_id`,
    );
    return rows.map((r) => r.account_id);
  }

  async acceptedBy(deliveryId: string): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ webhook_id: string }>(
      `SELECT webhook_id FROM webhook_attempts WHERE delivery_id = $1 AND status = 'sent'`,
      [deliveryId],
    );
    return new Set(rows.map((r) => r.webhook_id));
  }

  async recordAttempt(a: WebhookAttempt): Promise<void> {
    await this.pool.query(
      `INSERT INTO webhook_attempts (delivery_id, webhook_id, status, http_status, duration_ms, error, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (delivery_id, webhook_id) DO UPDATE SET status = EXCLUDED.status,
         http_status = EXCLUDED.http_status, duration_ms = EXCLUDED.duration_ms, error = EXCLUDED.error,
         at = EXCLUDED.at, attempts = webhook_attempts.attempts + 1`,
      [a.deliveryId, a.webhookId, a.status, a.httpStatus, a.durationMs, a.error, a.at],
    );
  }

  async recordOutcome(
    webhookId: string,
    ok: boolean,
    at: Date,
    rule: WebhookDisableRule | null,
  ): Promise<Webhook | null> {
    if (ok) {
      await this.pool.query(
        'UPDATE webhooks SET failing_since = NULL, failures = 0 WHERE id = $1 AND (failing_since IS NOT NULL OR failures <> 0)',
        [webhookId],
      );
      return null;
    }
    // One statement: concurrent failures of one endpoint count each, and only one of them disables it.
    const { rows } = await this.pool.query<WebhookRow & { just_disabled: boolean }>(
      `WITH before AS (SELECT id, disabled_at FROM webhooks WHERE id = $1 FOR UPDATE)
       UPDATE webhooks w SET
         failing_since = COALESCE(w.failing_since, $2),
         failures = w.failures + 1,
         disabled_at = CASE
           WHEN w.disabled_at IS NULL AND COALESCE(w.failing_since, $2) <= $3::timestamptz AND w.failures + 1 >= $4::int THEN $2
           ELSE w.disabled_at END
       FROM before WHERE w.id = before.id
       RETURNING ${COLUMNS.split(', ')
         .map((c) => `w.${c}`)
         .join(', ')}, (before.disabled_at IS NULL AND w.disabled_at IS NOT NULL) AS just_disabled`,
      // No rule: the comparisons are NULL, so nothing is ever disabled.
      [webhookId, at, rule ? new Date(at.getTime() - rule.afterMs) : null, rule?.minFailures ?? null],
    );
    const row = rows[0];
    return row?.just_disabled ? toWebhook(row) : null;
  }

  async enable(accountId: string, id: string): Promise<Webhook | null> {
    const { rows } = await this.pool.query<WebhookRow>(
      `UPDATE webhooks SET disabled_at = NULL, failing_since = NULL, failures = 0
        WHERE account_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [accountId, id],
    );
    return rows[0] ? toWebhook(rows[0]) : null;
  }

  async recentAttempts(webhookId: string, limit: number): Promise<WebhookAttempt[]> {
    const { rows } = await this.pool.query<AttemptRow>(
      `SELECT delivery_id, webhook_id, status, http_status, duration_ms, error, at FROM webhook_attempts
        WHERE webhook_id = $1 ORDER BY at DESC LIMIT $2`,
      [webhookId, limit],
    );
    return rows.map((r) => ({
      deliveryId: r.delivery_id,
      webhookId: r.webhook_id,
      status: r.status,
      httpStatus: r.http_status,
      durationMs: r.duration_ms,
      error: r.error,
      at: r.at,
    }));
  }
}
