import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freshBucket, freshDatabase, pictorEnv } from '@pictor/test-harness/engines';
import { jpegWithGps } from '@pictor/test-harness/images';
import { spawnPictor, type PictorProcess } from '@pictor/test-harness/processes';

/**
 * The default: no OTLP endpoint, so spans are not recorded and the SDK's exporters are not even
 * loaded (telemetry.ts). Trace ids must still tie an upload's log lines together across the api,
 * the relay and the worker, and a caller's `traceparent` must still be continued.
 */
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

let database: { url: string; drop(): Promise<void> };
let processes: PictorProcess[] = [];
let api: PictorProcess;
let worker: PictorProcess;

const upload = async (headers: Record<string, string> = {}) => {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(await jpegWithGps(640, 480))]), 'photo.jpg');
  const res = await fetch(`${api.url}/api/v1/images`, { method: 'POST', body, headers });
  expect(res.status).toBe(201);
  const imageId = ((await res.json()) as { images: { id: string }[] }).images[0]!.id;
  const requestId = res.headers.get('x-request-id')!;
  await worker.waitForLog((l) => l.msg === 'job done' && l.imageId === imageId && l.outcome === 'ready');
  return {
    request: api.lines.find((l) => l.msg === 'request' && l.requestId === requestId),
    job: worker.lines.find((l) => l.msg === 'job done' && l.imageId === imageId),
  };
};

beforeAll(async () => {
  database = await freshDatabase();
  const bucket = await freshBucket();
  const env = pictorEnv(database.url, bucket, { LOG_LEVEL: 'info' });
  await (await spawnPictor('migrate', env)).kill();
  api = await spawnPictor('api', env);
  const [relay, started] = await Promise.all([spawnPictor('relay', env), spawnPictor('worker', env)]);
  worker = started;
  processes = [api, relay, worker];
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGTERM')));
  await database?.drop();
});

describe('given api, relay and worker with no trace exporter', () => {
  it('when an image is uploaded, then the api request line and the worker job line carry one real trace id', async () => {
    const { request, job } = await upload();
    expect(request?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(request?.traceId).not.toMatch(/^0+$/);
    expect(request?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(job?.traceId).toBe(request?.traceId);
  });

  it("when the caller sends a traceparent, then its trace id is continued to the worker's line", async () => {
    const { request, job } = await upload({ traceparent: TRACEPARENT });
    expect(request?.traceId).toBe(TRACE_ID);
    expect(job?.traceId).toBe(TRACE_ID);
  });
});
