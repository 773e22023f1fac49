import { ProcessingService, TOPICS } from '@pictor/core';
import { KafkaEventBus } from '@pictor/events';
import { observeConsumerLag } from '@pictor/observability';
import { SharpImageProcessor } from '@pictor/imaging';
import { createRelayMetrics, observeOutbox as observeOutboxBacklog, startRelay } from '@pictor/relay';
import { listenForOutbox, PgImageRepository, PgOutboxRepository } from '@pictor/sql';
import { createWorkerMetrics, processingObserver, startWorker, WORKER_GROUP } from '@pictor/worker';
import type { PictorContext } from './context.js';
import type { Stop } from './module-manager.js';

/** Module `worker`: consumes `image.uploaded` and processes images, WORKER_CONCURRENCY at a time. */
export async function startWorkerModule(ctx: PictorContext): Promise<Stop> {
  const { config, logger } = ctx;
  const bus = ctx.use('bus');
  const workerLog = logger.child({ module: 'worker' });
  const workerMetrics = createWorkerMetrics(ctx.use('registry'));
  const processing = new ProcessingService({
    images: new PgImageRepository(ctx.use('database').pool),
    objects: ctx.use('objects'),
    cache: ctx.use('cache').cache,
    processor: new SharpImageProcessor(config.encoding, config.limits.maxImagePixels),
    variants: config.variants,
    observer: processingObserver(workerLog, config.variants, workerMetrics),
  });
  // A worker whose Kafka consumer stopped for good consumes nothing: let Kubernetes restart it.
  if (bus instanceof KafkaEventBus) ctx.healthChecks.push(() => bus.stoppedConsumer());
  const worker = await startWorker({
    bus,
    processing,
    maxAttempts: config.worker.maxAttempts,
    concurrency: config.worker.concurrency,
    logger: workerLog,
    metrics: workerMetrics,
  });
  return () => worker.stop();
}

/**
 * Module `relay`: publishes committed outbox events to the bus, woken by the database's NOTIFY
 * (PostgreSQL) or by the api of its own process, polling meanwhile.
 */
export async function startRelayModule(ctx: PictorContext): Promise<Stop> {
  const { config, logger } = ctx;
  const database = ctx.use('database');
  const outbox = new PgOutboxRepository(database.pool);
  if (config.kafka === undefined) {
    // Events of the in-process bus died with the last process: unfinished images go again.
    const requeued = await outbox.requeuePending();
    if (requeued > 0) logger.info('re-queued events of unfinished images', { count: requeued });
  }
  const relay = startRelay({
    outbox,
    bus: ctx.use('bus'),
    logger: logger.child({ module: 'relay' }),
    batchSize: config.relay.batchSize,
    pollIntervalMs: config.relay.pollIntervalMs,
    metrics: createRelayMetrics(ctx.use('registry')),
  });
  ctx.provide('relay', relay);
  if (database.embedded) return () => relay.stop();
  const listener = listenForOutbox(
    database.url,
    () => relay.wake(),
    (error) => logger.warn('outbox LISTEN connection failed; polling meanwhile', { error }),
  );
  return async () => {
    await listener.stop();
    await relay.stop();
  };
}

/**
 * Module `outbox-metrics`: the outbox as the database holds it, from every api and relay, so the
 * backlog stays visible when every relay is down (the api still answers) and when the api is.
 */
export function observeOutbox(ctx: PictorContext): Promise<undefined> {
  const outbox = new PgOutboxRepository(ctx.use('database').pool);
  observeOutboxBacklog(ctx.use('registry'), () => outbox.backlog());
  return Promise.resolve(undefined);
}

/**
 * Module `worker-lag`: the worker group's lag on Kafka, from workers and relays (still exported
 * when every worker is down).
 */
export function observeWorkerLag(ctx: PictorContext): Promise<undefined> {
  const bus = ctx.use('bus');
  if (bus instanceof KafkaEventBus) {
    observeConsumerLag(ctx.use('registry'), () => bus.consumerLag(WORKER_GROUP, TOPICS.imageUploaded));
  }
  return Promise.resolve(undefined);
}
