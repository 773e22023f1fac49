import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel } from 'kafkajs';
import { parser as logql } from '@grafana/lezer-logql';
import { find, render } from '@pictor/test-harness/chart';
import { freshBucket, freshDatabase, pictorEnv } from '@pictor/test-harness/engines';
import { jpegWithGps, png } from '@pictor/test-harness/images';
import { spawnPictor, type PictorProcess } from '@pictor/test-harness/processes';
import { startPrometheus, type Prometheus, type PromSample } from '@pictor/test-harness/prometheus';

/**
 * A real Prometheus (Debian's) scrapes `api`, `relay` and `worker` running as separate processes
 * on PostgreSQL, Kafka, MinIO and Redis; what it stores is what an operator's Prometheus would.
 */
const DASHBOARDS_DIR = new URL('../../../grafana/dashboards/', import.meta.url);
const UPLOADS = 3;
/** The chart's release and namespace: the rules below select these jobs and this namespace. */
const NAMESPACE = 'pictor';
/** `for` of the target-down alerts in this test (5m by default), to see one fire in bounded time. */
const DOWN_FOR_SECONDS = 10;

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
  const [relay, worker, notifier] = await Promise.all([
    spawnPictor('relay', env),
    spawnPictor('worker', env),
    spawnPictor('notifier', env),
  ]);
  processes = [api, relay, worker, notifier];
  const targets = [];
  for (const p of processes) {
    const address = `127.0.0.1:${await metricsPortOf(p)}`;
    // As the chart's ServiceMonitor and PodMonitor label them.
    targets.push({ job: `pictor-${p.target}`, address, labels: { namespace: NAMESPACE } });
    metricsUrls.push(`http://${address}/metrics`);
  }
  // The chart's own alerts, as a release `pictor` in namespace `pictor` renders them.
  const rendered = await render({
    set: {
      'metrics.enabled': true,
      'monitoring.serviceMonitor.enabled': true,
      'monitoring.podMonitor.enabled': true,
      'relay.mode': 'deployment',
      'monitoring.prometheusRule.enabled': true,
      'monitoring.prometheusRule.thresholds.targetDownFor': `${DOWN_FOR_SECONDS}s`,
      'backup.enabled': true,
      'cleanup.enabled': true,
    },
  });
  const rule = find(rendered, 'PrometheusRule', 'pictor') as unknown as { spec: { groups: unknown[] } };
  prometheus = await startPrometheus(targets, { rules: { groups: rule.spec.groups }, scrapeItself: true });
  // Every target scraped once before the uploads, so increases are measured from a known zero.
  // Prometheus scrapes itself too (job `prometheus`, without the namespace): only Pictor's four count.
  await prometheus.waitFor(`up{namespace="${NAMESPACE}"}`, (s) => s.length === 4 && s.every((x) => x.value[1] === '1'));
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
    // Every format exported from the api's start, at 0 until its first upload.
    expect(Object.fromEntries(byFormat.map((s) => [s.metric.format, Number(s.value[1])]))).toEqual({
      avif: 0,
      gif: 0,
      jpeg: 2,
      png: 1,
      webp: 0,
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
    const variants = await prometheus.query('count by (variant) (pictor_processing_duration_seconds_count > 0)');
    expect(variants.map((s) => s.metric.variant).sort()).toEqual(['display', 'thumb', 'w640']);
    const formats = await prometheus.query('count by (format) (pictor_processing_duration_seconds_count > 0)');
    expect(formats.map((s) => s.metric.format)).toEqual(expect.arrayContaining(['jpeg', 'png', 'webp', 'avif']));
    // Every reason exported at 0 from the worker's start, so the first dead letter is an increase.
    const deadLetters = await prometheus.query('pictor_dead_letters_total');
    expect(deadLetters.map((s) => s.metric.reason)).toContain('CORRUPT_IMAGE');
    expect(deadLetters.every((s) => s.value[1] === '0')).toBe(true);
  });

  it('then the first refusal of its reason is an increase Prometheus sees', async () => {
    await prometheus.waitFor(
      'sum(increase(pictor_uploads_rejected_total{reason="UNSUPPORTED_MEDIA_TYPE"}[5m]))',
      (s) => value(s) > 0,
    );
  });

  it('then the outbox backlog and the consumer lag per partition exist and drain to zero', async () => {
    await prometheus.waitFor('max(pictor_outbox_backlog)', (s) => value(s) === 0);
    await prometheus.waitFor('max(pictor_outbox_oldest_age_seconds)', (s) => value(s) === 0);
    const lag = await prometheus.waitFor(
      'pictor_kafka_consumer_lag{topic="pictor.images.uploaded"}',
      (s) => s.length > 0 && s.every((x) => x.value[1] === '0'),
    );
    // Per partition, from the worker and from the relay, which still sees it when no worker runs.
    expect(new Set(lag.map((s) => s.metric.job))).toEqual(new Set(['pictor-relay', 'pictor-worker']));
    const partitions = new Set(lag.map((s) => s.metric.partition));
    expect(partitions.size * 2).toBe(lag.length);
    // The api exports the outbox from the database too: it survives a dead relay.
    const outbox = await prometheus.query('pictor_outbox_oldest_age_seconds');
    expect(new Set(outbox.map((s) => s.metric.job))).toEqual(new Set(['pictor-api', 'pictor-relay']));
  });

  it('then the process metrics and the storage gauges are there too, and /metrics is not on the public port', async () => {
    expect(
      (await prometheus.query('process_resident_memory_bytes{target!=""}')).map((s) => s.metric.target).sort(),
    ).toEqual(['api', 'notifier', 'relay', 'worker']);
    expect(await prometheus.query('nodejs_eventloop_lag_p99_seconds')).toHaveLength(4);
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
      // stdout and stderr together, start-up included: no warning of Node or kafkajs in between.
      const notJson = p.lines.filter((l) => l.raw && String(l.msg).trim() !== '');
      expect([p.target, notJson]).toEqual([p.target, []]);
      for (const line of p.lines.filter((l) => !l.raw)) {
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

  it("then a refused request's line carries its error code, and the relay logs each batch with its event ids", () => {
    const refused = api.lines.find((l) => l.msg === 'request' && l.status === 415);
    expect(refused).toEqual(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE', route: '/api/v1/images' }));
    const relay = processes.find((p) => p.target === 'relay')!;
    const batches = relay.lines.filter((l) => l.msg === 'published events');
    const keys = batches.flatMap((l) => l.keys as string[]);
    expect(keys).toHaveLength(UPLOADS);
    for (const batch of batches) {
      expect(batch).toEqual(
        expect.objectContaining({
          level: 'info',
          topic: 'pictor.images.uploaded',
          eventIds: expect.any(Array),
          requestIds: expect.any(Array),
        }),
      );
    }
    // The upload's request id links the api's line, the relay's batch and the worker's job.
    const uploadLine = api.lines.find((l) => l.msg === 'request' && l.status === 201)!;
    expect(batches.some((b) => (b.requestIds as string[]).includes(uploadLine.requestId as string))).toBe(true);
  });

  it("then the runbook's jq commands read these logs, a non-JSON line among them included", async () => {
    const runbook = readFileSync(new URL('../../../docs/RUNBOOK.md', import.meta.url), 'utf8');
    const commands = [...runbook.matchAll(/\| jq ((?:-\w+ )*)'([^']+)'/g)].map((m) => ({
      options: m[1]!,
      filter: m[2]!,
    }));
    expect(commands.length).toBeGreaterThan(4);
    // Raw input, each line parsed if it can be: a line that is not JSON is skipped, not fatal.
    for (const { options, filter } of commands)
      expect([filter, options, filter]).toEqual([filter, '-R -c ', expect.stringMatching(/^fromjson\? \| /)]);
    const filters = commands.map((c) => c.filter);
    // Logs of a start-up as `kubectl logs` shows them, plus a line any runtime might print.
    const text = [
      '(node:1) SomeWarning: a line that is not JSON',
      ...processes.flatMap((p) => p.lines.map((l) => (l.raw ? String(l.msg) : JSON.stringify(l)))),
      '',
    ].join('\n');
    for (const filter of filters) {
      const { code, stdout, stderr } = await jq(['-R', '-c', filter], text);
      expect([filter, code, stderr]).toEqual([filter, 0, '']);
      for (const line of stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    // And each finds what it is there for: the refused request's code, here.
    const refused = await jq(['-R', '-c', 'fromjson? | select(.status >= 400) | {route, code, requestId}'], text);
    expect(refused.stdout).toContain('"code":"UNSUPPORTED_MEDIA_TYPE"');
  });
});

function jq(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('jq', args, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number')
        throw new Error(`jq is missing (Debian package jq; npm run engines provision installs it): ${error.message}`);
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

/**
 * Grafana's variables, replaced as Grafana would before the query reaches Prometheus: `All` of a
 * multi-value query variable is the alternation of its values (`(a|b)`); the intervals cover the
 * test's traffic.
 */
function substitute(expr: string, variables: Record<string, string>): string {
  let out = expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h').replaceAll('$__interval', '15s');
  for (const [name, value] of Object.entries(variables)) out = out.replaceAll(`$${name}`, value);
  return out;
}

/** A query variable's values, from the query Grafana would run (`label_values(series, label)`). */
async function variableValues(query: string, variables: Record<string, string>): Promise<string[]> {
  const match = /^label_values\((.+), (\w+)\)$/.exec(query);
  if (!match) throw new Error(`not a label_values() query: ${query}`);
  const samples = await prometheus.query(substitute(match[1]!, variables));
  return [...new Set(samples.map((s) => s.metric[match[2]!]).filter((v): v is string => v !== undefined))].sort();
}

interface Panel {
  title: string;
  type: string;
  datasource?: { type: string };
  fieldConfig?: { defaults?: { noValue?: string } };
  targets?: { expr: string }[];
}

interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
}

describe('when the dashboards are read against this Prometheus', () => {
  const dashboards = readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({
      file: f,
      json: JSON.parse(readFileSync(new URL(f, DASHBOARDS_DIR), 'utf8')) as {
        panels: Panel[];
        templating: { list: Variable[] };
      },
    }));
  const queries = dashboards.flatMap(({ file, json }) =>
    json.panels
      .filter((p) => p.datasource?.type === 'prometheus')
      .flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${file}: ${p.title}`, panel: p, expr: t.expr }))),
  );
  /** The variables of both dashboards at `All`, resolved in order against this Prometheus. */
  const resolved = async () => {
    const variables: Record<string, string> = {};
    for (const v of dashboards[0]!.json.templating.list.filter((x) => x.type === 'query')) {
      const query = typeof v.query === 'string' ? v.query : v.query!.query;
      const values = await variableValues(query, variables);
      variables[v.name] = values.length === 1 ? values[0]! : `(${values.join('|')})`;
    }
    return variables;
  };

  it("then their variables find exactly Pictor's namespace and jobs, not other programs sharing Prometheus", async () => {
    const variables = await resolved();
    expect(variables).toEqual({ namespace: NAMESPACE, job: '(pictor-api|pictor-notifier|pictor-relay|pictor-worker)' });
    // Prometheus's own series have neither: Grafana's `All` must not widen to `.*`.
    for (const { json } of dashboards) {
      for (const v of json.templating.list)
        expect([v.name, (v as { allValue?: string }).allValue]).toEqual([v.name, undefined]);
    }
  });

  it('then every panel shows data after the traffic, or is a stat with an explicit text for none; no NaN, no 1970', async () => {
    const variables = await resolved();
    await requestsAcrossScrapes();
    // On a loaded machine a scrape can time out, and a failed scrape makes the whole target's
    // series stale at once: look again (bounded) before calling a panel empty. A panel without
    // data fails every look.
    let problems = await panelProblems(variables);
    for (let look = 1; look < 5 && problems.length > 0; look++) {
      await new Promise((r) => setTimeout(r, 2000));
      problems = await panelProblems(variables);
    }
    expect(problems).toEqual([]);
  });

  /**
   * The latency panels are rates of a histogram whose series are born at a route's first request,
   * already counting it: when all of a test's requests fall between two scrapes, the rate is 0 and
   * every quantile NaN. Requests on both sides of a scrape make the increase visible, as steady
   * traffic does in production.
   */
  async function requestsAcrossScrapes(): Promise<void> {
    const served = 'sum(http_request_duration_seconds_count{route!="unmatched"})';
    for (let round = 0; round < 2; round++) {
      const before = value(await prometheus.query(served));
      for (let i = 0; i < 5; i++) expect((await fetch(`${api.url}/api/v1/limits`)).status).toBe(200);
      await prometheus.waitFor(served, (s) => value(s) >= (Number.isNaN(before) ? 0 : before) + 5);
    }
  }

  async function panelProblems(variables: Record<string, string>): Promise<string[]> {
    const problems: string[] = [];
    for (const { where, panel, expr } of queries) {
      const samples = await prometheus.query(substitute(expr, variables));
      const values = samples.map((s) => Number(s.value[1]));
      if (samples.length === 0) {
        if (panel.type !== 'stat' || !panel.fieldConfig?.defaults?.noValue) problems.push(`${where}: no data`);
        continue;
      }
      if (panel.type === 'stat' && values.some((v) => Number.isNaN(v))) problems.push(`${where}: NaN`);
      if (values.every((v) => Number.isNaN(v))) problems.push(`${where}: only NaN`);
      // A time since 1970 (a timestamp of 0) would be over 50 years.
      if (values.some((v) => v > 50 * 365 * 86400)) problems.push(`${where}: ${Math.max(...values)}`);
    }
    return problems;
  }

  it('then every Loki query of the dashboards and the docs parses as LogQL', () => {
    const docs = ['../../../docs/OBSERVABILITY.md', '../../../docs/RUNBOOK.md', '../../../loki/README.md'];
    const fromDocs = docs.flatMap((doc) =>
      [...readFileSync(new URL(doc, import.meta.url), 'utf8').matchAll(/```logql\n([\s\S]*?)```/g)].flatMap((m) =>
        m[1]!
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((expr) => ({ where: doc, expr })),
      ),
    );
    const fromDashboards = dashboards.flatMap(({ file, json }) =>
      json.panels
        .filter((p) => p.datasource?.type === 'loki')
        .flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${file}: ${p.title}`, expr: t.expr }))),
    );
    expect(fromDocs.length).toBeGreaterThan(2);
    expect(fromDashboards.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const { where, expr } of [...fromDocs, ...fromDashboards]) {
      // Grafana's text-box variables, as a user would fill them in.
      const query = expr
        .replaceAll('${traceId}', '4bf92f35')
        .replaceAll('${requestId}', '3f0c')
        .replaceAll('$namespace', 'pictor');
      const tree = logql.parse(query);
      let error = false;
      tree.iterate({ enter: (node) => void (node.type.isError && (error = true)) });
      if (error || tree.topNode.name !== 'LogQL') failures.push(`${where}: ${query}`);
    }
    expect(failures).toEqual([]);
  });

  it('then there are dashboards with Prometheus queries and a Loki logs panel', () => {
    expect(dashboards.map((d) => d.file).sort()).toEqual(['pictor-overview.json', 'pictor-pipeline.json']);
    expect(queries.length).toBeGreaterThan(20);
    const logs = dashboards.flatMap((d) => d.json.panels).filter((p) => p.type === 'logs');
    expect(logs.map((p) => p.datasource?.type)).toEqual(['loki']);
  });

  it('then every PromQL expression parses and runs', async () => {
    const failures: string[] = [];
    const variables = await resolved();
    for (const { where, expr } of queries) {
      await prometheus
        .query(substitute(expr, variables))
        .catch((error: unknown) => failures.push(`${where}: ${String(error)}`));
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
      // `up` is Prometheus's own series about each scrape.
      for (const name of names) if (!exported.has(name) && name !== 'up') unknown.push(`${where}: ${name}`);
    }
    expect(unknown).toEqual([]);
  });
});

