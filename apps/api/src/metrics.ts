import { Counter, Histogram, type Registry } from 'prom-client';
import { scrapeGauge, sharedRead } from '@pictor/observability';

/**
 * Seconds buckets for HTTP requests: 5 ms to 30 s, finest where the answers that matter are: a
 * direct link or a page in well under a second, an upload in a few seconds, and a link still being
 * processed waiting up to SERVE_WAIT_MS (default 10 s) before it answers 503.
 */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 7.5, 10, 12.5, 15, 20, 30];

export interface StoredImages {
  /** Images by status (`pending`, `ready`, `failed`, …). */
  byStatus: Record<string, number>;
  /** Bytes of originals of images not deleted. */
  originalBytes: number;
}

export interface LastBackup {
  /** Unix seconds of the last successful backup. */
  finishedAt: number;
  bytes: number;
}

export interface CleanupTotals {
  /** Everything the cleanup removed since the database was created. */
  removed: { expired: number; orphans: number; stalePending: number };
  runs: { succeeded: number; failed: number };
  /** Unix seconds of the last successful run; undefined while none succeeded. */
  lastSuccessAt: number | undefined;
}

/**
 * The api's instruments: requests and uploads it answers, and the state of the installation it
 * reads from the database at scrape time (each `observe*()` once per registry).
 */
export interface ApiMetrics {
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_class'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status_class'>;
  readonly uploadsAccepted: Counter<'format'>;
  readonly uploadsRejected: Counter<'reason'>;
  readonly uploadBytes: Counter;
  /** Reads image counts and stored bytes on every scrape. */
  observeStorage(read: () => Promise<StoredImages>): void;
  /** Reads the last successful backup on every scrape. */
  observeLastBackup(read: () => Promise<LastBackup | undefined>): void;
  /** Reads the cleanup's totals, kept in the database by every run. */
  observeCleanup(read: () => Promise<CleanupTotals | undefined>): void;
  /** Reads when the database was first migrated (Unix seconds; undefined when unknown). */
  observeInstallation(read: () => Promise<number | undefined>): void;
}

/**
 * The api's instruments on the process's registry. The request and upload counters are
 * initialised by `createApp`, which knows the routes (`initialiseApiSeries`).
 */
export function createApiMetrics(registry: Registry): ApiMetrics {
  const registers = [registry];
  return {
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status class.',
      labelNames: ['method', 'route', 'status_class'],
      buckets: HTTP_BUCKETS,
      registers,
    }),
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status class.',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    }),
    uploadsAccepted: new Counter({
      name: 'pictor_uploads_accepted_total',
      help: 'Images accepted (one per file), by sniffed format.',
      labelNames: ['format'],
      registers,
    }),
    uploadsRejected: new Counter({
      name: 'pictor_uploads_rejected_total',
      help: 'Upload requests rejected, by error code.',
      labelNames: ['reason'],
      registers,
    }),
    uploadBytes: new Counter({
      name: 'pictor_upload_bytes_total',
      help: 'Bytes of accepted originals.',
      registers,
    }),
    observeStorage(read) {
      const stored = sharedRead(read);
      scrapeGauge(
        registry,
        { name: 'pictor_images', help: 'Images recorded in the database, by status.', labelNames: ['status'] },
        async (g) => {
          const s = await stored();
          if (s) for (const [status, n] of Object.entries(s.byStatus)) g.set({ status }, n);
        },
      );
      scrapeGauge(
        registry,
        { name: 'pictor_stored_original_bytes', help: 'Bytes of the originals of images not deleted.' },
        async (g) => {
          g.set((await stored())?.originalBytes ?? Number.NaN);
        },
      );
    },
    observeLastBackup(read) {
      // null: the table holds no backup yet (0); undefined: the read failed (NaN).
      const last = sharedRead(async () => (await read()) ?? null);
      const value = (backup: LastBackup | null | undefined, field: keyof LastBackup) =>
        backup === undefined ? Number.NaN : (backup?.[field] ?? 0);
      scrapeGauge(
        registry,
        {
          name: 'pictor_last_backup_timestamp_seconds',
          help: 'When the last successful backup finished (Unix seconds); 0 while none is recorded.',
        },
        async (g) => {
          g.set(value(await last(), 'finishedAt'));
        },
      );
      scrapeGauge(
        registry,
        { name: 'pictor_last_backup_bytes', help: 'Size of the last successful backup; 0 while none is recorded.' },
        async (g) => {
          g.set(value(await last(), 'bytes'));
        },
      );
    },
    observeCleanup(read) {
      const totals = sharedRead(read);
      // Counters whose value lives in the database: set from it at scrape time. Every api pod
      // exports the same totals, so queries take max(), not sum(), across pods.
      new Counter<'kind'>({
        name: 'pictor_cleanup_removed_total',
        help: 'What the cleanup removed, by kind: expired images, orphaned objects, uploads stuck in pending.',
        labelNames: ['kind'],
        registers,
        async collect() {
          const t = await totals();
          this.reset();
          if (!t) return;
          this.inc({ kind: 'expired' }, t.removed.expired);
          this.inc({ kind: 'orphan' }, t.removed.orphans);
          this.inc({ kind: 'stale_pending' }, t.removed.stalePending);
        },
      });
      new Counter<'outcome'>({
        name: 'pictor_cleanup_runs_total',
        help: 'Cleanup runs, by outcome (success or failure).',
        labelNames: ['outcome'],
        registers,
        async collect() {
          const t = await totals();
          this.reset();
          if (!t) return;
          this.inc({ outcome: 'success' }, t.runs.succeeded);
          this.inc({ outcome: 'failure' }, t.runs.failed);
        },
      });
      scrapeGauge(
        registry,
        {
          name: 'pictor_cleanup_last_success_timestamp_seconds',
          help: 'When a cleanup run last succeeded (Unix seconds); 0 while none has.',
        },
        async (g) => {
          const t = await totals();
          g.set(t ? (t.lastSuccessAt ?? 0) : Number.NaN);
        },
      );
    },
    observeInstallation(read) {
      scrapeGauge(
        registry,
        {
          name: 'pictor_installed_timestamp_seconds',
          help: 'When the database was first migrated (Unix seconds): the age of this installation.',
        },
        async (g) => {
          g.set((await read().catch(() => undefined)) ?? Number.NaN);
        },
      );
    },
  };
}
