import { randomUUID } from 'node:crypto';
import type { OutboxEvent } from '../ports/image-repository.port.js';
import { TOPICS } from '../images/topics.js';

/**
 * What happened, as carried on `pictor.notifications`. `follower.new` goes to one account (the
 * key); `image.published` and `paste.published` go to the followers of their author (the key), who
 * are found when the event is delivered, so someone who unfollowed meanwhile hears nothing.
 */
export type NotificationEventType = 'follower.new' | 'image.published' | 'paste.published';

export interface NotificationEvent {
  /** Unique per event; with recipient and channel, the idempotency key of a delivery. */
  id: string;
  type: NotificationEventType;
  /** The account the event is for, or whose followers it is for (`image.published`, `paste.published`). */
  accountId: string;
  /** Who caused it. */
  actor: { id: string; username: string };
  /** Strings only, rendered escaped by every channel. */
  data: Record<string, string>;
  createdAt: string;
}

/** The outbox row of an event: topic `pictor.notifications`, key = the account it is for. */
export function notificationOutboxEvent(
  type: NotificationEventType,
  accountId: string,
  actor: { id: string; username: string },
  data: Record<string, string>,
  now: Date,
): OutboxEvent {
  const event: NotificationEvent = { id: randomUUID(), type, accountId, actor, data, createdAt: now.toISOString() };
  return {
    topic: TOPICS.notifications,
    key: accountId,
    payload: event as unknown as Record<string, unknown>,
    headers: { 'event-type': type },
  };
}

const TYPES: readonly string[] = [
  'follower.new',
  'image.published',
  'paste.published',
] satisfies NotificationEventType[];

/** The event in a message body, or null when it is not one (the caller dead-letters it). */
export function parseNotificationEvent(value: string): NotificationEvent | null {
  try {
    const e = JSON.parse(value) as Partial<NotificationEvent> | null;
    if (
      e &&
      typeof e.id === 'string' &&
      typeof e.type === 'string' &&
      TYPES.includes(e.type) &&
      typeof e.accountId === 'string' &&
      typeof e.actor?.id === 'string' &&
      typeof e.actor.username === 'string' &&
      typeof e.createdAt === 'string' &&
      typeof e.data === 'object' &&
      e.data !== null &&
      Object.values(e.data).every((v) => typeof v === 'string')
    ) {
      return e as NotificationEvent;
    }
  } catch {
    // not JSON: fall through
  }
  return null;
}
