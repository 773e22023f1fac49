import type { ImageRecord } from '../images/image.js';
import type { CleanupReport } from '../lifecycle/cleanup.service.js';

/** What is needed to know every object key an image may have. */
export type PurgeableImage = Pick<ImageRecord, 'id' | 'format' | 'hasAlpha' | 'width'>;

/** A backup that was written and verified. */
export interface BackupRecord {
  key: string;
  bytes: number;
  sha256: string;
  startedAt: Date;
  finishedAt: Date;
}

/** The SQL side of cleanup and backups. */
export interface LifecycleRepository {
  /**
   * In one transaction: locks up to `limit` images whose expiry is at or before `now`
   * (FOR UPDATE SKIP LOCKED, so concurrent runs take disjoint sets), hands them to
   * `purgeObjects`, and deletes their rows only if it resolves. A crash rolls the claim back,
   * so the next run finds the same rows again. Returns the ids deleted.
   */
  purgeExpired(
    now: Date,
    limit: number,
    purgeObjects: (images: readonly PurgeableImage[]) => Promise<void>,
  ): Promise<string[]>;
  /**
   * The same for pastes: locks up to `limit` pastes that expired at or before `now`, or were
   * left half-deleted (`deleting`: a burn or delete that died before its purge), hands their ids
   * to `purgeObjects`, and deletes their rows only if it resolves.
   */
  purgeExpiredPastes(
    now: Date,
    limit: number,
    purgeObjects: (ids: readonly string[]) => Promise<void>,
  ): Promise<string[]>;
  /** The subset of paste `ids` that still have a row. */
  existingPasteIds(ids: readonly string[]): Promise<Set<string>>;
  /** The subset of `ids` that still have a row. */
  existingIds(ids: readonly string[]): Promise<Set<string>>;
  /** Images still `pending` that were created before `before`, oldest first. */
  stalePending(before: Date, limit: number): Promise<PurgeableImage[]>;
  /** Deletes one row if it is still `pending`; false when it is not (any more). */
  removePending(id: string): Promise<boolean>;
  /** Adds a cleanup run's removals to the totals and counts it as succeeded (read by the metrics). */
  recordCleanupSuccess(report: CleanupReport): Promise<void>;
  /** Counts a failed cleanup run, with its reason. */
  recordCleanupFailure(reason: string): Promise<void>;
  /** Records a successful backup (read by the metrics). */
  recordBackup(backup: BackupRecord): Promise<void>;
  /** The newest recorded backups, newest first. */
  recentBackups(limit: number): Promise<BackupRecord[]>;
  /** Whether the database holds any image. */
  hasImages(): Promise<boolean>;
}
