import { readFileSync } from 'node:fs';
import { createRegistry, startMetricsServer } from '@pictor/observability';
import type { PictorContext } from './context.js';
import type { Stop } from './module-manager.js';

/** The version of this build (apps/pictor/package.json), for `pictor_build_info`. */
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Module `metrics`: this process's registry and `/metrics` + `/healthz` on METRICS_PORT. Every
 * module that records metrics depends on it, so it stops after them: the final state stays
 * scrapeable while the rest drains.
 */
export async function startMetrics(ctx: PictorContext): Promise<Stop> {
  const { config } = ctx;
  const registry = createRegistry({ labels: { target: config.target }, version: VERSION });
  const server = await startMetricsServer(registry, {
    port: config.metrics.port,
    host: config.metrics.host,
    // A module that knows its process is stuck for good (a worker whose Kafka consumer stopped)
    // registers a check: Kubernetes restarts the pod.
    unhealthy: () => ctx.healthChecks.map((check) => check()).find((reason) => reason !== undefined),
  });
  ctx.provide('registry', registry);
  ctx.provide('metricsPort', server.port);
  ctx.logger.info('metrics listening', { metricsPort: server.port });
  return () => server.stop();
}
