import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';

/**
 * Every label value Pictor puts on a metric comes from a closed set, so the number of series is
 * bounded by configuration, never by traffic:
 * - `method`: the HTTP methods in {@link HTTP_METHODS}, anything else `OTHER`;
 * - `route`: the Express route template (`/api/v1/images/:id`), `unmatched` when none matched;
 * - `status_class`: `1xx`…`5xx`;
 * - `reason`: a code of the error catalogue (packages/core ERRORS);
 * - `format`: one of the image formats; `variant`: `display`, `thumb` or `w<width>` from
 *   VARIANT_WIDTHS (at most 6);
 * - `outcome`: the worker's outcomes, or a cleanup run's (`success`, `failure`);
 * - `kind`: what the cleanup removed (`expired`, `orphan`, `stale_pending`);
 * - `partition`: below KAFKA_TOPIC_PARTITIONS.
 */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Status classes a request counter is created with before any request is answered. */
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;

/**
 * Seconds buckets for HTTP requests: 5 ms to 30 s, finest where the answers that matter are: a
 * direct link or a page in well under a second, an upload in a few seconds, and a link still being
 * processed waiting up to SERVE_WAIT_MS (default 10 s) before it answers 503.
 */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 7.5, 10, 12.5, 15, 20, 30];

export interface OutboxBacklog {
  count: number;
  oldestAgeSeconds: number;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

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
 * Creates every combination of `values` as a series at 0 (a histogram's buckets, count and sum
 * included), so the first event of each is an increase Prometheus can see: prom-client creates a
 * labelled series only at its first `inc()` or `observe()`, and a series first scraped at 1 reads
 * as no increase at all (`increase()` and `rate()` need two samples of the same series). Call it
 * where the closed set of a label is known, once at start:
 * `initialiseSeries(deadLetters, { reason: ['CORRUPT_IMAGE', …] })`.
 */
export function initialiseSeries<L extends string>(
  metric: Counter<L> | Histogram<L>,
  values: Readonly<Record<L, readonly string[]>>,
): void {
  let sets: Record<string, string>[] = [{}];
  for (const [name, list] of Object.entries<readonly string[]>(values)) {
    sets = sets.flatMap((set) => list.map((value) => ({ ...set, [name]: value })));
  }
  for (const labels of sets) {
    if (metric instanceof Histogram) metric.zero(labels as LabelValues<L>);
    else metric.inc(labels as LabelValues<L>, 0);
  }
}

/** Prometheus instruments of every Pictor component, on one registry per process. */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_class'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status_class'>;
  readonly uploadsAccepted: Counter<'format'>;
  readonly uploadsRejected: Counter<'reason'>;
  readonly uploadBytes: Counter;
  readonly eventsPublished: Counter<'topic'>;
  /** Notification deliveries by channel and outcome (sent, retried, failed, duplicate). */
  readonly notificationDeliveries: Counter<'channel' | 'outcome'>;
  /** Reads the outbox on every scrape (relay processes). */
  observeOutbox(read: () => Promise<OutboxBacklog>): void;
  /** Reads the consumer group's lag on every scrape (worker processes). */
  observeConsumerLag(read: () => Promise<PartitionLag[]>): void;
  /**
   * Reads the notifier group's lag on `pictor.notifications` and the number of messages in
   * `pictor.notifications.dlq` on every scrape (notifier processes, Kafka only).
   */
  observeNotifier(read: { lag: () => Promise<PartitionLag[]>; deadLetters: () => Promise<number> }): void;
  /** Reads image counts and stored bytes on every scrape (api processes). */
  observeStorage(read: () => Promise<StoredImages>): void;
  /** Reads the last successful backup on every scrape. */
  observeLastBackup(read: () => Promise<LastBackup | undefined>): void;
  /** Reads the cleanup's totals, kept in the database by every run (api processes). */
  observeCleanup(read: () => Promise<CleanupTotals | undefined>): void;
  /** Reads when the database was first migrated (Unix seconds; undefined when unknown). */
  observeInstallation(read: () => Promise<number | undefined>): void;
}

