import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * Tracing helpers on the OpenTelemetry API. Without an SDK (tests, `OTEL_SDK_DISABLED`) every
 * call here is a cheap no-op; apps/pictor starts the SDK before anything else is loaded.
 */
const tracer = () => trace.getTracer('pictor');

/** Trace context headers (`traceparent`, `tracestate`, `baggage`) of the active span, for an event. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The active span's ids, for log lines; undefined when no valid span is active. */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const ctx = span.spanContext();
  return isSpanContextValid(ctx) ? { traceId: ctx.traceId, spanId: ctx.spanId } : undefined;
}

/** The context a message's headers carry (its producer's span); the root context if none. */
export function contextFromHeaders(headers: Record<string, string>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent; the active context by default. */
  parent?: Context;
}

/**
 * Runs `work` inside a new span that ends when it settles; a thrown error is recorded on the
 * span and rethrown.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Spans for messages that are published in one batch but belong to different traces: one
 * PRODUCER span per message, parented on the context its headers carry, and headers rewritten
 * to point at that span. `publish` runs with instrumentation suppressed, so the Kafka client's
 * own instrumentation neither adds a span per batch nor overwrites the headers with it.
 */
export async function publishInSpans<M extends { headers: Record<string, string> }>(
  name: string,
  attributes: Attributes,
  messages: readonly M[],
  publish: (traced: M[]) => Promise<void>,
): Promise<void> {
  const spans: Span[] = [];
  const traced = messages.map((message) => {
    const parent = contextFromHeaders(message.headers);
    const span = tracer().startSpan(name, { kind: SpanKind.PRODUCER, attributes }, parent);
    spans.push(span);
    const headers = { ...message.headers };
    delete headers.traceparent;
    delete headers.tracestate;
    propagation.inject(trace.setSpan(parent, span), headers);
    return { ...message, headers };
  });
  try {
    await context.with(suppressTracing(context.active()), () => publish(traced));
  } catch (error) {
    for (const span of spans) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}

/**
 * The context a delivered message is processed in: the active one when the bus client's
 * instrumentation already opened a consumer span from the headers (Kafka), else the headers'.
 */
export function consumerContext(headers: Record<string, string>): Context {
  return trace.getSpan(context.active()) ? context.active() : contextFromHeaders(headers);
}

export { SpanKind };
