import {
  parseNotificationEvent,
  TOPICS,
  type DeadLetter,
  type DeliveredEvent,
  type EventBus,
  type NotificationDispatcher,
} from '@pictor/core';
import type { Logger } from '@pictor/observability';

export const NOTIFIER_GROUP = 'pictor-notifier';

export interface NotifierDeps {
  bus: EventBus;
  dispatcher: NotificationDispatcher;
  concurrency: number;
  logger: Logger;
}

/**
 * The `notifier` target: consumes `pictor.notifications` and hands each event to the dispatcher.
 * An event is acknowledged once every delivery reached an outcome (sent, or failed and
 * dead-lettered); a database outage throws, so the bus hands the event over again, and the
 * delivery log keeps what was already sent from being sent twice.
 */
export async function startNotifier(deps: NotifierDeps): Promise<{ stop(): Promise<void> }> {
  const log = deps.logger;
  const subscription = await deps.bus.subscribe(
    TOPICS.notifications,
    async (message: DeliveredEvent) => {
      const event = parseNotificationEvent(message.value);
      if (!event) {
        await deps.bus.publish(TOPICS.notificationsDeadLetter, [
          { key: message.key, value: message.value, headers: { ...message.headers, 'x-error': 'MALFORMED_EVENT' } },
        ]);
        log.error('malformed notification event dead-lettered', { key: message.key });
        return;
      }
      const started = Date.now();
      await deps.dispatcher.dispatch(event);
      log.info('notification event handled', {
        eventId: event.id,
        type: event.type,
        redeliveries: message.redeliveries,
        durationMs: Date.now() - started,
      });
    },
    { group: NOTIFIER_GROUP, concurrency: deps.concurrency },
  );
  log.info('notifier started', { concurrency: deps.concurrency });
  return {
    async stop() {
      await subscription.stop();
      log.info('notifier stopped');
    },
  };
}

/** Publishes a delivery given up on: the event, with who, which channel and why in the headers. */
export function deadLetterTo(bus: EventBus): (letter: DeadLetter) => Promise<void> {
  return (letter) =>
    bus.publish(TOPICS.notificationsDeadLetter, [
      {
        key: letter.recipientId,
        value: JSON.stringify(letter.event),
        headers: {
          'x-error': letter.reason,
          'x-channel': letter.channel,
          'x-recipient': letter.recipientId,
          'x-delivery-id': letter.deliveryId,
          'x-attempts': String(letter.attempts),
        },
      },
    ]);
}
