/** What views are counted on: images and pastes share one counter. */
export type ViewedKind = 'image' | 'paste';

/** One of an owner's items with its view total, for "most viewed" lists. */
export interface ViewedItem {
  kind: ViewedKind;
  id: string;
  title: string | null;
  views: number;
  createdAt: Date;
}

/** View totals in the SQL database, added in batches. */
export interface ViewCountRepository {
  /** Adds each count to its item's total; items that are gone are skipped. */
  add(kind: ViewedKind, counts: ReadonlyMap<string, number>): Promise<void>;
  /**
   * The owner's most viewed pastes and images together, most views first (newest first among
   * equals); only items that can still be read at `now` (not expired, not being deleted, not failed).
   */
  mostViewedOf(ownerId: string, limit: number, now: Date): Promise<ViewedItem[]>;
}