/** 2xx, 4xx, … */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

export function methodLabel(method: string): string {
  return (HTTP_METHODS as readonly string[]).includes(method) ? method : 'OTHER';
}

export interface MetricsOptions {
  /**
   * Put on every series. The composition root sets `target` (`api`, `relay`, `worker`, `all`), so
   * process metrics (CPU, memory, event loop) can be told apart per role in any deployment.
   */
  labels?: Record<string, string>;
  /** Pictor's version, exported as `pictor_build_info{version}`. */
  version?: string;
}

/**
 * A fresh registry with Pictor's instruments and the default process and Node.js metrics.
 * Counters whose label values are fixed here (job outcomes) start at 0; the others are
 * initialised by the component that knows their values ({@link initialiseSeries}).
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // One series with value 1 in every Pictor process: dashboards find Pictor's jobs and namespaces
  // by it, never by a generic name such as http_requests_total that other programs export too.
  new Gauge<'version'>({
    name: 'pictor_build_info',
    help: 'Always 1; labels tell the version (and the target) of this Pictor process.',
    labelNames: ['version'],
    registers,
  }).set({ version: options.version ?? 'unknown' }, 1);

  const observed = new Set<string>();
  const once = (what: string) => {
    if (observed.has(what)) throw new Error(`${what} is already observed`);
    observed.add(what);
  };
  /**
   * A gauge computed at scrape time, registered only in processes that observe its source, so
   * a process without it exports no misleading zero. When the read fails, an unlabelled gauge is
   * NaN (comparisons with NaN are false: no alert fires on a value nobody read) and a labelled one
   * has no series.
   */
  const scrapeGauge = <L extends string>(
    name: string,
    help: string,
    fill: (gauge: Gauge<L>) => Promise<void>,
    labelNames: readonly L[] = [],
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        this.reset();
        await fill(this);
      },
    });

  const metrics: Metrics = {
    registry,
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
    eventsPublished: new Counter({
      name: 'pictor_outbox_events_published_total',
      help: 'Outbox events the relay published to the bus, by topic.',
      labelNames: ['topic'],
      registers,
    }),
    notificationDeliveries: new Counter({
      name: 'pictor_notification_deliveries_total',
      help: 'Notification deliveries by channel and outcome: sent, retried (an attempt failed), failed (given up on and dead-lettered), duplicate (already delivered).',
      labelNames: ['channel', 'outcome'],
      registers,
    }),
    observeOutbox(read) {
      once('outbox');
      let pending: Promise<OutboxBacklog | undefined> | undefined;
      // Both gauges come from one query per scrape.
      const backlog = () => (pending ??= settle(read, () => (pending = undefined)));
      scrapeGauge('pictor_outbox_backlog', 'Outbox events not yet published.', async (g) => {
        g.set((await backlog())?.count ?? Number.NaN);
      });
      scrapeGauge(
        'pictor_outbox_oldest_age_seconds',
        'Age of the oldest unpublished outbox event; 0 when none waits.',
        async (g) => {
          g.set((await backlog())?.oldestAgeSeconds ?? Number.NaN);
        },
      );
    },
    observeConsumerLag(read) {
      once('lag');
      scrapeGauge(
        'pictor_kafka_consumer_lag',
        'Messages not yet committed by the worker group, per topic partition.',
        async (g) => {
          for (const p of (await settle(read, () => undefined)) ?? []) {
            g.set({ topic: p.topic, partition: String(p.partition) }, p.lag);
          }
        },
        ['topic', 'partition'],
      );
    },
    observeNotifier(read) {
      once('notifier');
      scrapeGauge(
        'pictor_notifier_consumer_lag',
        'Notification events not yet committed by the notifier group (pictor-notifier), per partition of pictor.notifications.',
        async (g) => {
          for (const p of (await settle(read.lag, () => undefined)) ?? [])
            g.set({ partition: String(p.partition) }, p.lag);
        },
        ['partition'],
      );
      scrapeGauge(
        'pictor_notifications_dlq_messages',
        'Messages in pictor.notifications.dlq (deliveries given up on, kept for the topic retention).',
        async (g) => {
          g.set((await settle(read.deadLetters, () => undefined)) ?? Number.NaN);
        },
      );
    },
    observeStorage(read) {
      once('storage');
      let pending: Promise<StoredImages | undefined> | undefined;
      const stored = () => (pending ??= settle(read, () => (pending = undefined)));
      scrapeGauge(
        'pictor_images',
        'Images recorded in the database, by status.',
        async (g) => {
          const s = await stored();
          if (s) for (const [status, n] of Object.entries(s.byStatus)) g.set({ status }, n);
        },
        ['status'],
      );
      scrapeGauge('pictor_stored_original_bytes', 'Bytes of the originals of images not deleted.', async (g) => {
        g.set((await stored())?.originalBytes ?? Number.NaN);
      });
    },
    observeLastBackup(read) {
      once('backup');
      // null: the table holds no backup yet (0); undefined: the read failed (NaN).
      let pending: Promise<LastBackup | null | undefined> | undefined;
      const last = () =>
        (pending ??= settle(
          async () => (await read()) ?? null,
          () => (pending = undefined),
        ));
      const value = (backup: LastBackup | null | undefined, field: keyof LastBackup) =>
        backup === undefined ? Number.NaN : (backup?.[field] ?? 0);
      scrapeGauge(
        'pictor_last_backup_timestamp_seconds',
        'When the last successful backup finished (Unix seconds); 0 while none is recorded.',
        async (g) => {
          g.set(value(await last(), 'finishedAt'));
        },
      );
      scrapeGauge(
        'pictor_last_backup_bytes',
        'Size of the last successful backup; 0 while none is recorded.',
        async (g) => {
          g.set(value(await last(), 'bytes'));
        },
      );
    },
    observeCleanup(read) {
      once('cleanup');
      let pending: Promise<CleanupTotals | undefined> | undefined;
      const totals = () => (pending ??= settle(read, () => (pending = undefined)));
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
        'pictor_cleanup_last_success_timestamp_seconds',
        'When a cleanup run last succeeded (Unix seconds); 0 while none has.',
        async (g) => {
          const t = await totals();
          g.set(t ? (t.lastSuccessAt ?? 0) : Number.NaN);
        },
      );
    },
    observeInstallation(read) {
      once('installation');
      scrapeGauge(
        'pictor_installed_timestamp_seconds',
        'When the database was first migrated (Unix seconds): the age of this installation.',
        async (g) => {
          g.set((await settle(read, () => undefined)) ?? Number.NaN);
        },
      );
    },
  };

  return metrics;
}

/** Runs `read`, turning a failure into undefined; `done` runs once the scrape has used it. */
function settle<T>(read: () => Promise<T>, done: () => void): Promise<T | undefined> {
  return read()
    .catch(() => undefined)
    .finally(() => setImmediate(done));
}

export interface MetricsServer {
  port: number;
  stop(): Promise<void>;
}

export interface MetricsServerOptions {
  port: number;
  host: string;
  /**
   * Liveness of this process for `GET /healthz` (the relay's and worker's probe, which serve no
   * other HTTP): a reason when it should be restarted, undefined while it is fine.
   */
  unhealthy?: () => string | undefined;
}

/**
 * Serves `GET /metrics` (Prometheus text format) and `GET /healthz` on its own port, apart from
 * the public API. `/healthz` answers without touching any dependency: it fails only when the
 * process cannot answer at all or `unhealthy` names a reason.
 */
export async function startMetricsServer(registry: Registry, options: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const reason = options.unhealthy?.();
      res
        .writeHead(reason ? 503 : 200, { 'content-type': 'text/plain' })
        .end(reason ? `unhealthy: ${reason}\n` : 'ok\n');
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found. Metrics are at /metrics.\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) =>
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`${error instanceof Error ? error.message : 'error'}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
