import { FORMAT_INFO, type ImageFormat } from '../images/image.js';
import { storageKeys } from '../images/storage-keys.js';
import { publicObjectKeys } from '../images/public-objects.js';
import type { VariantSettings } from '../images/variant-plan.js';
import type { LifecycleRepository, PurgeableImage } from '../ports/lifecycle-repository.port.js';
import type { ObjectStore } from '../ports/object-store.port.js';
import { pasteObjectKey } from '../pastes/paste.js';
import { isAppError } from '../errors/app-error.js';

export interface CleanupSettings {
  /** Images purged per transaction. */
  batchSize: number;
  /** Objects without a row, and pending rows without an original, older than this are removed; 0: never. */
  orphanGraceSeconds: number;
  variants: VariantSettings;
}

export interface CleanupDeps {
  lifecycle: LifecycleRepository;
  objects: ObjectStore;
  settings: CleanupSettings;
  clock?: () => Date;
  /** Called after each batch, e.g. to log progress. */
  onBatch?: (deletedIds: readonly string[]) => void;
  /** Called after each batch of pastes. */
  onPasteBatch?: (deletedIds: readonly string[]) => void;
}

export interface CleanupReport {
  /** Expired images deleted. */
  expired: number;
  /** Expired (or half-deleted) pastes deleted. */
  expiredPastes: number;
  /** Images whose objects had no row. */
  orphans: number;
  /** Pending rows whose original never arrived. */
  stalePending: number;
}

const ORPHAN_CHECK_BATCH = 500;

/**
 * Deletes expired images (objects first, then rows, batch by batch) and what uploads left
 * behind: originals without a row, and pending rows whose original never arrived. Every step
 * is idempotent, so a run that dies half-way is finished by the next one.
 */
export class CleanupService {
  private readonly clock: () => Date;

