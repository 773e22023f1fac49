import { describe, expect, it } from '@jest/globals';
import { Counter, Histogram } from 'prom-client';
import {
  createMetrics,
  initialiseSeries,
  methodLabel,
  startMetricsServer,
  statusClass,
  type Metrics,
} from './metrics.js';

/** Two of the worker's instruments (apps/worker creates them), on the registry of `metrics`. */
function workerInstruments(metrics: Metrics) {
  const registers = [metrics.registry];
  return {
    deadLetters: new Counter({
      name: 'pictor_dead_letters_total',
      help: 'Events sent to the dead-letter topic, by error code.',
      labelNames: ['reason'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'pictor_job_duration_seconds',
      help: 'Time to handle one image event, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
  };
}

describe('createMetrics', () => {
  it('when label sets are initialised, then every combination is exported at 0 before anything happened', async () => {
    const metrics = createMetrics();
    initialiseSeries(workerInstruments(metrics).deadLetters, { reason: ['CORRUPT_IMAGE', 'MALFORMED_EVENT'] });
    initialiseSeries(metrics.httpRequests, { method: ['GET'], route: ['/a', '/b'], status_class: ['2xx', '5xx'] });
    const text = await metrics.registry.metrics();
    expect(text).toContain('pictor_dead_letters_total{reason="CORRUPT_IMAGE"} 0');
    expect(text).toContain('pictor_dead_letters_total{reason="MALFORMED_EVENT"} 0');
    const http = text.split('\n').filter((l) => l.startsWith('http_requests_total{'));
    expect(http.sort()).toEqual([
      'http_requests_total{method="GET",route="/a",status_class="2xx"} 0',
      'http_requests_total{method="GET",route="/a",status_class="5xx"} 0',
      'http_requests_total{method="GET",route="/b",status_class="2xx"} 0',
      'http_requests_total{method="GET",route="/b",status_class="5xx"} 0',
    ]);
  });

  it('when a histogram is initialised, then its buckets, count and sum exist at 0 for each label set', async () => {
    const metrics = createMetrics();
    initialiseSeries(workerInstruments(metrics).jobDuration, { outcome: ['ready'] });
    const text = await metrics.registry.metrics();
    expect(text).toContain('pictor_job_duration_seconds_bucket{le="0.01",outcome="ready"} 0');
    expect(text).toContain('pictor_job_duration_seconds_bucket{le="+Inf",outcome="ready"} 0');
    expect(text).toContain('pictor_job_duration_seconds_count{outcome="ready"} 0');
  });

  it('when an initialised series is counted, then it goes from 0 to the count (initialising again keeps it)', async () => {
    const metrics = createMetrics();
    const { deadLetters } = workerInstruments(metrics);
    initialiseSeries(deadLetters, { reason: ['CORRUPT_IMAGE'] });
    deadLetters.inc({ reason: 'CORRUPT_IMAGE' });
    initialiseSeries(deadLetters, { reason: ['CORRUPT_IMAGE'] });
    expect(await metrics.registry.metrics()).toContain('pictor_dead_letters_total{reason="CORRUPT_IMAGE"} 1');
  });

  it('when created with a target and a version, then every series carries the target and build info says 1', async () => {
    const metrics = createMetrics({ labels: { target: 'worker' }, version: '1.2.3' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('pictor_build_info{version="1.2.3",target="worker"} 1');
    expect(text).toMatch(/^process_cpu_seconds_total\{target="worker"\} /m);
  });

  it('when the installation is observed, then its time is exported, and NaN when the read fails', async () => {
    const ok = createMetrics();
    ok.observeInstallation(() => Promise.resolve(1_790_000_000));
    expect(await ok.registry.metrics()).toContain('pictor_installed_timestamp_seconds 1790000000');
    const failing = createMetrics();
    failing.observeInstallation(() => Promise.reject(new Error('database down')));
    expect(await failing.registry.metrics()).toMatch(/^pictor_installed_timestamp_seconds nan$/im);
  });

  it('when two registries are made, then counts in one do not show in the other', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.uploadsAccepted.inc({ format: 'jpeg' }, 3);
    expect(await a.registry.getSingleMetricAsString('pictor_uploads_accepted_total')).toContain(
      'pictor_uploads_accepted_total{format="jpeg"} 3',
    );
    expect(await b.registry.getSingleMetricAsString('pictor_uploads_accepted_total')).not.toContain('format="jpeg"');
  });

  it('when the outbox is observed, then its gauges are read at scrape time, once for both', async () => {
    const metrics = createMetrics();
    let reads = 0;
    metrics.observeOutbox(() => {
      reads++;
      return Promise.resolve({ count: 7, oldestAgeSeconds: 12.5 });
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('pictor_outbox_backlog 7');
    expect(text).toContain('pictor_outbox_oldest_age_seconds 12.5');
    expect(reads).toBe(1);
  });

  it('when a source is not observed, then its series are not exported at all', async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).not.toContain('pictor_outbox_backlog');
    expect(text).not.toContain('pictor_kafka_consumer_lag');
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('when a read fails, then the gauge is NaN rather than a reassuring zero', async () => {
    const metrics = createMetrics();
    metrics.observeOutbox(() => Promise.reject(new Error('database down')));
    metrics.observeLastBackup(() => Promise.reject(new Error('database down')));
    const text = await metrics.registry.metrics();
    // prom-client writes `Nan`; Prometheus parses NaN in any case.
    expect(text).toMatch(/^pictor_outbox_backlog nan$/im);
    expect(text).toMatch(/^pictor_last_backup_timestamp_seconds nan$/im);
  });

  it('when no backup is recorded yet, then the last backup time is 0', async () => {
    const metrics = createMetrics();
    metrics.observeLastBackup(() => Promise.resolve(undefined));
    expect(await metrics.registry.metrics()).toContain('pictor_last_backup_timestamp_seconds 0');
  });

  it('when the cleanup totals are observed, then the database totals are exported as counters', async () => {
    const metrics = createMetrics();
    let totals = {
      removed: { expired: 40, orphans: 2, stalePending: 1 },
      runs: { succeeded: 9, failed: 1 },
      lastSuccessAt: 1_790_000_000 as number | undefined,
    };
    metrics.observeCleanup(() => Promise.resolve(totals));
    let text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE pictor_cleanup_removed_total counter');
    expect(text).toContain('pictor_cleanup_removed_total{kind="expired"} 40');
    expect(text).toContain('pictor_cleanup_removed_total{kind="orphan"} 2');
    expect(text).toContain('pictor_cleanup_runs_total{outcome="failure"} 1');
    expect(text).toContain('pictor_cleanup_last_success_timestamp_seconds 1790000000');
    // Another run recorded by another process: the next scrape shows the new totals.
    totals = { ...totals, removed: { ...totals.removed, expired: 55 }, lastSuccessAt: undefined };
    await new Promise((resolve) => setImmediate(resolve));
    text = await metrics.registry.metrics();
    expect(text).toContain('pictor_cleanup_removed_total{kind="expired"} 55');
    expect(text).toContain('pictor_cleanup_last_success_timestamp_seconds 0');
  });

  it('when the cleanup totals cannot be read, then the counters have no series and the time is NaN', async () => {
    const metrics = createMetrics();
    metrics.observeCleanup(() => Promise.reject(new Error('database down')));
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/^pictor_cleanup_removed_total\{/m);
    expect(text).toMatch(/^pictor_cleanup_last_success_timestamp_seconds nan$/im);
  });

  it('when consumer lag is observed, then there is one series per partition', async () => {
    const metrics = createMetrics();
    metrics.observeConsumerLag(() =>
      Promise.resolve([
        { topic: 't', partition: 0, lag: 4 },
        { topic: 't', partition: 1, lag: 0 },
      ]),
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('pictor_kafka_consumer_lag{topic="t",partition="0"} 4');
    expect(text).toContain('pictor_kafka_consumer_lag{topic="t",partition="1"} 0');
  });

  it('when the notifier is observed, then its lag per partition and the DLQ size are exported, NaN when unread', async () => {
    const metrics = createMetrics();
    metrics.observeNotifier({
      lag: () => Promise.resolve([{ topic: 'pictor.notifications', partition: 3, lag: 12 }]),
      deadLetters: () => Promise.resolve(5),
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('pictor_notifier_consumer_lag{partition="3"} 12');
    expect(text).toMatch(/^pictor_notifications_dlq_messages 5$/m);

    const down = createMetrics();
    down.observeNotifier({
      lag: () => Promise.reject(new Error('kafka down')),
      deadLetters: () => Promise.reject(new Error('kafka down')),
    });
    const unread = await down.registry.metrics();
    expect(unread).not.toMatch(/^pictor_notifier_consumer_lag\{/m);
    expect(unread).toMatch(/^pictor_notifications_dlq_messages nan$/im);
  });

  it('when labels are derived, then they come from closed sets', () => {
    expect(statusClass(201)).toBe('2xx');
    expect(statusClass(503)).toBe('5xx');
    expect(methodLabel('POST')).toBe('POST');
    expect(methodLabel('BREW')).toBe('OTHER');
  });
});

describe('startMetricsServer', () => {
  it('when started on port 0, then it serves /metrics on the port it reports and nothing else', async () => {
    const metrics = createMetrics();
    workerInstruments(metrics).deadLetters.inc({ reason: 'CORRUPT_IMAGE' });
    const server = await startMetricsServer(metrics.registry, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(await res.text()).toContain('pictor_dead_letters_total{reason="CORRUPT_IMAGE"} 1');
      expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });

  it('when a liveness reason is reported, then /healthz answers 503 with it, else 200', async () => {
    let reason: string | undefined;
    const server = await startMetricsServer(createMetrics().registry, {
      port: 0,
      host: '127.0.0.1',
      unhealthy: () => reason,
    });
    try {
      const healthz = `http://127.0.0.1:${server.port}/healthz`;
      expect((await fetch(healthz)).status).toBe(200);
      reason = 'the Kafka consumer stopped for good';
      const res = await fetch(healthz);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('the Kafka consumer stopped for good');
    } finally {
      await server.stop();
    }
  });
});
