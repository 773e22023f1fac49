import { setTimeout as sleep } from 'node:timers/promises';
import type { AppError } from '@pictor/core';
import {
  DISPLAY,
  ERRORS,
  FORMAT_INFO,
  IMAGE_FORMATS,
  THUMBNAIL,
  TOPICS,
  isAppError,
  parseImageUploadedEvent,
  planOutputs,
  PRIVATE_CACHE_CONTROL,
  publicCacheControl,
  storageKeys,
  withholdObjects,
  type DeliveredEvent,
  type EventBus,
  type ImageRecord,
  type ImageRepository,
  type ObjectStore,
  type PutOptions,
  type VariantRecord,
  type VariantSettings,
} from '@pictor/core';
import type { SharpImageProcessor } from '@pictor/imaging';
import { consumerContext, initialiseSeries, inSpan, type Logger, type Metrics } from '@pictor/observability';

export interface ProcessImageDeps {
  images: ImageRepository;
  objects: ObjectStore;
  bus: EventBus;
  processor: SharpImageProcessor;
  variants: VariantSettings;
  maxAttempts: number;
  logger: Logger;
  /** Backoff before retry n (1-based); exponential by default. */
  backoffMs?: (attempt: number) => number;
  /** Called when an image leaves `pending`, so caches can drop it. */
  onSettled?: (imageId: string) => Promise<void>;
  /** Prometheus instruments; nothing is measured when absent. */
  metrics?: Metrics;
}

