import type { Readable } from 'node:stream';

/** A dump of the database that was written and verified, held until the backup has used it. */
export interface DatabaseDump {
  /** Its size in bytes. */
  bytes: number;
  /** Its SHA-256, hex. */
  sha256: string;
  /** Its bytes, from the start. */
  open(): Readable;
}

/**
 * Takes a dump of the database. pg_dump (custom format, verified with `pg_restore --list`) for
 * PostgreSQL; PGlite's pg_dump (plain SQL, verified by replaying it into a fresh database) for
 * the embedded one.
 */
export interface DatabaseDumper {
  /** `dump` (pg_dump's custom format) or `sql` (plain SQL); the backup's key ends with it. */
  readonly format: 'dump' | 'sql';
  /** The Content-Type the dump is stored with. */
  readonly contentType: string;
  /**
   * Writes a dump, verifies it (BACKUP_CORRUPT, naming `key`, when it does not read back;
   * BACKUP_FAILED when it cannot be taken), hands it to `use` and removes it afterwards.
   */
  withDump<T>(key: string, use: (dump: DatabaseDump) => Promise<T>): Promise<T>;
}
