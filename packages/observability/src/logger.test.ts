import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createLogger } from './logger.js';
import { consumerContext, inSpan, publishInSpans, traceHeaders } from './tracing.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(JSON.parse(text) as Record<string, unknown>);
    }
  });
  return { stream, lines };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createLogger', () => {
  it('when a line is written inside a span, then it carries that span’s trace and span ids', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ level: 'info', base: { target: 'api' }, stream });
    let ids: { traceId: string; spanId: string } | undefined;
    await inSpan('upload', {}, async (span) => {
      ids = { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
      await tick();
      logger.child({ module: 'api' }).info('stored', { imageId: 'Ab12Cd34Ef56' });
    });
    logger.info('outside');
    await tick();
    expect(lines[0]).toEqual(
      expect.objectContaining({ msg: 'stored', target: 'api', module: 'api', imageId: 'Ab12Cd34Ef56', ...ids }),
    );
    expect(lines[1]).toEqual(expect.objectContaining({ msg: 'outside' }));
    expect(lines[1]).not.toHaveProperty('traceId');
  });

  it('when fields or messages hold secrets, then the line shows them redacted', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ level: 'info', stream });
    logger.info('connecting to postgres://pictor:hunter2-secret@db:5432/pictor', {
      config: { S3_SECRET_KEY: 'minio-secret-key', adminToken: 'tok-123' },
      authorization: 'Bearer abc',
    });
    await tick();
    const text = JSON.stringify(lines);
    for (const secret of ['hunter2-secret', 'minio-secret-key', 'tok-123', 'Bearer abc'])
      expect(text).not.toContain(secret);
    expect(lines[0]!.msg).toBe('connecting to postgres://pictor:[REDACTED]@db:5432/pictor');
  });

  it('when a log file is configured, then lines go there too and old files rotate out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pictor-log-'));
    try {
      const { stream } = capture();
      const logger = createLogger({
        level: 'info',
        stream,
        file: { path: join(dir, 'app.log'), maxBytes: 2000, maxFiles: 3 },
      });
      for (let i = 0; i < 60; i++) {
        logger.info('request', { i, path: '/api/v1/images', padding: 'x'.repeat(100) });
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 300));
      const files = (await readdir(dir)).sort();
      expect(files).toEqual(['app.log', 'app1.log', 'app2.log']);
      const newest = (await readFile(join(dir, 'app.log'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { i: number });
      expect(newest.at(-1)!.i).toBe(59);
      // A file is rotated once a line takes it past the size: at most one line over.
      for (const f of files) expect((await readFile(join(dir, f))).length).toBeLessThanOrEqual(2000 + 250);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('trace propagation through events', () => {
  it('when messages of two uploads are published in one batch, then each gets a producer span in its own trace', async () => {
    exporter.reset();
    const a = await inSpan('upload a', {}, () => Promise.resolve(traceHeaders()));
    const b = await inSpan('upload b', {}, () => Promise.resolve(traceHeaders()));
    let sent: { headers: Record<string, string> }[] = [];
    await publishInSpans('publish t', {}, [{ headers: a }, { headers: b }], (traced) => {
      sent = traced;
      return Promise.resolve();
    });
    const spans = exporter.getFinishedSpans();
    const byName = (n: string) => spans.find((s) => s.name === n)!;
    const producers = spans.filter((s) => s.name === 'publish t');
    expect(producers.map((p) => p.spanContext().traceId).sort()).toEqual(
      [byName('upload a').spanContext().traceId, byName('upload b').spanContext().traceId].sort(),
    );
    // Each message now names its own producer span as parent.
    for (const [i, message] of sent.entries()) {
      const producer = producers.find((p) => message.headers.traceparent?.includes(p.spanContext().spanId));
      expect(producer?.spanContext().traceId).toBe([a, b][i]!.traceparent!.split('-')[1]);
    }
    // The consumer continues the producer's trace.
    await inSpan('process', { parent: consumerContext(sent[0]!.headers) }, () => Promise.resolve());
    const processed = exporter.getFinishedSpans().find((s) => s.name === 'process')!;
    expect(processed.spanContext().traceId).toBe(a.traceparent!.split('-')[1]);
  });

  it('when a traced step throws, then the span records the error and the error reaches the caller', async () => {
    exporter.reset();
    await expect(inSpan('render', {}, () => Promise.reject(new Error('decoder crashed')))).rejects.toThrow(
      'decoder crashed',
    );
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toEqual({ code: 2, message: 'decoder crashed' });
  });
});
