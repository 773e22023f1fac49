/** What views are counted on: images and pastes share one counter. */
export type ViewedKind = 'image' | 'paste';

/** View totals in the SQL database, added in batches. */
export interface ViewCountRepository {
  /** Adds each count to its item's total; items that are gone are skipped. */
  add(kind: ViewedKind, counts: ReadonlyMap<string, number>): Promise<void>;
}
