import { ERRORS } from '../errors/errors.js';
import { isAppError } from '../errors/app-error.js';
import type { Cache } from '../ports/cache.port.js';
import type { ImageProcessor, RenderedOutput, SourceImage } from '../ports/image-processor.port.js';
import type { ImageRepository } from '../ports/image-repository.port.js';
import type { ObjectStore, PutOptions } from '../ports/object-store.port.js';
import { FORMAT_INFO, type ImageRecord, type ImageStatus, type VariantRecord } from './image.js';
import { forgetCachedImage } from './image.service.js';
import { withholdObjects } from './public-objects.js';
import { PRIVATE_CACHE_CONTROL, publicCacheControl, storageKeys } from './storage-keys.js';
import { DISPLAY, planOutputs, type VariantSettings } from './variant-plan.js';

/** What the service reports as it works (metrics, traces, logs); every callback optional. */
export interface ProcessingObserver {
  /** One output was rendered (the display copy or a variant), taking `seconds`. */
  rendered?(output: { name: string; format: string }, seconds: number): void;
  /** The image became ready (it was uploaded at `image.createdAt`). */
  ready?(image: ImageRecord): void;
  /** The image was deleted while it was processed; what was written for it is removed. */
  discarded?(imageId: string): void;
  /**
   * Runs one rendering step (a trace span named `name`); `rename` names it once the output a
   * variant step rendered is known.
   */
  step?<T>(name: string, run: (rename: (name: string) => void) => Promise<T>): Promise<T>;
}

export interface ProcessingServiceDeps {
  images: ImageRepository;
  objects: ObjectStore;
  cache: Cache;
  processor: ImageProcessor;
  variants: VariantSettings;
  observer?: ProcessingObserver;
}

/** An attempt at an image: the row and the attempt's number, or why there is nothing to do. */
export type ProcessingAttempt =
  { image: ImageRecord; attempt: number } | { image?: undefined; status: ImageStatus | 'absent' };

/** How an attempt ended when it did not throw. */
export type ProcessingOutcome = 'ready' | 'discarded';

/**
 * The processing of an uploaded image: its original is decoded once, every output of the variant
 * plan is written to storage and recorded on the row (the display copy first, then format group
 * by format group), and the row turns `ready`. Idempotent: outputs have fixed keys, and an image
 * that is no longer pending is left alone. Retries and dead letters are the caller's (the worker's
 * job runner); `fail` records the final failure.
 */
export class ProcessingService {
  constructor(private readonly deps: ProcessingServiceDeps) {}

  /**
   * Starts an attempt at a pending image. Attempts are counted on the row, so attempts that never
   * reached an outcome (the process died mid-image) count too.
   */
  async begin(imageId: string): Promise<ProcessingAttempt> {
    const image = await this.deps.images.findById(imageId);
    if (!image || image.status !== 'pending') return { status: image?.status ?? 'absent' };
    const attempt = (await this.deps.images.countAttempt(image.id)) ?? 0;
    return { image, attempt };
  }

  /**
   * Renders, stores and records every output, then marks the image ready (`settle` follows).
   * Throws AppErrors: a
   * retryable DEPENDENCY_UNAVAILABLE when storage fails, a permanent PROCESSING_FAILED when the
   * image cannot be processed; anything else is unexpected.
   */
  async process(image: ImageRecord): Promise<ProcessingOutcome> {
    const { objects, images, processor, observer } = this.deps;
    const original = await readAll(objects, storageKeys.original(image.id));
    const source: SourceImage = {
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
    const step = <T>(name: string, run: (rename: (name: string) => void) => Promise<T>): Promise<T> =>
      observer?.step ? observer.step(name, run) : run(() => undefined);

    const store = async (rendered: RenderedOutput) => {
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
    const timed = async (render: () => Promise<RenderedOutput>): Promise<RenderedOutput> => {
      const startedAt = process.hrtime.bigint();
      const result = await render();
      observer?.rendered?.(result.output, Number(process.hrtime.bigint() - startedAt) / 1e9);
      return result;
    };
    // The variants' decode runs beside the display copy (each on its own libvips thread): the two
    // are independent, and the display copy is still recorded first.
    const preparing = decodeStep(() => processor.prepareVariants(original, source, variantPlans));
    preparing.catch(() => undefined); // observed below, unless the display copy fails first
    await store(
      await step(`render ${DISPLAY} ${displayPlan.format}`, () =>
        timed(() => decodeStep(() => processor.renderDisplay(original, source, displayPlan))),
      ),
    );
    if (!(await images.recordVariants(image.id, recorded, null))) return this.discard(image.id, written);

    const { placeholder, render } = await preparing;
    const rendered = render();
    for (;;) {
      const startedAt = process.hrtime.bigint();
      const next = await step('render variant', async (rename) => {
        const result = await decodeStep(() => rendered.next());
        if (!result.done) rename(`render ${result.value.output.name} ${result.value.output.format}`);
        return result;
      });
      if (next.done) break;
      observer?.rendered?.(next.value.output, next.value.seconds ?? Number(process.hrtime.bigint() - startedAt) / 1e9);
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
    if ((await images.findById(image.id))?.ownerBlocked) await withholdObjects(objects, written);
    if (!(await images.markReady(image.id, recorded, placeholder))) return this.discard(image.id, written);
    return 'ready';
  }

  /**
   * After an attempt's outcome is known (and reported): a ready image is observed as ready and
   * its cached row dropped. Throws when the cache cannot be reached.
   */
  async settle(image: ImageRecord, outcome: ProcessingOutcome): Promise<void> {
    if (outcome !== 'ready') return;
    this.deps.observer?.ready?.(image);
    await forgetCachedImage(this.deps.cache, image.id);
  }

  /** The final outcome of an image that cannot be processed: `failed`, with the reason. */
  async fail(imageId: string, reason: string): Promise<void> {
    await this.deps.images.markFailed(imageId, reason);
    await forgetCachedImage(this.deps.cache, imageId);
  }

  /** The image was deleted while we worked: remove what we wrote so nothing is resurrected. */
  private async discard(imageId: string, written: readonly string[]): Promise<ProcessingOutcome> {
    // With the copies moved aside for a blocked owner, wherever they are now.
    const withheld = written.filter((key) => key.startsWith('public/')).map((key) => storageKeys.withheld(key));
    await this.deps.objects.delete([...written, ...withheld]);
    this.deps.observer?.discarded?.(imageId);
    return 'discarded';
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

/** Errors thrown by the processor are about the image itself: retrying will not help. */
async function decodeStep<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (isAppError(error)) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw ERRORS.processingFailed(`The image could not be processed: ${message}`, false, error);
  }
}
