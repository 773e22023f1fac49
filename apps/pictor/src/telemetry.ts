import { register } from 'node:module';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { register as registerSyncHooks, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';

/**
 * OpenTelemetry tracing, started by main.ts before any other module is loaded, so the
 * instrumentations can patch http, express, pg, ioredis and kafkajs as they are imported.
 *
 * Spans always carry ids (they go on every log line and, through Kafka headers, to the relay and
 * the worker); they are recorded and exported only when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * or `OTEL_TRACES_EXPORTER` names an exporter; only then is the full SDK (@opentelemetry/sdk-node)
 * loaded. `OTEL_SDK_DISABLED=true` turns all of it off.
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

  const [{ AlwaysOffSampler, NoopSpanProcessor, ParentBasedSampler }, http, express, pg, ioredis, kafkajs] =
    await Promise.all([
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
  // Without an exporter nothing would read a recorded span, so spans are not recorded: a
  // non-recording span still gets its ids (for the logs and the headers passed on), while the
  // span objects, their attributes and timings are never built. A caller's sampled trace is
  // still recorded (ParentBased), as it would be with an exporter. Measured on the ingest bench
  // (docs/BENCHMARKS.md, measurement 2): about 0.5 CPU-ms of the api's per upload.
  const sampler = new ParentBasedSampler({ root: new AlwaysOffSampler() });
  const propagators = w3cPropagators(env.OTEL_PROPAGATORS);
  if (!exporting && propagators) {
    // Without an exporter the SDK's other parts (exporters of every protocol, resource detection,
    // metrics and logs providers) would only be loaded, never used: about 8 MB of each process's
    // heap, which every full garbage collection marks. The same setup NodeSDK.start() makes for
    // this configuration is made from its parts.
    const provider = await startTracingOnly(instrumentations, sampler, new NoopSpanProcessor(), propagators);
    await acknowledged();
    return { exporting, shutdown: () => provider.shutdown() };
  }
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'pictor',
    resource: (await import('@opentelemetry/resources')).resourceFromAttributes({
      'pictor.target': targetOf(argv, env),
    }),
    instrumentations,
    ...(exporting ? {} : { sampler, spanProcessors: [new NoopSpanProcessor()] }),
    // Metrics are prom-client's and logs are JSON on stdout: the SDK exports neither.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  await acknowledged();
  return { exporting, shutdown: () => sdk.shutdown() };
}

/**
 * OTEL_PROPAGATORS when it names only W3C propagators (`tracecontext`, `baggage`; unset means
 * both, as in OpenTelemetry), `[]` for `none`; undefined when it names another (b3, b3multi),
 * which only the full SDK provides.
 */
export function w3cPropagators(value: string | undefined): ('tracecontext' | 'baggage')[] | undefined {
  const names = [
    ...new Set(
      (value ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  if (names.length === 0) return ['tracecontext', 'baggage'];
  if (names.includes('none')) return [];
  return names.every((name) => name === 'tracecontext' || name === 'baggage') ? names : undefined;
}

/** Instrumentations, context and propagation, and a tracer provider, as NodeSDK.start() sets them. */
async function startTracingOnly(
  instrumentations: Instrumentation[],
  sampler: Sampler,
  processor: SpanProcessor,
  propagators: ('tracecontext' | 'baggage')[],
): Promise<{ shutdown(): Promise<void> }> {
  const [api, { registerInstrumentations }, { AsyncLocalStorageContextManager }, core, { TracerProvider }] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/instrumentation'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/sdk-trace'),
    ]);
  registerInstrumentations({ instrumentations });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const made = propagators.map((name) =>
    name === 'tracecontext' ? new core.W3CTraceContextPropagator() : new core.W3CBaggagePropagator(),
  );
  if (made.length === 1) api.propagation.setGlobalPropagator(made[0]!);
  else if (made.length > 1) api.propagation.setGlobalPropagator(new core.CompositePropagator({ propagators: made }));
  const provider = new TracerProvider({ sampler, spanProcessors: [processor] });
  api.trace.setGlobalTracerProvider(provider);
  return provider;
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
