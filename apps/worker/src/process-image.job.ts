import {
  DISPLAY,
  IMAGE_FORMATS,
  THUMBNAIL,
  TOPICS,
  parseImageUploadedEvent,
  type ImageRecord,
  type ProcessingObserver,
  type ProcessingOutcome,
  type ProcessingService,
  type VariantSettings,
} from '@pictor/core';
import { initialiseSeries, inSpan, type Logger } from '@pictor/observability';
import type { Job, JobMetrics, JobPolicy } from './job-runner.js';
import type { WorkerMetrics } from './metrics.js';

export const WORKER_GROUP = 'pictor-worker';

export const OUTCOMES = ['ready', 'failed', 'skipped', 'dead-lettered', 'discarded'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Codes a failed attempt can carry: a dependency, the pipeline, or anything unexpected. */
export const RETRY_REASONS = ['DEPENDENCY_UNAVAILABLE', 'PROCESSING_FAILED'] as const;
/** Codes an event can be dead-lettered with (the worker's own two, then the failures'). */
export const DEAD_LETTER_REASONS = ['MALFORMED_EVENT', 'TOO_MANY_ATTEMPTS', 'CORRUPT_IMAGE', ...RETRY_REASONS] as const;

/**
 * Processing an uploaded image: retried with exponential backoff (250 ms, doubling, at most 10 s)
 * up to WORKER_MAX_ATTEMPTS, then dead-lettered to `pictor.images.uploaded.dlq`.
 */
export const PROCESS_IMAGE: Omit<JobPolicy, 'maxAttempts'> = {
  topic: TOPICS.imageUploaded,
  group: WORKER_GROUP,
  backoff: { baseMs: 250, factor: 2, maxMs: 10_000 },
  deadLetter: TOPICS.imageUploadedDeadLetter,
  malformedMessage: 'The event body is not a valid image event.',
  span: { name: 'process image', keyAttribute: 'pictor.image.id' },
  outcomes: OUTCOMES,
  retryReasons: RETRY_REASONS,
  deadLetterReasons: DEAD_LETTER_REASONS,
};

/** One `pictor.images.uploaded` event: the image it names goes through the processing use case. */
export function processImageJob(
  processing: ProcessingService,
): Job<{ imageId: string }, ImageRecord, ProcessingOutcome> {
  return {
    parse: (event) => parseImageUploadedEvent(event.value) ?? undefined,
    logFields: (event, payload) => ({
      imageId: payload?.imageId ?? event.key,
      requestId: event.headers['x-request-id'],
    }),
    async begin({ imageId }) {
      const begun = await processing.begin(imageId);
      if (!begun.image) return { skipped: 'image no longer pending', fields: { status: begun.status } };
      return { subject: begun.image, attempt: begun.attempt };
    },
    run: (image) => processing.process(image),
    settle: (image, outcome) => processing.settle(image, outcome),
    fail: ({ imageId }, reason) => processing.fail(imageId, reason),
  };
}

/** The runner's instruments among the worker's. */
export function jobMetrics(metrics: WorkerMetrics): JobMetrics {
  return {
    duration: metrics.jobDuration,
    outcomes: metrics.imagesProcessed,
    retries: metrics.processingRetries,
    deadLetters: metrics.deadLetters,
    inProgress: metrics.jobsInProgress,
  };
}

/**
 * What the processing use case reports, as the worker's metrics, spans and log lines. With
 * metrics, every output the plan can make starts at 0.
 */
export function processingObserver(
  logger: Logger,
  variants: VariantSettings,
  metrics?: WorkerMetrics,
): ProcessingObserver {
  if (metrics) {
    // The display copy keeps the source's format; the variants are JPEG or PNG, WebP and AVIF.
    initialiseSeries(metrics.processingDuration, { variant: [DISPLAY], format: IMAGE_FORMATS });
    initialiseSeries(metrics.processingDuration, {
      variant: [THUMBNAIL, ...variants.widths.map((w) => `w${w}`)],
      format: ['jpeg', 'png', 'webp', 'avif'],
    });
  }
  return {
    rendered: (output, seconds) =>
      metrics?.processingDuration.observe({ variant: output.name, format: output.format }, seconds),
    ready: (image) => metrics?.uploadToReady.observe(Math.max(0, Date.now() - image.createdAt.getTime()) / 1000),
    discarded: (imageId) => logger.info('job discarded: image deleted during processing', { imageId }),
    step: (name, run) => inSpan(name, {}, (span) => run((renamed) => span.updateName(renamed))),
  };
}
