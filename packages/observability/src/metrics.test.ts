import { describe, expect, it } from '@jest/globals';
import { Counter, Histogram, type Registry } from 'prom-client';
import {
  createRegistry,
  initialiseSeries,
  methodLabel,
  observeConsumerLag,
  startMetricsServer,
  statusClass,
} from './metrics.js';

/** A counter by reason, as a component would create one. */
const deadLetters = (registry: Registry) =>
  new Counter({
    name: 'pictor_dead_letters_total',
    help: 'Events sent to the dead-letter topic, by error code.',
    labelNames: ['reason'],
    registers: [registry],
  });

describe('initialiseSeries', () => {
  it('when label sets are initialised, then every combination is exported at 0 before anything happened', async () => {
    const registry = createRegistry();
    const httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status class.',
      labelNames: ['method', 'route', 'status_class'],
      registers: [registry],
    });
    initialiseSeries(deadLetters(registry), { reason: ['CORRUPT_IMAGE', 'MALFORMED_EVENT'] });
    initialiseSeries(httpRequests, { method: ['GET'], route: ['/a', '/b'], status_class: ['2xx', '5xx'] });
    const text = await registry.metrics();
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
    const registry = createRegistry();
    const jobDuration = new Histogram({
      name: 'pictor_job_duration_seconds',
      help: 'Time to handle one image event, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.01, 0.1, 1],
      registers: [registry],
    });
    initialiseSeries(jobDuration, { outcome: ['ready'] });
    const text = await registry.metrics();
    expect(text).toContain('pictor_job_duration_seconds_bucket{le="0.01",outcome="ready"} 0');
    expect(text).toContain('pictor_job_duration_seconds_bucket{le="+Inf",outcome="ready"} 0');
    expect(text).toContain('pictor_job_duration_seconds_count{outcome="ready"} 0');
  });

  it('when an initialised series is counted, then it goes from 0 to the count (initialising again keeps it)', async () => {
    const registry = createRegistry();
    const counter = deadLetters(registry);
    initialiseSeries(counter, { reason: ['CORRUPT_IMAGE'] });
    counter.inc({ reason: 'CORRUPT_IMAGE' });
    initialiseSeries(counter, { reason: ['CORRUPT_IMAGE'] });
    expect(await registry.metrics()).toContain('pictor_dead_letters_total{reason="CORRUPT_IMAGE"} 1');
  });
});

describe('createRegistry', () => {
  it('when created with a target and a version, then every series carries the target and build info says 1', async () => {
    const text = await createRegistry({ labels: { target: 'worker' }, version: '1.2.3' }).metrics();
    expect(text).toContain('pictor_build_info{version="1.2.3",target="worker"} 1');
    expect(text).toMatch(/^process_cpu_seconds_total\{target="worker"\} /m);
  });

  it('when a source is not observed, then its series are not exported at all', async () => {
    const text = await createRegistry().metrics();
    expect(text).not.toContain('pictor_outbox_backlog');
    expect(text).not.toContain('pictor_kafka_consumer_lag');
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('when labels are derived, then they come from closed sets', () => {
    expect(statusClass(201)).toBe('2xx');
    expect(statusClass(503)).toBe('5xx');
    expect(methodLabel('POST')).toBe('POST');
    expect(methodLabel('BREW')).toBe('OTHER');
  });
});

describe('observeConsumerLag', () => {
  it('when consumer lag is observed, then there is one series per partition', async () => {
    const registry = createRegistry();
    observeConsumerLag(registry, () =>
      Promise.resolve([
        { topic: 't', partition: 0, lag: 4 },
        { topic: 't', partition: 1, lag: 0 },
      ]),
    );
    const text = await registry.metrics();
    expect(text).toContain('pictor_kafka_consumer_lag{topic="t",partition="0"} 4');
    expect(text).toContain('pictor_kafka_consumer_lag{topic="t",partition="1"} 0');
  });

  it('when the worker and the relay of one process both observe it, then it is registered once, from the first', async () => {
    const registry = createRegistry();
    observeConsumerLag(registry, () => Promise.resolve([{ topic: 't', partition: 0, lag: 4 }]));
    observeConsumerLag(registry, () => Promise.resolve([{ topic: 't', partition: 0, lag: 9 }]));
    const lines = (await registry.metrics()).split('\n');
    expect(lines.filter((l) => l.startsWith('# TYPE pictor_kafka_consumer_lag '))).toHaveLength(1);
    expect(lines).toContain('pictor_kafka_consumer_lag{topic="t",partition="0"} 4');
  });

  it('when the lag cannot be read, then the gauge has no series', async () => {
    const registry = createRegistry();
    observeConsumerLag(registry, () => Promise.reject(new Error('kafka down')));
    const text = await registry.metrics();
    expect(text).toContain('# TYPE pictor_kafka_consumer_lag gauge');
    expect(text).not.toMatch(/^pictor_kafka_consumer_lag\{/m);
  });
});

describe('startMetricsServer', () => {
  it('when started on port 0, then it serves /metrics on the port it reports and nothing else', async () => {
    const registry = createRegistry();
    deadLetters(registry).inc({ reason: 'CORRUPT_IMAGE' });
    const server = await startMetricsServer(registry, { port: 0, host: '127.0.0.1' });
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
    const server = await startMetricsServer(createRegistry(), {
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