export const OUTCOMES = ['ready', 'failed', 'skipped', 'dead-lettered', 'discarded'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Codes a failed attempt can carry: a dependency, the pipeline, or anything unexpected. */
export const RETRY_REASONS = ['DEPENDENCY_UNAVAILABLE', 'PROCESSING_FAILED'] as const;
/** Codes an event can be dead-lettered with (the worker's own two, then the failures'). */
export const DEAD_LETTER_REASONS = ['MALFORMED_EVENT', 'TOO_MANY_ATTEMPTS', 'CORRUPT_IMAGE', ...RETRY_REASONS] as const;

const defaultBackoff = (attempt: number) => Math.min(10_000, 250 * 2 ** (attempt - 1));

/**
 * Handles one `pictor.images.uploaded` event. Idempotent: outputs have fixed keys, and a
 * message for an image that is no longer pending is acknowledged without work. Retryable
 * errors are retried here with backoff up to maxAttempts (counted in the row, so crashes
 * count too); then the event goes to the dead-letter topic and the image is marked failed.
 * The handler itself only throws when it could not record an outcome, so the bus redelivers.
 */
export class ProcessImageHandler {
  private readonly backoff: (attempt: number) => number;

  constructor(private readonly deps: ProcessImageDeps) {
    this.backoff = deps.backoffMs ?? defaultBackoff;
    if (deps.metrics) {
      // At 0 from the start, so the first retry or dead letter is an increase Prometheus sees.
      initialiseSeries(deps.metrics.imagesProcessed, { outcome: OUTCOMES });
      initialiseSeries(deps.metrics.processingRetries, { reason: RETRY_REASONS });
      initialiseSeries(deps.metrics.deadLetters, { reason: DEAD_LETTER_REASONS });
      initialiseSeries(deps.metrics.jobDuration, { outcome: OUTCOMES });
      // Every output the plan can make: the display copy keeps the source's format, the
      // variants are JPEG or PNG, WebP and AVIF.
      initialiseSeries(deps.metrics.processingDuration, { variant: [DISPLAY], format: IMAGE_FORMATS });
      initialiseSeries(deps.metrics.processingDuration, {
        variant: [THUMBNAIL, ...deps.variants.widths.map((w) => `w${w}`)],
        format: ['jpeg', 'png', 'webp', 'avif'],
      });
    }
  }

  async handle(event: DeliveredEvent): Promise<Outcome> {
    // In the upload's trace: the relay's span for this event is the parent.
    return inSpan(
      'process image',
      { parent: consumerContext(event.headers), attributes: { 'pictor.image.id': event.key } },
      async (span) => {
        const outcome = await this.handleMeasured(event);
        span.setAttribute('pictor.outcome', outcome);
        return outcome;
      },
    );
  }

  private async handleMeasured(event: DeliveredEvent): Promise<Outcome> {
    const metrics = this.deps.metrics;
    if (!metrics) return this.handleOnce(event);
    const stopTimer = metrics.jobDuration.startTimer();
    metrics.jobsInProgress.inc();
    try {
      const outcome = await this.handleOnce(event);
      metrics.imagesProcessed.inc({ outcome });
      stopTimer({ outcome });
      return outcome;
    } finally {
      metrics.jobsInProgress.dec();
    }
  }

  private async handleOnce(event: DeliveredEvent): Promise<Outcome> {
    const started = Date.now();
    const parsed = parseImageUploadedEvent(event.value);
    const log = this.deps.logger.child({
      imageId: parsed?.imageId ?? event.key,
      requestId: event.headers['x-request-id'],
    });
    if (!parsed) {
      await this.deadLetter(event, 'MALFORMED_EVENT', 'The event body is not a valid image event.', 0);
      log.warn('dead-lettered a malformed event', { key: event.key });
      return 'dead-lettered';
    }
    for (;;) {
      const image = await this.deps.images.findById(parsed.imageId);
      if (!image || image.status !== 'pending') {
        log.info('job skipped: image no longer pending', { status: image?.status ?? 'absent' });
        return 'skipped';
      }
      const attempt = (await this.deps.images.countAttempt(image.id)) ?? 0;
      if (attempt > this.deps.maxAttempts) {
        // Earlier attempts never reached an outcome (the process died mid-image): a poison image.
        const reason = `Processing did not finish in ${this.deps.maxAttempts} attempts.`;
        await this.fail(event, image.id, 'TOO_MANY_ATTEMPTS', reason, attempt);
        log.error('job dead-lettered: too many attempts', { attempt });
        return 'failed';
      }
      log.debug('job started', { attempt });
      try {
        const outcome = await this.process(image);
        log.info('job done', { outcome, attempt, durationMs: Date.now() - started });
        if (outcome === 'ready') {
          this.deps.metrics?.uploadToReady.observe(Math.max(0, Date.now() - image.createdAt.getTime()) / 1000);
          await this.deps.onSettled?.(image.id);
        }
        return outcome;
      } catch (error) {
        const appError = classify(error);
        if (appError.retryable && attempt < this.deps.maxAttempts) {
          log.warn('job failed, will retry', { attempt, code: appError.code, error: appError.message });
          this.deps.metrics?.processingRetries.inc({ reason: appError.code });
          await sleep(this.backoff(attempt));
          continue;
        }
        log.error('job failed for good', { attempt, code: appError.code, error: appError.message });
        await this.fail(event, image.id, appError.code, appError.message, attempt);
        return 'failed';
      }
    }
  }

  private async process(image: ImageRecord): Promise<Outcome> {
    const { objects, images, processor } = this.deps;
    const original = await readAll(objects, storageKeys.original(image.id));
    const source = {
      format: image.format,
      width: image.width,
      frames: image.frames,
      hasAlpha: image.hasAlpha,
      watermark: image.watermark,
    };
    const [displayPlan, ...variantPlans] = planOutputs(image, this.deps.variants);
    if (!displayPlan || displayPlan.name !== DISPLAY) throw new Error('The plan must start with the display copy');
    const written: string[] = [];
    const recorded: VariantRecord[] = [];
    // The edge serves these straight from storage, where a header is fixed at write time: an
    // expiring image is revalidated on every use (ETag), so no cache keeps it past its expiry.
    // A private image's outputs go under `private/` (storageKeys.stored), where the edge never looks.
    const caching: PutOptions = {
      cacheControl: image.visibility === 'private' ? PRIVATE_CACHE_CONTROL : publicCacheControl(image),
    };

    const store = async (rendered: {
      output: { name: string; format: VariantRecord['format']; key: string };
      bytes: Buffer;
      width: number;
      height: number;
    }) => {
      const storedKey = storageKeys.stored(image.visibility, rendered.output.key);
      await objects
        .put(storedKey, rendered.bytes, FORMAT_INFO[rendered.output.format].mime, caching)
        .catch((error: unknown) => {
          throw ERRORS.dependencyUnavailable('objects', error);
        });
      written.push(storedKey);
      recorded.push({
        name: rendered.output.name,
        format: rendered.output.format,
        width: rendered.width,
        height: rendered.height,
        bytes: rendered.bytes.length,
        key: rendered.output.key,
      });
    };

    // The display copy first: the direct link can be served while variants are still made.
    const timed = async <T extends { output: { name: string; format: string } }>(
      step: () => Promise<T>,
    ): Promise<T> => {
      const startedAt = process.hrtime.bigint();
      const result = await step();
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      this.deps.metrics?.processingDuration.observe(
        { variant: result.output.name, format: result.output.format },
        seconds,
      );
      return result;
    };
    // The variants' decode runs beside the display copy (each on its own libvips thread): the two
    // are independent, and the display copy is still recorded first.
    const preparing = decodeStep(() => processor.prepareVariants(original, source, variantPlans));
    preparing.catch(() => undefined); // observed below, unless the display copy fails first
    await store(
      await inSpan(`render ${DISPLAY} ${displayPlan.format}`, {}, () =>
        timed(() => decodeStep(() => processor.renderDisplay(original, source, displayPlan))),
      ),
    );
    if (!(await images.recordVariants(image.id, recorded, null))) return this.discard(image.id, written);

    const { placeholder, render } = await preparing;
    const rendered = render();
    for (;;) {
      const startedAt = process.hrtime.bigint();
      const next = await inSpan('render variant', {}, async (span) => {
        const step = await decodeStep(() => rendered.next());
        if (!step.done) span.updateName(`render ${step.value.output.name} ${step.value.output.format}`);
        return step;
      });
      if (next.done) break;
      this.deps.metrics?.processingDuration.observe(
        { variant: next.value.output.name, format: next.value.output.format },
        next.value.seconds ?? Number(process.hrtime.bigint() - startedAt) / 1e9,
      );
      await store(next.value);
      // Publish each finished format group, so its links work before the slower ones are done.
      const following = variantPlans[recorded.length - 1];
      if (following && following.format !== next.value.output.format) {
        if (!(await images.recordVariants(image.id, recorded, placeholder))) return this.discard(image.id, written);
      }
    }
    // The owner may have been blocked while this ran, after their images were moved aside: what
    // was written here goes aside too, so the edge does not serve it. (A block committed after
    // this check moves these writes itself: they all happened before it.)
    if ((await images.findById(image.id))?.ownerBlocked) await withholdObjects(this.deps.objects, written);
    if (!(await images.markReady(image.id, recorded, placeholder))) return this.discard(image.id, written);
    return 'ready';
  }

  /** The image was deleted while we worked: remove what we wrote so nothing is resurrected. */
  private async discard(imageId: string, written: readonly string[]): Promise<Outcome> {
    // With the copies moved aside for a blocked owner, wherever they are now.
    const withheld = written.filter((key) => key.startsWith('public/')).map((key) => storageKeys.withheld(key));
    await this.deps.objects.delete([...written, ...withheld]);
    this.deps.logger.info('job discarded: image deleted during processing', { imageId });
    return 'discarded';
  }

  /** The final outcome of a poison image: its event to the dead-letter topic, the row to failed. */
  private async fail(
    event: DeliveredEvent,
    imageId: string,
    code: string,
    reason: string,
    attempts: number,
  ): Promise<void> {
    await this.deadLetter(event, code, reason, attempts);
    await this.deps.images.markFailed(imageId, reason);
    await this.deps.onSettled?.(imageId);
  }

  private async deadLetter(event: DeliveredEvent, code: string, message: string, attempts: number): Promise<void> {
    await this.deps.bus.publish(TOPICS.imageUploadedDeadLetter, [
      {
        key: event.key,
        value: event.value,
        headers: {
          ...event.headers,
          'x-error-code': code,
          'x-error-message': message.slice(0, 500),
          'x-attempts': String(attempts),
          'x-original-topic': event.topic,
        },
      },
    ]);
    this.deps.metrics?.deadLetters.inc({ reason: code });
  }
}

async function readAll(objects: ObjectStore, key: string): Promise<Buffer> {
  let object;
  try {
    object = await objects.get(key);
  } catch (error) {
    throw ERRORS.dependencyUnavailable('objects', error);
  }
  if (!object) throw ERRORS.processingFailed('The original upload is missing from storage.', false);
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Errors thrown by libvips are about the image itself: retrying will not help. */
async function decodeStep<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (isAppError(error)) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw ERRORS.processingFailed(`The image could not be processed: ${message}`, false, error);
  }
}

function classify(error: unknown): AppError {
  if (isAppError(error)) return error;
  // Anything unexpected (a dropped connection, a timeout) is worth another try.
  return ERRORS.processingFailed(error instanceof Error ? error.message : String(error), true, error);
}
