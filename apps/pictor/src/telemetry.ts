import { register } from 'node:module';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { register as registerSyncHooks, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';

/**
 * OpenTelemetry tracing, started by main.ts before any other module is loaded, so the
 * instrumentations can patch http, express, pg, ioredis and kafkajs as they are imported.
 *
 * Spans always carry ids (they go on every log line and, through Kafka headers, to the relay and
 * the worker); they are recorded and exported only when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * or `OTEL_TRACES_EXPORTER` names an exporter. `OTEL_SDK_DISABLED=true` turns all of it off.
 * Every other standard `OTEL_*` variable (protocol, headers, sampler, resource attributes)
 * applies as documented by OpenTelemetry.
 */
export interface Telemetry {
  /** Whether spans leave the process. */
  exporting: boolean;
  /** Flushes spans not yet exported; call before the process exits. */
  shutdown(): Promise<void>;
}

/** Paths probed every few seconds: no trace for each probe. */
const PROBES = /^\/(healthz|readyz|metrics)(\/|\?|$)/;

export async function startTelemetry(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Telemetry | undefined> {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;

  // The loader intercepts only the modules the instrumentations below patch (keep the two lists
  // together), not every import: in-thread (module.registerHooks) where this Node.js supports it,
  // which starts ~0.5 s faster, else on the loader thread.
  let acknowledged = () => Promise.resolve();
  if (supportsSyncHooks()) {
    registerSyncHooks({
      include: ['express', 'pg', 'pg-pool', 'ioredis', 'kafkajs', 'http', 'https', 'node:http', 'node:https'],
    });
  } else {
    const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
    acknowledged = waitForAllMessagesAcknowledged;
  }

  const [
    { NodeSDK },
    { AlwaysOffSampler, NoopSpanProcessor, ParentBasedSampler },
    http,
    express,
    pg,
    ioredis,
    kafkajs,
  ] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-express'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-kafkajs'),
  ]);
  const instrumentations: Instrumentation[] = [
    new http.HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => PROBES.test(req.url ?? ''),
      // Storage calls outside a traced operation (start-up checks) would be one-span traces.
      requireParentforOutgoingSpans: true,
    }),
    new express.ExpressInstrumentation(),
    // Queries and commands outside a traced operation (the relay's idle polls, health checks)
    // would each be a trace of one span.
    new pg.PgInstrumentation({ requireParentSpan: true }),
    new ioredis.IORedisInstrumentation({ requireParentSpan: true }),
    new kafkajs.KafkaJsInstrumentation(),
  ];
  const exporting = Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ||
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() ||
    (env.OTEL_TRACES_EXPORTER?.trim() && env.OTEL_TRACES_EXPORTER.trim() !== 'none'),
  );
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'pictor',
    resource: (await import('@opentelemetry/resources')).resourceFromAttributes({
      'pictor.target': targetOf(argv, env),
    }),
    instrumentations,
    // Without an exporter nothing would read a recorded span, so spans are not recorded: a
    // non-recording span still gets its ids (for the logs and the headers passed on), while the
    // span objects, their attributes and timings are never built. A caller's sampled trace is
    // still recorded (ParentBased), as it would be with an exporter. Measured on the ingest bench
    // (docs/BENCHMARKS.md, measurement 2): about 0.5 CPU-ms of the api's per upload.
    ...(exporting
      ? {}
      : {
          sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
          spanProcessors: [new NoopSpanProcessor()],
        }),
    // Metrics are prom-client's and logs are JSON on stdout: the SDK exports neither.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  await acknowledged();
  return { exporting, shutdown: () => sdk.shutdown() };
}

/** The target as main.ts will resolve it, for the `pictor.target` resource attribute. */
function targetOf(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--target=')) return arg.slice('--target='.length);
    if (arg === '--target' || arg === '-target') return argv[i + 1] ?? '';
  }
  return env.PICTOR_TARGET?.trim() || 'all';
}
