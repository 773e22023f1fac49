import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  contentType: string;
  etag: string;
  lastModified: Date;
}

export interface ByteRange {
  /** Inclusive start offset. */
  start: number;
  /** Inclusive end offset. */
  end: number;
}

/** HTTP caching metadata stored with an object and returned by S3 (and so by the edge) on GET. */
export interface PutOptions {
  cacheControl?: string;
}

export interface ObjectBody extends ObjectInfo {
  body: Readable;
}

/**
 * Object storage. Keys are `/`-separated and made by the server only. Writes are atomic: a
 * reader sees the whole object or none. Deletes are idempotent.
 */
export interface ObjectStore {
  put(key: string, body: Buffer, contentType: string, options?: PutOptions): Promise<ObjectInfo>;
  /** Like put, for bodies too large to hold in memory (database dumps); the size need not be known. */
  putStream(key: string, body: Readable, contentType: string): Promise<ObjectInfo>;
  /** The object, or a slice of it; null when the key does not exist. */
  get(key: string, range?: ByteRange): Promise<ObjectBody | null>;
  stat(key: string): Promise<ObjectInfo | null>;
  delete(keys: readonly string[]): Promise<void>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Throws when storage cannot be reached. */
  ping(): Promise<void>;
  /**
   * Removes what interrupted writes left behind, older than `graceMs` (the disk adapter's
   * temporary files); returns how many. Stores that leave nothing behind need not have it.
   */
  sweepLeftovers?(graceMs: number): Promise<number>;
  close(): Promise<void>;
}
