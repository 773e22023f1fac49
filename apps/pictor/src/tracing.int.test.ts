import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freshBucket, freshDatabase, pictorEnv } from '@pictor/test-harness/engines';
import { jpegWithGps } from '@pictor/test-harness/images';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@pictor/test-harness/otlp';
import { spawnPictor, type PictorProcess } from '@pictor/test-harness/processes';

/**
 * `api`, `relay` and `worker` run as separate processes on PostgreSQL, Kafka, MinIO and Redis,
 * each exporting its spans over OTLP/HTTP to a collector kept in this test's memory.
 */
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

let database: { url: string; drop(): Promise<void> };
let receiver: OtlpReceiver;
let processes: PictorProcess[] = [];
let api: PictorProcess;
let worker: PictorProcess;
let imageId: string;
let requestId: string;

beforeAll(async () => {
  database = await freshDatabase();
  const bucket = await freshBucket();
  receiver = await startOtlpReceiver();
  const env = pictorEnv(database.url, bucket, {
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
  });
  await (await spawnPictor('migrate', env)).kill();
  api = await spawnPictor('api', env);
  const [relay, started] = await Promise.all([spawnPictor('relay', env), spawnPictor('worker', env)]);
  worker = started;
  processes = [api, relay, worker];

  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(await jpegWithGps(800, 600))]), 'photo.jpg');
  const res = await fetch(`${api.url}/api/v1/images`, { method: 'POST', body });
  expect(res.status).toBe(201);
  requestId = res.headers.get('x-request-id')!;
  imageId = ((await res.json()) as { images: { id: string }[] }).images[0]!.id;
  await worker.waitForLog((l) => l.msg === 'job done' && l.imageId === imageId && l.outcome === 'ready');
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGTERM')));
  await receiver?.stop();
  await database?.drop();
});

const uploadSpan = (spans: ReceivedSpan[]) =>
  spans.find(
    (s) =>
      s.kind === SERVER && s.attributes['http.route'] === '/api/v1/images' && s.resource['pictor.target'] === 'api',
  );

describe('when an image is uploaded to api, relayed through Kafka and processed by a worker', () => {
  it('then the upload request, the relay, the Kafka delivery and the processing are one trace', async () => {
    const spans = await receiver.waitFor((all) => {
      const upload = uploadSpan(all);
      return !!upload && all.some((s) => s.traceId === upload.traceId && s.name === 'process image');
    });
    const upload = uploadSpan(spans)!;
    const trace = spans.filter((s) => s.traceId === upload.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const one = (predicate: (s: ReceivedSpan) => boolean) => {
      const found = trace.filter(predicate);
      expect(found).toHaveLength(1);
      return found[0]!;
    };

    const publish = one((s) => s.kind === PRODUCER && s.name === 'publish pictor.images.uploaded');
    expect(publish.resource['pictor.target']).toBe('relay');
    const delivery = one((s) => s.kind === CONSUMER && s.resource['pictor.target'] === 'worker');
    const processing = one((s) => s.name === 'process image');
    expect(processing.resource['pictor.target']).toBe('worker');
    expect(processing.attributes['pictor.image.id']).toBe(imageId);
    expect(processing.attributes['pictor.outcome']).toBe('ready');

    // Parent links: processing ← Kafka delivery ← relay publish ← (inside) the upload request.
    expect(processing.parentSpanId).toBe(delivery.spanId);
    expect(delivery.parentSpanId).toBe(publish.spanId);
    const ancestors: string[] = [];
    for (let s = byId.get(publish.parentSpanId); s; s = byId.get(s.parentSpanId)) ancestors.push(s.spanId);
    expect(ancestors).toContain(upload.spanId);

    // Below the processing: one span per rendered output, and the database and storage calls.
    const renders = trace.filter((s) => s.name.startsWith('render ') && s.parentSpanId === processing.spanId);
    expect(renders.map((s) => s.name)).toEqual(expect.arrayContaining(['render display jpeg', 'render thumb webp']));
    const from = (target: string) => trace.filter((s) => s.resource['pictor.target'] === target);
    expect(from('worker').filter((s) => s.name.startsWith('pg.query:UPDATE')).length).toBeGreaterThan(0);
    const stored = from('worker').filter((s) => s.kind === CLIENT && s.attributes['http.request.method'] === 'PUT');
    expect(stored.map((s) => String(s.attributes['url.full']))).toEqual(
      expect.arrayContaining([expect.stringContaining(`/public/${imageId}/thumb.webp`)]),
    );
    // The api's part: the row and its outbox event written in PostgreSQL.
    expect(from('api').some((s) => s.name.startsWith('pg.query:INSERT'))).toBe(true);
  });

  it('then reading the image is traced down to the Redis cache', async () => {
    expect((await fetch(`${api.url}/api/v1/images/${imageId}`)).status).toBe(200);
    const isRead = (s: ReceivedSpan) => s.kind === SERVER && s.attributes['http.route'] === '/api/v1/images/:id';
    const spans = await receiver.waitFor((all) => {
      const read = all.find(isRead);
      return !!read && all.some((s) => s.traceId === read.traceId && s.attributes['db.system.name'] === 'redis');
    });
    const read = spans.find(isRead)!;
    expect(read.attributes['url.path']).toBe(`/api/v1/images/${imageId}`);
    expect(spans.filter((s) => s.traceId === read.traceId && s.kind === CLIENT).length).toBeGreaterThan(0);
  });

  it('then the log lines of the api and the worker for that upload carry the same trace id', () => {
    const upload = uploadSpan(receiver.spans)!;
    const requestLine = api.lines.find((l) => l.msg === 'request' && l.requestId === requestId);
    expect(requestLine).toEqual(
      expect.objectContaining({ traceId: upload.traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) }),
    );
    const jobLine = worker.lines.find((l) => l.msg === 'job done' && l.imageId === imageId);
    expect(jobLine).toEqual(expect.objectContaining({ traceId: upload.traceId, requestId }));
  });

  it('then health probes and idle polls make no traces of their own', async () => {
    await fetch(`${api.url}/readyz`);
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      receiver.spans.filter((s) => s.attributes['url.path'] === '/readyz' || s.attributes['http.target'] === '/readyz'),
    ).toEqual([]);
    // Every span of the relay belongs to an upload's trace: polling an empty outbox is not traced.
    const traces = new Set(receiver.spans.filter((s) => s.resource['pictor.target'] !== 'relay').map((s) => s.traceId));
    const strays = receiver.spans.filter((s) => s.resource['pictor.target'] === 'relay' && !traces.has(s.traceId));
    expect(strays.map((s) => s.name)).toEqual([]);
  });
});
