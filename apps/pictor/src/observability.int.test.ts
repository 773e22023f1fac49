import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freshBucket, freshDatabase, pictorEnv } from './testing/engines.js';
import { jpegWithGps, png } from './testing/images.js';
import { spawnPictor, type PictorProcess } from './testing/processes.js';
import { startPrometheus, type Prometheus, type PromSample } from './testing/prometheus.js';

/**
 * A real Prometheus (Debian's) scrapes `api`, `relay` and `worker` running as separate processes
 * on PostgreSQL, Kafka, MinIO and Redis; what it stores is what an operator's Prometheus would.
 */
const DASHBOARDS_DIR = new URL('../../../grafana/dashboards/', import.meta.url);
const UPLOADS = 3;

let database: { url: string; drop(): Promise<void> };
let processes: PictorProcess[] = [];
let api: PictorProcess;
let prometheus: Prometheus;
const metricsUrls: string[] = [];

const metricsPortOf = async (p: PictorProcess) =>
  Number((await p.waitForLog((l) => l.msg === 'metrics listening')).metricsPort);

const value = (samples: PromSample[]) => (samples.length === 1 ? Number(samples[0]!.value[1]) : Number.NaN);

async function upload(file: Buffer, name: string): Promise<Response> {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(file)]), name);
  return fetch(`${api.url}/api/v1/images`, { method: 'POST', body });
}

async function waitUntilReady(id: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const image = (await (await fetch(`${api.url}/api/v1/images/${id}`)).json()) as { status: string };
    if (image.status === 'ready') return;
    if (Date.now() > deadline) throw new Error(`still ${image.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  database = await freshDatabase();
  const bucket = await freshBucket();
  const env = pictorEnv(database.url, bucket, { LOG_LEVEL: 'info' });
  await (await spawnPictor('migrate', env)).kill();
  api = await spawnPictor('api', env);
  const [relay, worker] = await Promise.all([spawnPictor('relay', env), spawnPictor('worker', env)]);
  processes = [api, relay, worker];
  const targets = [];
  for (const p of processes) {
    const address = `127.0.0.1:${await metricsPortOf(p)}`;
    targets.push({ job: `pictor-${p.target}`, address });
    metricsUrls.push(`http://${address}/metrics`);
  }
  prometheus = await startPrometheus(targets);
  // Every target scraped once before the uploads, so increases are measured from a known zero.
  await prometheus.waitFor('up', (s) => s.length === 3 && s.every((x) => x.value[1] === '1'));
});

afterAll(async () => {
  await prometheus?.stop();
  await Promise.all(processes.map((p) => p.kill('SIGTERM')));
  await database?.drop();
});

