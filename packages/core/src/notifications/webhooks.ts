import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { ERRORS } from '../errors/errors.js';
import type {
  Webhook,
  WebhookDisableRule,
  WebhookRepository,
  WebhookScope,
  WebhookSender,
} from '../ports/webhook.port.js';
import { DeliveryError, type Delivery, type NotificationChannel } from './notification-dispatcher.js';
import type { NotificationEventType } from './notification-event.js';

export const WEBHOOK_EVENT_TYPES = [
  'follower.new',
  'image.published',
  'paste.published',
] as const satisfies NotificationEventType[];
const MAX_WEBHOOKS = 10;

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The Standard Webhooks signature header value: `v1,` and the base64 HMAC-SHA256, keyed with the
 * secret's bytes, of `<id>.<timestamp>.<body>`.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** Registering, listing, rotating and deleting an account's webhooks. */
export class WebhookService {
  constructor(
    private readonly repository: WebhookRepository,
    private readonly sender: Pick<WebhookSender, 'check'>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * The new webhook with its secret (shown this once). Scope `all` (every event, not only the
   * owner's) is for administrators; anyone else is refused FORBIDDEN.
   */
  async create(
    owner: { id: string; role: 'user' | 'admin' },
    url: string,
    events?: readonly string[],
    scope: WebhookScope = 'own',
  ): Promise<Webhook> {
    if (scope === 'all' && owner.role !== 'admin') throw ERRORS.forbidden();
    const accountId = owner.id;
    await this.sender.check(url);
    if ((await this.repository.count(accountId)) >= MAX_WEBHOOKS) throw ERRORS.tooManyWebhooks(MAX_WEBHOOKS);
    const webhook: Webhook = {
      id: randomUUID(),
      accountId,
      url: new URL(url).toString(),
      secret: newWebhookSecret(),
      events: [...new Set(events && events.length > 0 ? events : WEBHOOK_EVENT_TYPES)],
      createdAt: this.clock(),
      disabledAt: null,
      failingSince: null,
      failures: 0,
      scope,
    };
    await this.repository.insert(webhook);
    return webhook;
  }

  list(accountId: string): Promise<Webhook[]> {
    return this.repository.list(accountId);
  }

  async remove(accountId: string, id: string): Promise<void> {
    if (!(await this.repository.remove(accountId, id))) throw ERRORS.webhookNotFound();
  }

  async rotate(accountId: string, id: string): Promise<Webhook> {
    const rotated = await this.repository.rotateSecret(accountId, id, newWebhookSecret());
    if (!rotated) throw ERRORS.webhookNotFound();
    return rotated;
  }

  /** Enables an endpoint disabled for failing (a no-op on an enabled one). */
  async enable(accountId: string, id: string): Promise<Webhook> {
    const enabled = await this.repository.enable(accountId, id);
    if (!enabled) throw ERRORS.webhookNotFound();
    return enabled;
  }

  async attempts(accountId: string, id: string, limit = 20) {
    if (!(await this.repository.list(accountId)).some((w) => w.id === id)) throw ERRORS.webhookNotFound();
    return this.repository.recentAttempts(id, limit);
  }
}

/**
 * Delivers an event to every enabled webhook of the recipient that subscribed to its type, signed
 * by Standard Webhooks. `webhook-id` is the delivery id, so a receiver drops a repeat. Endpoints
 * that already accepted are skipped when the delivery is retried for another one.
 */
export interface WebhookChannelOptions {
  /**
   * `own` (channel `webhook`): the recipient's endpoints for events addressed to them. `all`
   * (channel `webhook-all`): an administrator's endpoints for every event, the recipient being that
   * administrator as an observer (see the dispatcher's `observers`). Default `own`.
   */
  scope?: WebhookScope;
  /** When an endpoint that keeps failing is disabled (WEBHOOK_DISABLE_AFTER, WEBHOOK_DISABLE_MIN_FAILURES). */
  disable: WebhookDisableRule | null;
  /** Tells the owner of an endpoint that was just disabled (by email); must not throw. */
  onDisabled?: (webhook: Webhook, owner: Delivery['recipient']) => Promise<void>;
  clock?: () => Date;
}

export class WebhookChannel implements NotificationChannel {
  readonly name: 'webhook' | 'webhook-all';
  private readonly scope: WebhookScope;
  private readonly clock: () => Date;

  constructor(
    private readonly repository: WebhookRepository,
    private readonly sender: Pick<WebhookSender, 'post'>,
    private readonly options: WebhookChannelOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.scope = options.scope ?? 'own';
    this.name = this.scope === 'all' ? 'webhook-all' : 'webhook';
  }

  async appliesTo(recipient: Delivery['recipient'], event: Delivery['event']): Promise<boolean> {
    return (await this.repository.active(recipient.id, this.scope)).some((w) => w.events.includes(event.type));
  }

  async deliver({ id, event, recipient }: Delivery): Promise<void> {
    const targets = (await this.repository.active(recipient.id, this.scope)).filter((w) =>
      w.events.includes(event.type),
    );
    if (targets.length === 0) return;
    const done = await this.repository.acceptedBy(id);
    const body = JSON.stringify({
      type: event.type,
      timestamp: event.createdAt,
      data: {
        ...event.data,
        eventId: event.id,
        actor: event.actor.username,
        // An observer's endpoint hears of events for others: say whose (for the author's followers, the author).
        ...(this.scope === 'all' ? { accountId: event.accountId } : {}),
      },
    });
    const failures: DeliveryError[] = [];
    for (const hook of targets) {
      if (done.has(hook.id)) continue;
      const timestamp = Math.floor(this.clock().getTime() / 1000);
      const started = Date.now();
      let status: number | null = null;
      let error: string | null = null;
      let retryAfterMs: number | undefined;
      try {
        const answer = await this.sender.post(
          hook.url,
          {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(hook.secret, id, timestamp, body),
          },
          body,
        );
        status = answer.status;
        retryAfterMs = answer.retryAfterMs;
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause);
      }
      await this.repository.recordAttempt({
        deliveryId: id,
        webhookId: hook.id,
        status: error ? 'failed' : 'sent',
        httpStatus: status,
        durationMs: Date.now() - started,
        error,
        at: this.clock(),
      });
      const disabled = await this.repository.recordOutcome(hook.id, !error, this.clock(), this.options.disable);
      if (disabled) await this.options.onDisabled?.(disabled, recipient);
      // A refused address stays refused; redirects are not followed; 4xx other than 408/429 will not change on a retry.
      if (error) {
        const permanent =
          /WEBHOOK_URL_FORBIDDEN/.test(error) ||
          (status !== null && status >= 300 && status < 500 && status !== 408 && status !== 429);
        failures.push(new DeliveryError(`${hook.url}: ${error}`, permanent, retryAfterMs));
      }
    }
    if (failures.length > 0) {
      const retryable = failures.filter((f) => !f.permanent);
      throw new DeliveryError(
        failures.map((f) => f.message).join('; '),
        retryable.length === 0,
        Math.max(...retryable.map((f) => f.retryAfterMs ?? 0), 0) || undefined,
      );
    }
  }
}
