import { describe, expect, it } from '@jest/globals';
import { createRegistry } from '@pictor/observability';
import { createRelayMetrics, observeOutbox } from './metrics.js';

describe('observeOutbox', () => {
  it('when the outbox is observed, then its gauges are read at scrape time, once for both', async () => {
    const registry = createRegistry();
    let reads = 0;
    observeOutbox(registry, () => {
      reads++;
      return Promise.resolve({ count: 7, oldestAgeSeconds: 12.5 });
    });
    const text = await registry.metrics();
    expect(text).toContain('pictor_outbox_backlog 7');
    expect(text).toContain('pictor_outbox_oldest_age_seconds 12.5');
    expect(reads).toBe(1);
  });

  it('when a read fails, then the gauge is NaN rather than a reassuring zero', async () => {
    const registry = createRegistry();
    observeOutbox(registry, () => Promise.reject(new Error('database down')));
    const text = await registry.metrics();
    // prom-client writes `Nan`; Prometheus parses NaN in any case.
    expect(text).toMatch(/^pictor_outbox_backlog nan$/im);
  });

  it('when the api and the relay of one process both observe it, then it is registered once', async () => {
    const registry = createRegistry();
    observeOutbox(registry, () => Promise.resolve({ count: 7, oldestAgeSeconds: 1 }));
    observeOutbox(registry, () => Promise.resolve({ count: 8, oldestAgeSeconds: 1 }));
    const lines = (await registry.metrics()).split('\n');
    expect(lines.filter((l) => l.startsWith('# TYPE pictor_outbox_backlog '))).toHaveLength(1);
    expect(lines).toContain('pictor_outbox_backlog 7');
  });
});

describe('createRelayMetrics', () => {
  it('when the relay starts, then its topic is counted from 0', async () => {
    const registry = createRegistry();
    createRelayMetrics(registry);
    expect(await registry.metrics()).toContain(
      'pictor_outbox_events_published_total{topic="pictor.images.uploaded"} 0',
    );
  });
});
