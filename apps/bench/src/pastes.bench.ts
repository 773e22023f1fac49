import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  deploy,
  freshStore,
  LOAD_CPU,
  log,
  pinSelf,
  pinServers,
  seconds,
  sql,
  unpin,
  type BenchEngines,
} from './harness.js';
import { withCpu, type Rate } from './load.js';
import { runWrk, type Wrk } from './wrk.js';

const run = promisify(execFile);

export interface PastesResult {
  /** Bytes of the paste's text, and of the cached entry Redis holds (metadata + text as JSON). */
  textBytes: number;
  cachedBytes: number;
  connections: number;
  /** `GET /p/<id>/raw` of one hot paste from the api. */
  api: Rate;
  /** redis-benchmark `GET` of the very entry the api reads, same connections. */
  redisGet: { requests: number; rps: number; latencyMs: { p50: number; p99: number } };
  /** Scans of the pastes table during the api run (pg_stat_user_tables): 0 when hot reads stay off PostgreSQL. */
  pastesTableScans: number;
  /** Load average (1 min) before the runs: other work on the machine. */
  loadAverage: number;
}

const CONNECTIONS = 16;

/** A realistic paste: 4 KB of a build log. */
function buildLog(): string {
  const lines: string[] = [];
  for (let i = 0; lines.join('\n').length < 4096; i++) {
    lines.push(
      `[2026-12-01T10:${String(i % 60).padStart(2, '0')}:00Z] step ${i}: compiling module-${i}.ts … ok (${i * 7} ms)`,
    );
  }
  return lines.join('\n');
}

async function tableScans(databaseUrl: string): Promise<number> {
  const client = await sql(databaseUrl);
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::text AS n FROM pg_stat_user_tables WHERE relname = 'pastes'`,
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/**
 * Measurement 7: reads per second of one hot paste (`/p/<id>/raw`, served from the cache) against
 * Redis's own GET of the same cached value, and proof that the hot reads never reach PostgreSQL.
 */
export async function pastesBenchmark(bench: BenchEngines, wrk: Wrk): Promise<PastesResult> {
  const durationS = seconds(10, 3);
  const store = await freshStore();
  const deployment = await deploy(store, bench, { api: true }, { CACHE_TTL_SECONDS: '3600' });
  const api = deployment.api!;
  const servers = [...deployment.pids.api!, ...deployment.pids.redis!];
  try {
    const text = buildLog();
    const created = await fetch(`${api.url}/api/v1/pastes?title=bench`, { method: 'POST', body: text });
    if (created.status !== 201) throw new Error(`POST /api/v1/pastes answered ${created.status}`);
    const { id } = (await created.json()) as { id: string };
    const rawPath = `/p/${id}/raw`;
    const served = await (await fetch(`${api.url}${rawPath}`)).text();
    if (served !== text) throw new Error('the raw link did not serve the text');

    const redisUrl = new URL(process.env.REDIS_URL!);
    const key = `pictor:paste:${id}`;
    const { stdout: strlen } = await run('redis-cli', ['-h', redisUrl.hostname, '-p', redisUrl.port, 'STRLEN', key]);
    const cachedBytes = Number(strlen.trim());
    if (!(cachedBytes > text.length)) throw new Error(`the paste is not in Redis under ${key}`);

    const { stdout: load } = await run('cat', ['/proc/loadavg']);
    const loadAverage = Number(load.split(' ')[0]);
    pinServers(servers);
    pinSelf();
    const cpu = LOAD_CPU ? { cpu: LOAD_CPU } : {};
    log('pastes: api, one hot paste');
    await runWrk(wrk, { url: `${api.url}${rawPath}`, connections: CONNECTIONS, durationS: seconds(2, 1), ...cpu });
    // Idle backends flush their table statistics up to 10 s late (PostgreSQL 15): let the scans
    // of the create and the first read land before counting.
    await new Promise((r) => setTimeout(r, 11_000));
    const before = await tableScans(store.databaseUrl);
    const apiRate = await withCpu({ api: deployment.pids.api!, redis: deployment.pids.redis! }, () =>
      runWrk(wrk, { url: `${api.url}${rawPath}`, connections: CONNECTIONS, durationS, ...cpu }),
    );
    await new Promise((r) => setTimeout(r, 11_000));
    const pastesTableScans = (await tableScans(store.databaseUrl)) - before;

    log('pastes: redis-benchmark GET of the same entry');
    const requests = Math.max(50_000, Math.round(apiRate.rps * durationS * 4));
    const taskset = LOAD_CPU ? ['taskset', '-c', LOAD_CPU] : [];
    const [command, ...args] = [
      ...taskset,
      'redis-benchmark',
      ...['-h', redisUrl.hostname, '-p', redisUrl.port, '-c', String(CONNECTIONS), '-n', String(requests)],
      ...['--csv', 'GET', key],
    ];
    const { stdout } = await run(command!, args, { maxBuffer: 1 << 20 });
    // --csv: a header line, then "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95…","p99…","max…"
    const row = stdout
      .trim()
      .split('\n')
      .at(-1)!
      .split(',')
      .map((c) => c.replace(/"/g, ''));
    const redisGet = { requests, rps: Number(row[1]), latencyMs: { p50: Number(row[4]), p99: Number(row[6]) } };
    return {
      textBytes: Buffer.byteLength(text),
      cachedBytes,
      connections: CONNECTIONS,
      api: apiRate,
      redisGet,
      pastesTableScans,
      loadAverage,
    };
  } finally {
    unpin(servers);
    await deployment.stop();
    await store.drop();
  }
}
