import { Counter, type Registry } from 'prom-client';
import { DELIVERY_CHANNELS, type DeliveryChannel, type DeliveryOutcome } from '@pictor/core';
import { initialiseSeries, scrapeGauge, type PartitionLag } from '@pictor/observability';

const OUTCOMES: readonly DeliveryOutcome[] = ['sent', 'retried', 'failed', 'duplicate'];

/** The notifier's instruments, on the process's registry. */
export interface NotifierMetrics {
  /** Counts one delivery of `channel` by its outcome (the dispatcher's `onOutcome`). */
  delivered(channel: DeliveryChannel, outcome: DeliveryOutcome): void;
  /**
   * Reads the notifier group's lag on `pictor.notifications` and the number of messages in
   * `pictor.notifications.dlq` on every scrape (Kafka only).
   */
  observeBus(read: { lag: () => Promise<PartitionLag[]>; deadLetters: () => Promise<number> }): void;
}

/** Deliveries of every channel and outcome start at 0, so the first failure is an increase. */
export function createNotifierMetrics(registry: Registry): NotifierMetrics {
  const deliveries = new Counter({
    name: 'pictor_notification_deliveries_total',
    help: 'Notification deliveries by channel and outcome: sent, retried (an attempt failed), failed (given up on and dead-lettered), duplicate (already delivered).',
    labelNames: ['channel', 'outcome'],
    registers: [registry],
  });
  initialiseSeries(deliveries, { channel: DELIVERY_CHANNELS, outcome: OUTCOMES });
  return {
    delivered: (channel, outcome) => deliveries.inc({ channel, outcome }),
    observeBus(read) {
      scrapeGauge(
        registry,
        {
          name: 'pictor_notifier_consumer_lag',
          help: 'Notification events not yet committed by the notifier group (pictor-notifier), per partition of pictor.notifications.',
          labelNames: ['partition'],
        },
        async (g) => {
          for (const p of (await read.lag().catch(() => undefined)) ?? [])
            g.set({ partition: String(p.partition) }, p.lag);
        },
      );
      scrapeGauge(
        registry,
        {
          name: 'pictor_notifications_dlq_messages',
          help: 'Messages in pictor.notifications.dlq (deliveries given up on, kept for the topic retention).',
        },
        async (g) => {
          g.set((await read.deadLetters().catch(() => undefined)) ?? Number.NaN);
        },
      );
    },
  };
}