describe(`when ${UPLOADS} images are uploaded and one file is refused`, () => {
  beforeAll(async () => {
    const files = [await jpegWithGps(800, 600), await png(320, 240), await jpegWithGps(640, 480)];
    for (const [i, file] of files.entries()) {
      const res = await upload(file, `photo-${i}`);
      expect(res.status).toBe(201);
      const { images } = (await res.json()) as { images: { id: string }[] };
      await waitUntilReady(images[0]!.id);
    }
    expect((await upload(Buffer.from('not an image at all'), 'notes.txt')).status).toBe(415);
  });

  it('then Prometheus counts exactly those uploads, by format, and the refusal by its reason code', async () => {
    await prometheus.waitFor('sum(pictor_uploads_accepted_total)', (s) => value(s) === UPLOADS);
    const byFormat = await prometheus.query('sum by (format) (pictor_uploads_accepted_total)');
    expect(Object.fromEntries(byFormat.map((s) => [s.metric.format, Number(s.value[1])]))).toEqual({
      jpeg: 2,
      png: 1,
    });
    await prometheus.waitFor(
      'sum(pictor_uploads_rejected_total{reason="UNSUPPORTED_MEDIA_TYPE"})',
      (s) => value(s) === 1,
    );
    expect(value(await prometheus.query('sum(pictor_upload_bytes_total)'))).toBeGreaterThan(1000);
  });

  it('then the HTTP series use the route template and status class, never an id', async () => {
    await prometheus.waitFor(
      'sum(http_requests_total{method="POST", route="/api/v1/images", status_class="2xx"})',
      (s) => value(s) === UPLOADS,
    );
    const routes = await prometheus.query('count by (route) (http_requests_total)');
    const names = routes.map((s) => s.metric.route);
    expect(names).toContain('/api/v1/images/:id');
    for (const route of names) expect(route).toMatch(/^(unmatched|\/[a-z0-9/:._-]*)$/);
    expect(
      value(await prometheus.query('sum(http_request_duration_seconds_count{route="/api/v1/images"})')),
    ).toBeGreaterThanOrEqual(UPLOADS + 1);
  });

  it('then the worker reports every image ready, with timings per variant and format', async () => {
    await prometheus.waitFor('sum(pictor_images_processed_total{outcome="ready"})', (s) => value(s) === UPLOADS);
    await prometheus.waitFor('sum(pictor_upload_to_ready_seconds_count)', (s) => value(s) === UPLOADS);
    const variants = await prometheus.query('count by (variant) (pictor_processing_duration_seconds_count)');
    expect(variants.map((s) => s.metric.variant).sort()).toEqual(['display', 'thumb', 'w640']);
    const formats = await prometheus.query('count by (format) (pictor_processing_duration_seconds_count)');
    expect(formats.map((s) => s.metric.format)).toEqual(expect.arrayContaining(['jpeg', 'png', 'webp', 'avif']));
    expect(value(await prometheus.query('sum(pictor_dead_letters_total)'))).toBeNaN(); // none exported
  });

  it('then the outbox backlog and the consumer lag per partition exist and drain to zero', async () => {
    await prometheus.waitFor('pictor_outbox_backlog', (s) => value(s) === 0);
    await prometheus.waitFor('pictor_outbox_oldest_age_seconds', (s) => value(s) === 0);
    const lag = await prometheus.waitFor(
      'pictor_kafka_consumer_lag{topic="pictor.images.uploaded"}',
      (s) => s.length > 0 && s.every((x) => x.value[1] === '0'),
    );
    // One series per partition, from the worker only.
    expect(new Set(lag.map((s) => s.metric.partition)).size).toBe(lag.length);
    expect(new Set(lag.map((s) => s.metric.job))).toEqual(new Set(['pictor-worker']));
  });

  it('then the process metrics and the storage gauges are there too, and /metrics is not on the public port', async () => {
    expect(await prometheus.query('process_resident_memory_bytes')).toHaveLength(3);
    expect(await prometheus.query('nodejs_eventloop_lag_p99_seconds')).toHaveLength(3);
    expect((await prometheus.query('pictor_images')).map((s) => s.metric.status).sort()).toEqual([
      'deleting',
      'failed',
      'pending',
      'ready',
    ]);
    expect(await prometheus.query('pictor_last_backup_timestamp_seconds')).toHaveLength(1);
    expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
  });

  it('then every log line is JSON with time, level, msg and target, and no secret of the configuration', () => {
    const secret = process.env.S3_SECRET_KEY!;
    expect(secret.length).toBeGreaterThan(8);
    for (const p of processes) {
      // Node's own warnings (kafkajs's TimeoutNegativeWarning, three lines) go to stderr as text.
      const nodeWarning = /^(\(node:\d+\) |\(Use `node |Timeout duration was set)/;
      const lines = p.lines.filter((l) => !(l.raw && nodeWarning.test(String(l.msg))));
      const notJson = lines.filter((l) => l.raw && String(l.msg).trim() !== '');
      expect([p.target, notJson]).toEqual([p.target, []]);
      for (const line of lines.filter((l) => !l.raw)) {
        expect(line).toEqual(
          expect.objectContaining({ time: expect.any(String), level: expect.any(String), msg: expect.any(String) }),
        );
        expect(line.target).toBe(p.target);
      }
      expect(JSON.stringify(p.lines)).not.toContain(secret);
    }
    const requestLine = api.lines.find((l) => l.msg === 'request' && l.route === '/api/v1/images');
    expect(requestLine).toEqual(expect.objectContaining({ requestId: expect.any(String), module: 'api' }));
  });
});

/** Grafana's variables, replaced as Grafana would before the query reaches Prometheus. */
function substitute(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll('$__interval', '15s')
    .replaceAll('$namespace', '.*');
}

interface Panel {
  title: string;
  type: string;
  datasource?: { type: string };
  targets?: { expr: string }[];
}

describe('when the dashboards are read against this Prometheus', () => {
  const dashboards = readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({
      file: f,
      json: JSON.parse(readFileSync(new URL(f, DASHBOARDS_DIR), 'utf8')) as { panels: Panel[] },
    }));
  const queries = dashboards.flatMap(({ file, json }) =>
    json.panels
      .filter((p) => p.datasource?.type === 'prometheus')
      .flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${file}: ${p.title}`, expr: t.expr }))),
  );

  it('then there are dashboards with Prometheus queries and a Loki logs panel', () => {
    expect(dashboards.map((d) => d.file).sort()).toEqual(['pictor-overview.json', 'pictor-pipeline.json']);
    expect(queries.length).toBeGreaterThan(20);
    const logs = dashboards.flatMap((d) => d.json.panels).filter((p) => p.type === 'logs');
    expect(logs.map((p) => p.datasource?.type)).toEqual(['loki']);
  });

  it('then every PromQL expression parses and runs', async () => {
    const failures: string[] = [];
    for (const { where, expr } of queries) {
      await prometheus.query(substitute(expr)).catch((error: unknown) => failures.push(`${where}: ${String(error)}`));
    }
    expect(failures).toEqual([]);
  });

  it('then every series they name is one Pictor exports on /metrics', async () => {
    const exported = new Set<string>();
    for (const url of metricsUrls) {
      // Declared families count too: a counter by reason has no series until the first one.
      for (const line of (await (await fetch(url)).text()).split('\n')) {
        const declared = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
        if (declared) {
          const [, name, type] = declared;
          exported.add(name!);
          if (type === 'histogram')
            for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name}${suffix}`);
          continue;
        }
        const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)?.[1];
        if (name) exported.add(name);
      }
    }
    const unknown: string[] = [];
    for (const { where, expr } of queries) {
      const names = [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]!);
      expect([where, names.length > 0]).toEqual([where, true]);
      for (const name of names) if (!exported.has(name)) unknown.push(`${where}: ${name}`);
    }
    expect(unknown).toEqual([]);
  });
});
