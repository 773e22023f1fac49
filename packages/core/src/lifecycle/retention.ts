/** How many backups to keep: the newest N, plus the newest of each recent day and week. */
export interface RetentionPolicy {
  keepLast: number;
  keepDaily: number;
  keepWeekly: number;
}

export interface Dated {
  key: string;
  time: Date;
}

const DAY_MS = 86_400_000;

/** Monday-based week number since the epoch (1970-01-01 was a Thursday). */
function weekOf(time: Date): number {
  return Math.floor((time.getTime() / DAY_MS + 3) / 7);
}

/**
 * Returns the keys to delete: everything that is neither among the newest `keepLast`, nor the
 * newest of one of the `keepDaily` most recent days (UTC) that have a backup, nor the newest of
 * one of the `keepWeekly` most recent weeks that have one.
 */
export function backupsToDelete(backups: readonly Dated[], policy: RetentionPolicy): string[] {
  const newestFirst = [...backups].sort((a, b) => b.time.getTime() - a.time.getTime());
  const keep = new Set(newestFirst.slice(0, policy.keepLast).map((b) => b.key));
  const thin = (bucketOf: (time: Date) => number, count: number) => {
    const seen = new Set<number>();
    for (const backup of newestFirst) {
      const bucket = bucketOf(backup.time);
      if (seen.has(bucket)) continue;
      if (seen.size >= count) break;
      seen.add(bucket);
      keep.add(backup.key);
    }
  };
  thin((time) => Math.floor(time.getTime() / DAY_MS), policy.keepDaily);
  thin(weekOf, policy.keepWeekly);
  return newestFirst.filter((b) => !keep.has(b.key)).map((b) => b.key);
}

/**
 * Object keys of database backups: `backups/postgres/<timestamp>.dump` (pg_dump's custom format,
 * from PostgreSQL) or `.sql` (plain SQL, from the embedded database), each with its `.sha256`.
 */
export const backupKeys = {
  prefix: 'backups/postgres/',
  dump: (time: Date, format: 'dump' | 'sql' = 'dump') =>
    `backups/postgres/${time.toISOString().replace(/[:.]/g, '-')}.${format}`,
  checksum: (dumpKey: string) => `${dumpKey}.sha256`,
  /** The format of a dump's key: `sql` for plain SQL, `dump` for pg_dump's custom format. */
  formatOf: (key: string): 'dump' | 'sql' => (key.endsWith('.sql') ? 'sql' : 'dump'),
  /** The time encoded in a dump's key, or null when the key is not a dump. */
  timeOf(key: string): Date | null {
    const match = /^backups\/postgres\/(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.(dump|sql)$/.exec(key);
    if (!match) return null;
    return new Date(`${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z`);
  },
} as const;
