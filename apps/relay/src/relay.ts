import type { EventBus, OutboxRepository } from '@pictor/core';
import { publishInSpans, type Logger } from '@pictor/observability';
import type { RelayMetrics } from './metrics.js';

export interface RelayDeps {
  outbox: OutboxRepository;
  bus: EventBus;
  logger: Logger;
  batchSize: number;
  /** Safety-net poll, for wake-ups that never came (another process's commit, a lost NOTIFY). */
  pollIntervalMs: number;
  /** Published events are forgotten after this long. */
  retainSentSeconds?: number;
  /** The relay's instruments (`createRelayMetrics`); nothing is measured when absent. */
  metrics?: RelayMetrics;
}

export interface RelayHandle {
  /** Ask for a drain now (after a commit in this process, or on NOTIFY). */
  wake(): void;
  /** Finishes the batch under way and stops. */
  stop(): Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;

/**
 * Publishes outbox rows to the bus in id order, marking them sent only after the bus accepted
 * them. A failed publish leaves the rows unsent for the next round: nothing is lost, and a
 * duplicate (sent, then the mark failed) is harmless because the worker is idempotent.
 */
export function startRelay(deps: RelayDeps): RelayHandle {
  let stopped = false;
  let wakeRequested = true;
  let wakeUp: (() => void) | undefined;
  let lastPrune = 0;
  let failures = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  const loop = async () => {
    while (!stopped) {
      if (!wakeRequested)
        await sleep(failures > 0 ? Math.min(30_000, deps.pollIntervalMs * 2 ** failures) : deps.pollIntervalMs);
      wakeRequested = false;
      if (stopped) break;
      try {
        let sent: number;
        do {
          sent = await deps.outbox.drain(deps.batchSize, (events) =>
            // One publish per topic keeps each batch a single produce request.
            publishByTopic(deps.bus, events, deps.metrics, deps.logger),
          );
        } while (sent === deps.batchSize && !stopped);
        failures = 0;
        if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
          lastPrune = Date.now();
          await deps.outbox.pruneSent(deps.retainSentSeconds ?? 3600);
        }
      } catch (error) {
        failures = Math.min(failures + 1, 6);
        deps.logger.warn('relay round failed; will retry', { error, failures });
      }
    }
  };

  const running = loop();
  deps.logger.info('relay started', { batchSize: deps.batchSize, pollIntervalMs: deps.pollIntervalMs });
  return {
    wake() {
      wakeRequested = true;
      wakeUp?.();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await running;
      deps.logger.info('relay stopped');
    },
  };
}

/**
 * Publishes one produce request per topic and logs each batch at info with the ids of its events,
 * their keys (image ids) and the request ids of the uploads that wrote them, so one upload's story
 * can be followed from the api through the relay to the worker. One line per batch, not per event:
 * under load a batch carries up to RELAY_BATCH_SIZE events.
 */
async function publishByTopic(
  bus: EventBus,
  events: readonly {
    id: string;
    topic: string;
    key: string;
    payload: Record<string, unknown>;
    headers: Record<string, string>;
  }[],
  metrics: RelayMetrics | undefined,
  logger: Logger,
): Promise<void> {
  const byTopic = new Map<string, { id: string; key: string; value: string; headers: Record<string, string> }[]>();
  for (const e of events) {
    const list = byTopic.get(e.topic) ?? [];
    list.push({ id: e.id, key: e.key, value: JSON.stringify(e.payload), headers: e.headers });
    byTopic.set(e.topic, list);
  }
  for (const [topic, messages] of byTopic) {
    // One PRODUCER span per event, in the trace of the upload that wrote it.
    await publishInSpans(
      `publish ${topic}`,
      {
        'messaging.destination.name': topic,
        'messaging.operation.type': 'send',
        'messaging.batch.message_count': messages.length,
      },
      messages.map(({ key, value, headers }) => ({ key, value, headers })),
      (traced) => bus.publish(topic, traced),
    );
    metrics?.eventsPublished.inc({ topic }, messages.length);
    logger.info('published events', {
      topic,
      count: messages.length,
      eventIds: messages.map((m) => m.id),
      keys: messages.map((m) => m.key),
      requestIds: [...new Set(messages.map((m) => m.headers['x-request-id']).filter((id) => id !== undefined))],
    });
  }
}