/** One alert's state in this Prometheus, as `ALERTS` shows it; undefined while inactive. */
async function alertState(alertname: string): Promise<string | undefined> {
  const samples = await prometheus.query(`ALERTS{alertname="${alertname}"}`);
  return samples.some((x) => x.metric.alertstate === 'firing')
    ? 'firing'
    : samples.length > 0
      ? samples[0]!.metric.alertstate
      : undefined;
}

describe("when the chart's alerts run in this Prometheus", () => {
  it('then a quiet, freshly installed Pictor fires nothing critical', async () => {
    const firing = await prometheus.query('ALERTS{severity="critical", alertstate="firing"}');
    expect(firing.map((x) => x.metric.alertname)).toEqual([]);
  });

  it('then one dead-lettered event fires PictorDeadLetters with its reason', async () => {
    const kafka = new Kafka({
      clientId: 'pictor-test',
      brokers: process.env.KAFKA_BROKERS!.split(','),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'pictor.images.uploaded', messages: [{ key: 'not-an-image', value: '{not json' }] });
    } finally {
      await producer.disconnect();
    }
    const alert = await prometheus.waitFor(
      'ALERTS{alertname="PictorDeadLetters", alertstate="firing"}',
      (x) => x.length === 1,
      20_000,
    );
    expect(alert[0]!.metric).toEqual(expect.objectContaining({ reason: 'MALFORMED_EVENT', severity: 'warning' }));
  });

  it('then stopping the only worker fires PictorWorkerDown within its `for`, while the relay still exports the lag', async () => {
    const worker = processes.find((p) => p.target === 'worker')!;
    expect(await alertState('PictorWorkerDown')).toBeUndefined();
    await worker.kill('SIGTERM');
    const stopped = Date.now();
    await prometheus.waitFor('up{job="pictor-worker"} == 0', (x) => x.length === 1, 10_000);
    await prometheus.waitFor(
      'ALERTS{alertname="PictorWorkerDown", alertstate="firing"}',
      (x) => x.length === 1,
      30_000,
    );
    const seconds = (Date.now() - stopped) / 1000;
    // Its `for`, plus a scrape (2 s here), an evaluation (1 s) and the query's polling.
    expect(seconds).toBeGreaterThanOrEqual(DOWN_FOR_SECONDS);
    expect(seconds).toBeLessThan(DOWN_FOR_SECONDS + 10);

    // An upload now waits in Kafka, and the relay, not the dead worker, shows it.
    expect((await upload(await png(64, 64), 'waiting.png')).status).toBe(201);
    const lag = await prometheus.waitFor(
      'sum(max by (topic, partition) (pictor_kafka_consumer_lag{job="pictor-relay"}))',
      (x) => value(x) >= 1,
    );
    expect(value(lag)).toBeGreaterThanOrEqual(1);
  });

  it('then stopping the only relay fires PictorRelayDown within its `for`, while the api still exports the outbox', async () => {
    const relay = processes.find((p) => p.target === 'relay')!;
    await relay.kill('SIGTERM');
    const stopped = Date.now();
    expect((await upload(await png(48, 48), 'unpublished.png')).status).toBe(201);
    // The api reads the outbox from the database: the event waiting there is still seen.
    await prometheus.waitFor('max(pictor_outbox_backlog{job="pictor-api"})', (x) => value(x) >= 1);
    await prometheus.waitFor('ALERTS{alertname="PictorRelayDown", alertstate="firing"}', (x) => x.length === 1, 30_000);
    const seconds = (Date.now() - stopped) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(DOWN_FOR_SECONDS);
    expect(seconds).toBeLessThan(DOWN_FOR_SECONDS + 10);
  });
});
