import { randomUUID } from 'node:crypto';
import type {
  DeliveryChannel,
  NotificationRecipient,
  NotificationRepository,
} from '../ports/notification-repository.port.js';
import type { FollowCursor } from '../follows/follow.js';
import type { NotificationEvent } from './notification-event.js';

/** One (event, recipient) handed to a channel; `id` is stable across retries and redeliveries. */
export interface Delivery {
  id: string;
  event: NotificationEvent;
  recipient: NotificationRecipient;
}

/** A way of reaching people: email, in-app (Telegram and webhooks are channels too). */
export interface NotificationChannel {
  readonly name: DeliveryChannel;
  /** Resolves once the provider accepted the message; throws {@link DeliveryError} or anything. */
  deliver(delivery: Delivery): Promise<void>;
  /** Whether the recipient can be reached this way at all (a linked chat, an endpoint); default yes. */
  appliesTo?(recipient: NotificationRecipient, event: NotificationEvent): Promise<boolean>;
}

/** A failed delivery that says whether trying again can help, and when. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export type DeliveryOutcome = 'sent' | 'failed' | 'retried' | 'duplicate';

export interface DeadLetter {
  event: NotificationEvent;
  recipientId: string;
  channel: DeliveryChannel;
  deliveryId: string;
  reason: string;
  attempts: number;
}

export interface NotificationDispatcherDeps {
  repository: NotificationRepository;
  channels: readonly NotificationChannel[];
  /** Publishes a delivery given up on to `pictor.notifications.dlq`. */
  deadLetter: (letter: DeadLetter) => Promise<void>;
  /** Attempts per delivery, crashes included (NOTIFY_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** First backoff; doubled per attempt, jittered, at most a minute (NOTIFY_RETRY_BASE_MS). */
  retryBaseMs: number;
  /** Followers per fan-out batch; progress is saved after each (NOTIFY_FANOUT_BATCH). */
  fanoutBatch: number;
  /** Deliveries of one batch under way at once. */
  concurrency?: number;
  /**
   * Who hears of every event once, whoever it is for (administrators' `all` webhooks): their ids,
   * read at each event, and the channel that reaches them. Delivered like any delivery, claimed
   * in the log under (event, observer, that channel).
   */
  observers?: { accountIds: () => Promise<string[]>; channel: NotificationChannel };
  onOutcome?: (channel: DeliveryChannel, outcome: DeliveryOutcome) => void;
  clock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_BACKOFF_MS = 60_000;

/**
 * The notifier's use case: expands an event to its recipients (in resumable batches) and delivers
 * it on every channel, each (event, recipient, channel) claimed in the delivery log first, so a
 * redelivered event or a restarted notifier sends nothing that was already sent.
 */
export class NotificationDispatcher {
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: NotificationDispatcherDeps) {
    this.now = deps.clock ?? (() => new Date());
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async dispatch(event: NotificationEvent): Promise<void> {
    switch (event.type) {
      case 'follower.new': {
        const recipient = await this.deps.repository.recipient(event.accountId);
        // Told only while the follow still stands and both accounts are active.
        if (!recipient || !(await this.deps.repository.recipient(event.actor.id))) return;
        if (!(await this.deps.repository.follows(event.actor.id, event.accountId))) return;
        await this.observe(event);
        await this.deliverAll(event, recipient);
        return;
      }
      case 'image.published':
      case 'paste.published':
        await this.fanOut(event);
        return;
    }
  }

  /** Followers are read at delivery time: whoever unfollowed or was blocked meanwhile hears nothing. */
  private async fanOut(event: NotificationEvent): Promise<void> {
    const { repository, fanoutBatch } = this.deps;
    // The author blocked (or gone) since publishing: nobody is told.
    if (!(await repository.recipient(event.accountId))) return;
    // Before the fan-out, and again after a restart: the delivery log keeps it to once.
    await this.observe(event);
    const progress = await repository.fanoutProgress(event.id);
    if (progress?.done) return;
    let after: FollowCursor | undefined = progress?.after ?? undefined;
    for (;;) {
      const batch = await repository.notifiedFollowers(event.accountId, {
        limit: fanoutBatch,
        ...(after ? { after } : {}),
      });
      await eachLimited(batch, this.deps.concurrency ?? 8, ({ recipient }) => this.deliverAll(event, recipient));
      const last = batch.at(-1);
      if (batch.length < fanoutBatch || !last) {
        await repository.saveFanoutProgress(event.id, after ?? null, true);
        return;
      }
      after = last.cursor;
      await repository.saveFanoutProgress(event.id, after, false);
    }
  }

  private async observe(event: NotificationEvent): Promise<void> {
    const observers = this.deps.observers;
    if (!observers) return;
    for (const id of await observers.accountIds()) {
      const observer = await this.deps.repository.recipient(id);
      if (observer) await this.deliver(event, observer, observers.channel);
    }
  }

  private async deliverAll(event: NotificationEvent, recipient: NotificationRecipient): Promise<void> {
    for (const channel of this.deps.channels) await this.deliver(event, recipient, channel);
  }

  private async deliver(
    event: NotificationEvent,
    recipient: NotificationRecipient,
    channel: NotificationChannel,
  ): Promise<void> {
    const { repository, maxAttempts } = this.deps;
    // Nothing to claim where there is nothing to send: no row in the delivery log.
    if (channel.appliesTo && !(await channel.appliesTo(recipient, event))) return;
    const claim = await repository.claimDelivery(randomUUID(), event.id, recipient.id, channel.name);
    if (claim.status !== 'pending') {
      this.deps.onOutcome?.(channel.name, 'duplicate');
      return;
    }
    for (;;) {
      const attempt = await repository.startAttempt(claim.id);
      if (attempt > maxAttempts) {
        // Earlier attempts never reached an outcome (the process died during them).
        await this.giveUp(event, recipient, channel, claim.id, `No outcome in ${maxAttempts} attempts.`, attempt - 1);
        return;
      }
      try {
        await channel.deliver({ id: claim.id, event, recipient });
        await repository.markSent(claim.id, this.now());
        this.deps.onOutcome?.(channel.name, 'sent');
        return;
      } catch (error) {
        const reason = describe(error);
        await repository.recordError(claim.id, reason);
        if ((error instanceof DeliveryError && error.permanent) || attempt >= maxAttempts) {
          await this.giveUp(event, recipient, channel, claim.id, reason, attempt);
          return;
        }
        this.deps.onOutcome?.(channel.name, 'retried');
        await this.sleep(backoffMs(attempt, this.deps.retryBaseMs, error));
      }
    }
  }

  private async giveUp(
    event: NotificationEvent,
    recipient: NotificationRecipient,
    channel: NotificationChannel,
    deliveryId: string,
    reason: string,
    attempts: number,
  ): Promise<void> {
    await this.deps.deadLetter({
      event,
      recipientId: recipient.id,
      channel: channel.name,
      deliveryId,
      reason,
      attempts,
    });
    await this.deps.repository.markFailed(deliveryId, reason, this.now());
    this.deps.onOutcome?.(channel.name, 'failed');
  }
}

/** Exponential backoff with jitter (half to full), never shorter than what the provider asked. */
export function backoffMs(attempt: number, baseMs: number, error?: unknown): number {
  const exponential = Math.min(baseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  const jittered = exponential * (0.5 + Math.random() / 2);
  const asked = error instanceof DeliveryError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, Math.min(asked, MAX_BACKOFF_MS * 5));
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
