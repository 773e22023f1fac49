import type { Config } from '@pictor/config';
import {
  CleanupService,
  runRecorded,
  type CleanupReport,
  type LifecycleRepository,
  type ObjectStore,
} from '@pictor/core';
import type { Logger } from '@pictor/observability';
import { PgAccountRepository, PgLifecycleRepository, type Pool } from '@pictor/sql';
import { openObjectStore } from '../modules/adapters.js';
import type { PictorContext } from '../modules/context.js';
import type { Stop } from '../modules/module-manager.js';

/** The cleanup use case on given adapters (shared by `--target=cleanup` and the schedule of `all`). */
export function createCleanup(
  config: Config,
  lifecycle: LifecycleRepository,
  objects: ObjectStore,
  logger: Logger,
): CleanupService {
  return new CleanupService({
    lifecycle,
    objects,
    settings: {
      batchSize: config.cleanup.batchSize,
      orphanGraceSeconds: config.cleanup.orphanGraceSeconds,
      variants: config.variants,
    },
    onBatch: (ids) => logger.info('expired images deleted', { count: ids.length }),
    onPasteBatch: (ids) => logger.info('expired pastes deleted', { count: ids.length }),
  });
}

const recordWarning = (logger: Logger) => (what: string, error: unknown) =>
  logger.warn(`could not record the cleanup's ${what}`, { error });

/**
 * `--target=cleanup` (module `cleanup-once`): one pass over expired images and pastes and
 * orphans, then exit. Object storage is opened inside the recorded run: storage that cannot be
 * reached is a failed run too, counted like the others.
 */
export async function cleanupOnce(ctx: PictorContext): Promise<undefined> {
  const { config, logger } = ctx;
  const started = Date.now();
  const pool = ctx.use('database').pool;
  const lifecycle = new PgLifecycleRepository(pool);
  const report = await runRecorded(
    lifecycle,
    async () => {
      const objects = await openObjectStore(config);
      try {
        return await createCleanup(config, lifecycle, objects, logger).run();
      } finally {
        await objects.close();
      }
    },
    recordWarning(logger),
  );
  await pruneSessions(pool, logger);
  logger.info('cleanup finished', { ...report, durationMs: Date.now() - started });
  ctx.result = report;
  return undefined;
}

/** Deletes sessions past their expiry (they no longer sign anyone in; this only keeps the table small). */
async function pruneSessions(pool: Pool, logger: Logger): Promise<void> {
  const pruned = await new PgAccountRepository(pool).pruneSessions(new Date()).catch((error: unknown) => {
    logger.warn('could not prune expired sessions', { error });
    return 0;
  });
  if (pruned > 0) logger.info('expired sessions pruned', { count: pruned });
}

/**
 * Module `cleanup-schedule` (target `all`, one machine): the cleanup every CLEANUP_INTERVAL
 * in-process; clusters run the cleanup CronJob instead. Stopping waits for a running pass.
 */
export function startCleanupSchedule(ctx: PictorContext): Promise<Stop | undefined> {
  const { config } = ctx;
  if (config.cleanup.intervalSeconds <= 0) return Promise.resolve(undefined);
  const pool = ctx.use('database').pool;
  const logger = ctx.logger.child({ module: 'cleanup' });
  const lifecycle = new PgLifecycleRepository(pool);
  const cleanup = createCleanup(config, lifecycle, ctx.use('objects'), logger);
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= runRecorded(lifecycle, () => cleanup.run(), recordWarning(logger))
      .then(async (report: CleanupReport) => {
        await pruneSessions(pool, logger);
        return report;
      })
      .then(
        (report) => {
          if (report.expired + report.orphans + report.stalePending > 0) logger.info('cleanup finished', { ...report });
        },
        (error: unknown) => logger.warn('cleanup failed; retrying at the next interval', { error }),
      )
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, config.cleanup.intervalSeconds * 1000);
  timer.unref();
  return Promise.resolve(async () => {
    clearInterval(timer);
    await running;
  });
}
