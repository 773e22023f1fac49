import { createHash } from 'node:crypto';
import type { Cache } from '../ports/cache.port.js';
import type { ViewCountRepository, ViewedItem, ViewedKind } from '../ports/view-count-repository.port.js';

/** Who looked: a client (address, or account) and whether it only previewed. */
export interface Viewer {
  /** Identifies the client for "once per hour": the account id when signed in, else the address. */
  clientKey: string;
  accountId?: string;
  /** HEAD, prefetches, crawlers and link previewers: never counted. */
  preview: boolean;
}

export interface ViewCounterDeps {
  cache: Cache;
  repository: ViewCountRepository;
  clock?: () => Date;
}

const HOUR_MS = 3_600_000;

/**
 * Counts views of images and pastes: once per client per item per clock hour, never the
 * author's own, never previews. Whether a client was counted this hour lives in the cache (shared
 * by every pod); the counts gather in memory and reach PostgreSQL in batches (`flush`), so a read
 * costs no database write. Counts not yet flushed when a process dies are lost: view counts are
 * an estimate, not a ledger.
 */
export class ViewCounter {
  private pending = new Map<ViewedKind, Map<string, number>>();
  private readonly clock: () => Date;

  constructor(private readonly deps: ViewCounterDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Counts the view if the rules allow it; true when it was counted. Never throws. */
  async record(kind: ViewedKind, id: string, ownerId: string | null, viewer: Viewer): Promise<boolean> {
    if (viewer.preview) return false;
    if (ownerId !== null && viewer.accountId === ownerId) return false;
    const hour = Math.floor(this.clock().getTime() / HOUR_MS);
    const client = createHash('sha256').update(viewer.clientKey).digest('base64url').slice(0, 22);
    const key = `view:${kind}:${id}:${client}:${hour}`;
    try {
      if ((await this.deps.cache.get(key)) !== undefined) return false;
      await this.deps.cache.set(key, '1', 3600);
    } catch {
      // Without the cache there is no "once per hour": count nothing rather than too much.
      return false;
    }
    const counts = this.pending.get(kind) ?? new Map<string, number>();
    counts.set(id, (counts.get(id) ?? 0) + 1);
    this.pending.set(kind, counts);
    return true;
  }

  /** The owner's most viewed live pastes and images, as last flushed. */
  mostViewedOf(ownerId: string, limit: number): Promise<ViewedItem[]> {
    return this.deps.repository.mostViewedOf(ownerId, limit, this.clock());
  }

  /** Writes the gathered counts (one statement per kind); on failure they are kept for the next flush. */
  async flush(): Promise<number> {
    const batch = this.pending;
    this.pending = new Map();
    let written = 0;
    for (const [kind, counts] of batch) {
      try {
        await this.deps.repository.add(kind, counts);
        for (const n of counts.values()) written += n;
      } catch (error) {
        const current = this.pending.get(kind) ?? new Map<string, number>();
        for (const [id, n] of counts) current.set(id, (current.get(id) ?? 0) + n);
        this.pending.set(kind, current);
        throw error;
      }
    }
    return written;
  }
}
