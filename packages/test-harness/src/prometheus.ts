import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './processes.js';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus {
  url: string;
  /** An instant query; rejects with Prometheus's error (e.g. a parse error) when it fails. */
  query(expr: string): Promise<PromSample[]>;
  /** Polls `expr` until `accept` holds for its result, or fails with the last result. */
  waitFor(expr: string, accept: (samples: PromSample[]) => boolean, timeoutMs?: number): Promise<PromSample[]>;
  stop(): Promise<void>;
}

/**
 * Runs the Debian `prometheus` binary (PICTOR_PROMETHEUS_BIN) scraping `targets` every 2 s,
 * with its data in a fresh temporary directory, and resolves when it is ready.
 */
export async function startPrometheus(
  targets: { job: string; address: string; labels?: Record<string, string> }[],
  options: { rules?: unknown; scrapeItself?: boolean } = {},
): Promise<Prometheus> {
  const bin = process.env.PICTOR_PROMETHEUS_BIN;
  if (!bin)
    throw new Error('PICTOR_PROMETHEUS_BIN is not set: run the integration tests through jest (@pictor/test-engines)');
  const dir = await mkdtemp(path.join(tmpdir(), 'pictor-prometheus-'));
  // JSON is YAML: the configuration and the rules (e.g. the chart's PrometheusRule groups) as is.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config: Record<string, unknown> = {
    // 2 s to answer: a scrape of the worker or relay reads the consumer lag from Kafka, which on a
    // busy machine can take over a second; a timed-out scrape makes every series of the target
    // stale at once, and the dashboards' queries would find nothing.
    global: { scrape_interval: '2s', scrape_timeout: '2s', evaluation_interval: '1s' },
    scrape_configs: [
      ...targets.map((t) => ({
        job_name: t.job,
        static_configs: [{ targets: [t.address], ...(t.labels ? { labels: t.labels } : {}) }],
      })),
      // Prometheus itself, as most installations scrape it: its http_* and process_* series are
      // there for queries that are not specific enough to pick them up.
      ...(options.scrapeItself
        ? [{ job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${port}`] }] }]
        : []),
    ],
  };
  if (options.rules) {
    await writeFile(path.join(dir, 'rules.yml'), JSON.stringify(options.rules));
    config.rule_files = [path.join(dir, 'rules.yml')];
  }
  await writeFile(path.join(dir, 'prometheus.yml'), JSON.stringify(config));
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = once(child, 'exit');

  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus did not become ready:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const query = async (expr: string) => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: PromSample[] | [number, string] };
    };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? res.status}`);
    const result = body.data!.result;
    // A scalar result becomes one sample without labels.
    return body.data!.resultType === 'scalar'
      ? [{ metric: {}, value: result as [number, string] }]
      : (result as PromSample[]);
  };

  return {
    url,
    query,
    async waitFor(expr, accept, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const last = await query(expr);
        if (accept(last)) return last;
        if (Date.now() > until) throw new Error(`${expr} still ${JSON.stringify(last)} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