  constructor(private readonly deps: CleanupDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async run(): Promise<CleanupReport> {
    const expired = await this.purgeExpired();
    const expiredPastes = await this.purgeExpiredPastes();
    const { orphans, stalePending } =
      this.deps.settings.orphanGraceSeconds > 0 ? await this.sweepOrphans() : { orphans: 0, stalePending: 0 };
    // Leftovers of writes a crash interrupted, with the same grace as orphans.
    if (this.deps.settings.orphanGraceSeconds > 0)
      await this.deps.objects.sweepLeftovers?.(this.deps.settings.orphanGraceSeconds * 1000);
    return { expired, expiredPastes, orphans, stalePending };
  }

  /** Purges every image expired now; its cost follows the number of expired images. */
  async purgeExpired(): Promise<number> {
    const now = this.clock();
    let total = 0;
    for (;;) {
      // Cache entries need no invalidation: they never outlive the image's expiry.
      const ids = await this.deps.lifecycle.purgeExpired(now, this.deps.settings.batchSize, (images) =>
        this.deleteObjects(images),
      );
      total += ids.length;
      if (ids.length > 0) this.deps.onBatch?.(ids);
      if (ids.length < this.deps.settings.batchSize) return total;
    }
  }

  /**
   * Purges every paste expired now, and any a burn or delete left half-deleted: objects first,
   * then rows, batch by batch. Cache entries never outlive a paste's expiry, and burnt pastes are
   * never cached, so nothing needs invalidating.
   */
  async purgeExpiredPastes(): Promise<number> {
    const now = this.clock();
    let total = 0;
    for (;;) {
      const ids = await this.deps.lifecycle.purgeExpiredPastes(now, this.deps.settings.batchSize, (batch) =>
        this.deps.objects.delete(batch.map(pasteObjectKey)),
      );
      total += ids.length;
      if (ids.length > 0) this.deps.onPasteBatch?.(ids);
      if (ids.length < this.deps.settings.batchSize) return total;
    }
  }

  private async sweepOrphans(): Promise<{ orphans: number; stalePending: number }> {
    const cutoff = new Date(this.clock().getTime() - this.deps.settings.orphanGraceSeconds * 1000);
    let orphans = 0;
    let candidates: string[] = [];
    const check = async () => {
      const existing = await this.deps.lifecycle.existingIds(candidates);
      const found = candidates.filter((id) => !existing.has(id));
      for (const id of found) await this.deleteAllOf(id);
      orphans += found.length;
      candidates = [];
    };
    // Uploads store the original before inserting the row: only old originals can be orphans.
    for await (const object of this.deps.objects.list('originals/')) {
      if (object.lastModified > cutoff) continue;
      candidates.push(object.key.slice('originals/'.length));
      if (candidates.length >= ORPHAN_CHECK_BATCH) await check();
    }
    if (candidates.length > 0) await check();

    // Pastes likewise: the text is stored before the row, so an old object without a row is an orphan.
    let pasteCandidates: string[] = [];
    const checkPastes = async () => {
      const existing = await this.deps.lifecycle.existingPasteIds(pasteCandidates);
      const found = pasteCandidates.filter((id) => !existing.has(id));
      if (found.length > 0) await this.deps.objects.delete(found.map(pasteObjectKey));
      orphans += found.length;
      pasteCandidates = [];
    };
    for await (const object of this.deps.objects.list('pastes/')) {
      if (object.lastModified > cutoff) continue;
      pasteCandidates.push(object.key.slice('pastes/'.length));
      if (pasteCandidates.length >= ORPHAN_CHECK_BATCH) await checkPastes();
    }
    if (pasteCandidates.length > 0) await checkPastes();

    let stalePending = 0;
    for (const image of await this.deps.lifecycle.stalePending(cutoff, ORPHAN_CHECK_BATCH)) {
      if (await this.deps.objects.stat(storageKeys.original(image.id))) continue;
      if (await this.deps.lifecycle.removePending(image.id)) {
        await this.deleteObjects([image]);
        stalePending++;
      }
    }
    return { orphans, stalePending };
  }

  /** Every object of images whose rows are known: planned outputs, anything under their prefix, the original. */
  private async deleteObjects(images: readonly PurgeableImage[]): Promise<void> {
    const keys = new Set<string>();
    for (const image of images) {
      for (const key of await publicObjectKeys(this.deps.objects, image, this.deps.settings.variants)) keys.add(key);
    }
    if (keys.size > 0) await this.deps.objects.delete([...keys]);
    // Originals last: while one exists, the orphan sweep can still find what a crash left.
    await this.deps.objects.delete(images.map((image) => storageKeys.original(image.id)));
  }

  /** Every object an id may have when its row (and so its format) is gone. */
  private async deleteAllOf(id: string): Promise<void> {
    const keys = new Set<string>();
    for (const format of Object.keys(FORMAT_INFO) as ImageFormat[]) {
      keys.add(storageKeys.display(id, format));
      keys.add(storageKeys.private(storageKeys.display(id, format)));
    }
    for await (const object of this.deps.objects.list(storageKeys.variantPrefix(id))) keys.add(object.key);
    for await (const object of this.deps.objects.list(storageKeys.privatePrefix(id))) keys.add(object.key);
    await this.deps.objects.delete([...keys]);
    await this.deps.objects.delete([storageKeys.original(id)]);
  }
}

/**
 * Runs one cleanup pass and adds its outcome to the totals the lifecycle repository keeps (the
 * api exports them, so they outlive a CronJob's pod). A failure to record is handed to
 * `onRecordError`, never mistaken for a failed run; a failed run is recorded and rethrown.
 */
export async function runRecorded(
  lifecycle: Pick<LifecycleRepository, 'recordCleanupSuccess' | 'recordCleanupFailure'>,
  run: () => Promise<CleanupReport>,
  onRecordError: (what: 'result' | 'failure', error: unknown) => void,
): Promise<CleanupReport> {
  try {
    const report = await run();
    await lifecycle.recordCleanupSuccess(report).catch((error: unknown) => onRecordError('result', error));
    return report;
  } catch (error) {
    const reason = isAppError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    await lifecycle.recordCleanupFailure(reason).catch((recordError: unknown) => onRecordError('failure', recordError));
    throw error;
  }
}
