import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds buckets for image work: 10 ms to 2 min. */
const WORK_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The worker's Prometheus instruments. */
export interface WorkerMetrics {
  readonly processingDuration: Histogram<'variant' | 'format'>;
  readonly jobDuration: Histogram<'outcome'>;
  readonly imagesProcessed: Counter<'outcome'>;
  readonly uploadToReady: Histogram;
  readonly processingRetries: Counter<'reason'>;
  readonly deadLetters: Counter<'reason'>;
  readonly jobsInProgress: Gauge;
  /** Jobs this process may run at once (WORKER_CONCURRENCY), for saturation. */
  readonly workerConcurrency: Gauge;
}

/**
 * Creates the worker's instruments on `registry` (the process's one registry); their labelled
 * series are initialised by the job runner, which knows their values.
 */
export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  return {
    processingDuration: new Histogram({
      name: 'pictor_processing_duration_seconds',
      help: 'Time to render one output (display copy or variant), by variant and output format.',
      labelNames: ['variant', 'format'],
      buckets: WORK_BUCKETS,
      registers,
    }),
    jobDuration: new Histogram({
      name: 'pictor_job_duration_seconds',
      help: 'Time to handle one image event, by outcome.',
      labelNames: ['outcome'],
      buckets: WORK_BUCKETS,
      registers,
    }),
    imagesProcessed: new Counter({
      name: 'pictor_images_processed_total',
      help: 'Image events handled, by final outcome (ready, failed, skipped, dead-lettered, discarded).',
      labelNames: ['outcome'],
      registers,
    }),
    uploadToReady: new Histogram({
      name: 'pictor_upload_to_ready_seconds',
      help: 'Time from the upload being recorded to the image being ready.',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
      registers,
    }),
    processingRetries: new Counter({
      name: 'pictor_processing_retries_total',
      help: 'Processing attempts that failed and will be retried, by error code.',
      labelNames: ['reason'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'pictor_dead_letters_total',
      help: 'Events sent to the dead-letter topic, by error code.',
      labelNames: ['reason'],
      registers,
    }),
    jobsInProgress: new Gauge({
      name: 'pictor_worker_jobs_in_progress',
      help: 'Image events being handled now by this process.',
      registers,
    }),
    workerConcurrency: new Gauge({
      name: 'pictor_worker_concurrency',
      help: 'Image events this process may handle at once (WORKER_CONCURRENCY).',
      registers,
    }),
  };
}
