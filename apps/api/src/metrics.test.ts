import { describe, expect, it } from '@jest/globals';
import { createRegistry } from '@pictor/observability';
import { createApiMetrics } from './metrics.js';

/** A process registry with the api's instruments on it. */
function apiRegistry() {
  const registry = createRegistry();
  return { registry, metrics: createApiMetrics(registry) };
}

describe('createApiMetrics', () => {
  it('when the installation is observed, then its time is exported, and NaN when the read fails', async () => {
    const ok = apiRegistry();
    ok.metrics.observeInstallation(() => Promise.resolve(1_790_000_000));
    expect(await ok.registry.metrics()).toContain('pictor_installed_timestamp_seconds 1790000000');
    const failing = apiRegistry();
    failing.metrics.observeInstallation(() => Promise.reject(new Error('database down')));
    expect(await failing.registry.metrics()).toMatch(/^pictor_installed_timestamp_seconds nan$/im);
  });

  it('when two registries are made, then counts in one do not show in the other', async () => {
    const a = apiRegistry();
    const b = apiRegistry();
    a.metrics.uploadsAccepted.inc({ format: 'jpeg' }, 3);
    expect(await a.registry.getSingleMetricAsString('pictor_uploads_accepted_total')).toContain(
      'pictor_uploads_accepted_total{format="jpeg"} 3',
    );
    expect(await b.registry.getSingleMetricAsString('pictor_uploads_accepted_total')).not.toContain('format="jpeg"');
  });

  it('when the storage is observed, then images by status and the stored bytes come from one read per scrape', async () => {
    const { registry, metrics } = apiRegistry();
    let reads = 0;
    metrics.observeStorage(() => {
      reads++;
      return Promise.resolve({ byStatus: { ready: 5, pending: 1 }, originalBytes: 4096 });
    });
    const text = await registry.metrics();
    expect(text).toContain('pictor_images{status="ready"} 5');
    expect(text).toContain('pictor_images{status="pending"} 1');
    expect(text).toContain('pictor_stored_original_bytes 4096');
    expect(reads).toBe(1);
  });

  it('when a read fails, then the gauge is NaN rather than a reassuring zero', async () => {
    const { registry, metrics } = apiRegistry();
    metrics.observeLastBackup(() => Promise.reject(new Error('database down')));
    const text = await registry.metrics();
    // prom-client writes `Nan`; Prometheus parses NaN in any case.
    expect(text).toMatch(/^pictor_last_backup_timestamp_seconds nan$/im);
  });

  it('when no backup is recorded yet, then the last backup time is 0', async () => {
    const { registry, metrics } = apiRegistry();
    metrics.observeLastBackup(() => Promise.resolve(undefined));
    expect(await registry.metrics()).toContain('pictor_last_backup_timestamp_seconds 0');
  });

  it('when the cleanup totals are observed, then the database totals are exported as counters', async () => {
    const { registry, metrics } = apiRegistry();
    let totals = {
      removed: { expired: 40, orphans: 2, stalePending: 1 },
      runs: { succeeded: 9, failed: 1 },
      lastSuccessAt: 1_790_000_000 as number | undefined,
    };
    metrics.observeCleanup(() => Promise.resolve(totals));
    let text = await registry.metrics();
    expect(text).toContain('# TYPE pictor_cleanup_removed_total counter');
    expect(text).toContain('pictor_cleanup_removed_total{kind="expired"} 40');
    expect(text).toContain('pictor_cleanup_removed_total{kind="orphan"} 2');
    expect(text).toContain('pictor_cleanup_runs_total{outcome="failure"} 1');
    expect(text).toContain('pictor_cleanup_last_success_timestamp_seconds 1790000000');
    // Another run recorded by another process: the next scrape shows the new totals.
    totals = { ...totals, removed: { ...totals.removed, expired: 55 }, lastSuccessAt: undefined };
    await new Promise((resolve) => setImmediate(resolve));
    text = await registry.metrics();
    expect(text).toContain('pictor_cleanup_removed_total{kind="expired"} 55');
    expect(text).toContain('pictor_cleanup_last_success_timestamp_seconds 0');
  });

  it('when the cleanup totals cannot be read, then the counters have no series and the time is NaN', async () => {
    const { registry, metrics } = apiRegistry();
    metrics.observeCleanup(() => Promise.reject(new Error('database down')));
    const text = await registry.metrics();
    expect(text).not.toMatch(/^pictor_cleanup_removed_total\{/m);
    expect(text).toMatch(/^pictor_cleanup_last_success_timestamp_seconds nan$/im);
  });

  it('when only the api runs, then no other component’s series are on its registry', async () => {
    const text = await apiRegistry().registry.metrics();
    expect(text).toContain('# TYPE http_requests_total counter');
    for (const other of [
      'pictor_outbox_events_published_total',
      'pictor_dead_letters_total',
      'pictor_notification_deliveries_total',
    ])
      expect(text).not.toContain(other);
  });
});
