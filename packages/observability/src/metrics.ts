import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Counter } from 'prom-client';
import { Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';

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

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/**
 * Creates every combination of `values` as a series at 0 (a histogram's buckets, count and sum
 * included), so the first event of each is an increase Prometheus can see: prom-client creates a
 * labelled series only at its first `inc()` or `observe()`, and a series first scraped at 1 reads
 * as no increase at all (`increase()` and `rate()` need two samples of the same series). Call it
 * where the closed set of a label is known, once at start:
 * `initialiseSeries(metrics.deadLetters, { reason: ['CORRUPT_IMAGE', …] })`.
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

/** 2xx, 4xx, … */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

export function methodLabel(method: string): string {
  return (HTTP_METHODS as readonly string[]).includes(method) ? method : 'OTHER';
}

export interface RegistryOptions {
  /**
   * Put on every series. The composition root sets `target` (`api`, `relay`, `worker`, `all`), so
   * process metrics (CPU, memory, event loop) can be told apart per role in any deployment.
   */
  labels?: Record<string, string>;
  /** Pictor's version, exported as `pictor_build_info{version}`. */
  version?: string;
}

/**
 * The process's registry: the default process and Node.js metrics and `pictor_build_info`. Each
 * component that runs in the process creates its own instruments on it (the api's
 * `createApiMetrics`, the relay's `createRelayMetrics`, …), so a process exports the series of
 * its components and no others.
 */
export function createRegistry(options: RegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  collectDefaultMetrics({ register: registry });
  // One series with value 1 in every Pictor process: dashboards find Pictor's jobs and namespaces
  // by it, never by a generic name such as http_requests_total that other programs export too.
  new Gauge<'version'>({
    name: 'pictor_build_info',
    help: 'Always 1; labels tell the version (and the target) of this Pictor process.',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: options.version ?? 'unknown' }, 1);
  return registry;
}

/**
 * A gauge computed at scrape time, registered only in processes that observe its source, so a
 * process without it exports no misleading zero. `fill` starts from an empty gauge on every
 * scrape: when the read fails, an unlabelled gauge should be set to NaN (comparisons with NaN are
 * false: no alert fires on a value nobody read) and a labelled one left without series.
 */
export function scrapeGauge<L extends string = string>(
  registry: Registry,
  definition: { name: string; help: string; labelNames?: readonly L[] },
  fill: (gauge: Gauge<L>) => Promise<void>,
): Gauge<L> {
  return new Gauge<L>({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labelNames ?? [],
    registers: [registry],
    async collect() {
      this.reset();
      await fill(this);
    },
  });
}

/**
 * One read shared by every gauge of a scrape (several gauges from one query), undefined when it
 * failed; the next scrape reads again.
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T | undefined> {
  let pending: Promise<T | undefined> | undefined;
  return () =>
    (pending ??= read()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (pending = undefined))));
}

/** Whether a family of this name is already on the registry. */
export function isRegistered(registry: Registry, name: string): boolean {
  return registry.getSingleMetric(name) !== undefined;
}

/**
 * `pictor_kafka_consumer_lag{topic,partition}`, read on every scrape. Both the worker and the relay
 * export the worker group's lag (the relay's copy stays when every worker is gone); in a process
 * running both, the first to observe it registers it and the second changes nothing, as they read
 * the same thing.
 */
export function observeConsumerLag(registry: Registry, read: () => Promise<PartitionLag[]>): void {
  const name = 'pictor_kafka_consumer_lag';
  if (isRegistered(registry, name)) return;
  scrapeGauge(
    registry,
    {
      name,
      help: 'Messages not yet committed by the worker group, per topic partition.',
      labelNames: ['topic', 'partition'],
    },
    async (g) => {
      for (const p of (await read().catch(() => undefined)) ?? []) {
        g.set({ topic: p.topic, partition: String(p.partition) }, p.lag);
      }
    },
  );
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
