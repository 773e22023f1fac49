import { TOPICS, type EventBus, type Subscription } from '@pictor/core';
import type { Logger } from '@pictor/observability';
import type { ProcessImageHandler } from './process-image.handler.js';

export interface WorkerDeps {
  bus: EventBus;
  handler: ProcessImageHandler;
  concurrency: number;
  logger: Logger;
}

export interface WorkerHandle {
  /** Stops taking jobs and waits for the jobs under way. */
  stop(): Promise<void>;
}

export const WORKER_GROUP = 'pictor-worker';

export async function startWorker(deps: WorkerDeps): Promise<WorkerHandle> {
  const subscription: Subscription = await deps.bus.subscribe(
    TOPICS.imageUploaded,
    async (event) => {
      await deps.handler.handle(event);
    },
    { group: WORKER_GROUP, concurrency: deps.concurrency },
  );
  deps.logger.info('worker started', { concurrency: deps.concurrency });
  return {
    async stop() {
      await subscription.stop();
      deps.logger.info('worker stopped');
    },
  };
}
