export type WebhookScope = 'own' | 'all';

/** A webhook endpoint of an account. `secret` is only ever shown at creation and rotation. */
export interface Webhook {
  id: string;
  accountId: string;
  url: string;
  secret: string;
  /** Event types sent to it. */
  events: string[];
  /** `own`: events addressed to its owner; `all`: every event, once (administrators only). */
  scope: WebhookScope;
  createdAt: Date;
  /** Set when it was disabled for failing (see {@link WebhookDisableRule}); its owner re-enables it. */
  disabledAt: Date | null;
  /** When the current run of failed requests began; null after a success. */
  failingSince: Date | null;
  /** Failed requests since `failingSince`. */
  failures: number;
}

/** When an endpoint is disabled: every request failed for `afterMs`, and at least `minFailures` did. */
export interface WebhookDisableRule {
  afterMs: number;
  minFailures: number;
}

export interface WebhookAttempt {
  deliveryId: string;
  webhookId: string;
  status: 'sent' | 'failed';
  httpStatus: number | null;
  durationMs: number;
  error: string | null;
  at: Date;
}

/** Webhook endpoints and their delivery log, in the SQL database. */
export interface WebhookRepository {
  insert(webhook: Webhook): Promise<void>;
  list(accountId: string): Promise<Webhook[]>;
  count(accountId: string): Promise<number>;
  /** False when the account has no such webhook. */
  remove(accountId: string, id: string): Promise<boolean>;
  /** Null when the account has no such webhook. */
  rotateSecret(accountId: string, id: string, secret: string): Promise<Webhook | null>;
  /** Enabled endpoints of the account with this scope. */
  active(accountId: string, scope: WebhookScope): Promise<Webhook[]>;
  /** Active administrators with an enabled `all` endpoint: who hears of every event. */
  allEventsOwners(): Promise<string[]>;
  /** Ids of the endpoints that already accepted this delivery. */
  acceptedBy(deliveryId: string): Promise<Set<string>>;
  recordAttempt(attempt: WebhookAttempt): Promise<void>;
  /**
   * Adds one request's outcome to the endpoint's failing streak (a success ends it) and, in the
   * same statement, disables the endpoint when a failure makes `rule` hold. Answers the endpoint
   * when this very call disabled it (so its owner is told once), else null. No rule: never disabled.
   */
  recordOutcome(webhookId: string, ok: boolean, at: Date, rule: WebhookDisableRule | null): Promise<Webhook | null>;
  /** Enables a disabled endpoint of the account again, with a fresh streak; null when there is none. */
  enable(accountId: string, id: string): Promise<Webhook | null>;
  recentAttempts(webhookId: string, limit: number): Promise<WebhookAttempt[]>;
}

/** An answer of a webhook receiver. */
export interface WebhookResponse {
  status: number;
  /** Retry-After, in milliseconds, when the receiver sent one. */
  retryAfterMs?: number;
}

/**
 * Sends signed requests to URLs that users gave, closed against server-side request forgery: only
 * public addresses (after DNS resolution, at every request), no redirects, bounded time and reads.
 */
export interface WebhookSender {
  /** Throws WEBHOOK_URL_FORBIDDEN (422) for a URL that is not http(s) or resolves to a private address. */
  check(url: string): Promise<void>;
  post(url: string, headers: Record<string, string>, body: string): Promise<WebhookResponse>;
}
