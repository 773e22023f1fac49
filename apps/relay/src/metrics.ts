import { Counter, type Registry } from 'prom-client';
import { TOPICS } from '@pictor/core';
import { initialiseSeries, isRegistered, scrapeGauge, sharedRead } from '@pictor/observability';

export interface OutboxBacklog {
  count: number;
  oldestAgeSeconds: number;
}

/** The relay's instruments. */
export interface RelayMetrics {
  readonly eventsPublished: Counter<'topic'>;
}

/** The relay's instruments on the process's registry, each topic it publishes to at 0. */
export function createRelayMetrics(registry: Registry): RelayMetrics {
  const eventsPublished = new Counter({
    name: 'pictor_outbox_events_published_total',
    help: 'Outbox events the relay published to the bus, by topic.',
    labelNames: ['topic'],
    registers: [registry],
  });
  // At 0 from the start: the first events relayed are an increase Prometheus sees.
  initialiseSeries(eventsPublished, { topic: [TOPICS.imageUploaded] });
  return { eventsPublished };
}

/**
 * `pictor_outbox_backlog` and `pictor_outbox_oldest_age_seconds`, from one read per scrape.
 * Exported by the relay and by the api (both read the database), so the backlog stays visible
 * when either is down; in a process running both, the first to observe it registers it and the
 * second changes nothing, as they read the same table.
 */
export function observeOutbox(registry: Registry, read: () => Promise<OutboxBacklog>): void {
  if (isRegistered(registry, 'pictor_outbox_backlog')) return;
  const backlog = sharedRead(read);
  scrapeGauge(registry, { name: 'pictor_outbox_backlog', help: 'Outbox events not yet published.' }, async (g) => {
    g.set((await backlog())?.count ?? Number.NaN);
  });
  scrapeGauge(
    registry,
    {
      name: 'pictor_outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished outbox event; 0 when none waits.',
    },
    async (g) => {
      g.set((await backlog())?.oldestAgeSeconds ?? Number.NaN);
    },
  );
}
