import type { EventBus, ProcessingService } from '@pictor/core';
import type { Logger } from '@pictor/observability';
import { JobRunner } from './job-runner.js';
import type { WorkerMetrics } from './metrics.js';
import { PROCESS_IMAGE, jobMetrics, processImageJob } from './process-image.job.js';

export interface WorkerDeps {
  bus: EventBus;
  processing: ProcessingService;
  /** WORKER_MAX_ATTEMPTS: attempts per image before it is dead-lettered. */
  maxAttempts: number;
  concurrency: number;
  logger: Logger;
  /** Prometheus instruments; nothing is measured when absent. */
  metrics?: WorkerMetrics;
  /** Backoff before retry n (1-based); the policy's exponential backoff by default. */
  backoffMs?: (attempt: number) => number;
}

export interface WorkerHandle {
  /** Stops taking jobs and waits for the jobs under way. */
  stop(): Promise<void>;
}

/** The `worker` target: runs the process-image job over `pictor.images.uploaded`. */
export async function startWorker(deps: WorkerDeps): Promise<WorkerHandle> {
  const runner = new JobRunner({
    policy: { ...PROCESS_IMAGE, maxAttempts: deps.maxAttempts },
    job: processImageJob(deps.processing),
    bus: deps.bus,
    logger: deps.logger,
    ...(deps.metrics ? { metrics: jobMetrics(deps.metrics) } : {}),
    ...(deps.backoffMs ? { backoffMs: deps.backoffMs } : {}),
  });
  deps.metrics?.workerConcurrency.set(deps.concurrency);
  const subscription = await runner.start(deps.concurrency);
  deps.logger.info('worker started', { concurrency: deps.concurrency });
  return {
    async stop() {
      await subscription.stop();
      deps.logger.info('worker stopped');
    },
  };
}
